"""LTX-2 (picture and sound) through diffusers. Importing this package is light; diffusers loads when a model does."""
from engine.ltx2.engine import Ltx2Engine

__all__ = ["Ltx2Engine"]
