"""SEINE, re-implemented clean-room from shared/design/SEINE.md.

Importing this package is light (numpy only); torch, diffusers and transformers load when a model is built.
"""
from engine.seine.engine import PRESETS, SeineEngine, model_size_for_aspect

__all__ = ["PRESETS", "SeineEngine", "model_size_for_aspect"]
