"""The generative engine's public API: plain numpy frames in and out, no Qt, OTIO or PyAV.

Importing this package is cheap: torch, diffusers and transformers load only when a SEINE engine or
the metrics are used.
"""
from engine.api import (
    PRESETS,
    AnimateRequest,
    Engine,
    ExtendRequest,
    GeneratedFrames,
    GenerationRequest,
    IsCancelled,
    OnStep,
    StepInfo,
    TransitionRequest,
)
from engine.errors import (
    EngineError,
    EngineInputError,
    GenerationCancelled,
    IncompatibleWeightsError,
    OutOfMemoryError,
    WeightsNotFoundError,
)
from engine.registry import available_engines, load_engine

__all__ = [
    "PRESETS", "AnimateRequest", "Engine", "ExtendRequest", "GeneratedFrames", "GenerationRequest",
    "IsCancelled", "OnStep", "StepInfo", "TransitionRequest",
    "EngineError", "EngineInputError", "GenerationCancelled", "IncompatibleWeightsError",
    "OutOfMemoryError", "WeightsNotFoundError",
    "available_engines", "load_engine",
]
