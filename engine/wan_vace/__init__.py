"""Wan2.1 VACE through diffusers. Importing this package is light; diffusers loads when a model does."""
from engine.wan_vace.engine import WanVaceEngine

__all__ = ["WanVaceEngine"]
