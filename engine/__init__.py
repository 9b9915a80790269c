"""The generative engine's public API: plain numpy frames in and out, no Qt, OTIO or PyAV.

Importing this package is cheap: torch, diffusers and transformers load only when a SEINE engine or
the metrics are used.
"""
from engine.api import (
    MODES,
    AnimateRequest,
    CanvasRule,
    Engine,
    EngineInfo,
    EngineOption,
    ExtendRequest,
    GeneratedFrames,
    GenerationRequest,
    IsCancelled,
    OnStep,
    PresetInfo,
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
from engine.registry import available_engines, engine_info, engine_names, load_engine

__all__ = [
    "MODES", "AnimateRequest", "CanvasRule", "Engine", "EngineInfo", "EngineOption", "ExtendRequest",
    "GeneratedFrames", "GenerationRequest", "IsCancelled", "OnStep", "PresetInfo", "StepInfo", "TransitionRequest",
    "EngineError", "EngineInputError", "GenerationCancelled", "IncompatibleWeightsError",
    "OutOfMemoryError", "WeightsNotFoundError",
    "available_engines", "engine_info", "engine_names", "load_engine",
]
