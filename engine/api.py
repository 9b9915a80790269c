"""The one engine API the editor (and a GPU server) calls. Plain data in, plain frames out.

Images are numpy uint8 arrays ``H×W×3`` (RGB, upright); clips are ``T×H×W×3``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

import numpy as np

PRESETS = ("final", "draft", "preview")


@dataclass(frozen=True)
class StepInfo:
    """One denoising (or frame) step finished."""

    step: int  # 1-based
    total: int
    elapsed_s: float
    stage: str = "denoise"  # "encode", "denoise", "decode", "chunk 2/3 denoise", ...


OnStep = Callable[[StepInfo], None]
IsCancelled = Callable[[], bool]


@dataclass(frozen=True)
class GenerationRequest:
    """What every mode shares. ``None`` means "the preset decides"."""

    prompt: str = ""
    negative_prompt: str = ""
    seed: int = 0  # 0 is a seed like any other
    num_frames: int = 16
    size: Optional[tuple[int, int]] = None  # (height, width) of the model canvas; None: chosen from the source aspect
    num_inference_steps: Optional[int] = None
    scheduler: Optional[str] = None  # "ddpm", "ddim", "dpm++", "unipc", "euler"
    guidance_scale: Optional[float] = None
    preset: str = "draft"


@dataclass(frozen=True)
class TransitionRequest(GenerationRequest):
    """Frames between two shots: the first output frame is ``first``, the last is ``last``."""

    num_known: int = 1  # frames known at each end (the official "onelast1")


@dataclass(frozen=True)
class ExtendRequest(GenerationRequest):
    """Continue a clip. ``num_frames`` is the number of NEW frames wanted (any length: autoregressive chunks)."""

    num_known: int = 4  # the clip's last N frames condition each chunk (the official "first4")


@dataclass(frozen=True)
class AnimateRequest(GenerationRequest):
    """Bring a still image to life; the first output frame is the image."""


@dataclass
class GeneratedFrames:
    frames: np.ndarray  # T×H×W×3 uint8
    fps: float
    info: dict = field(default_factory=dict)  # engine, weights identity, params, timings

    def __post_init__(self):
        if self.frames.dtype != np.uint8 or self.frames.ndim != 4 or self.frames.shape[-1] != 3:
            raise ValueError(f"GeneratedFrames needs a T×H×W×3 uint8 array, got {self.frames.dtype} {self.frames.shape}")


class Engine(Protocol):
    """Every engine (SEINE, morph, crossfade) implements these three calls."""

    name: str

    @property
    def identity(self) -> str:
        """Stable id of the engine and its weights, part of every result fingerprint."""

    def transition(self, first: np.ndarray, last: np.ndarray, request: TransitionRequest, *,
                   on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames: ...

    def extend(self, frames: np.ndarray, request: ExtendRequest, *,
               on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames: ...

    def animate(self, image: np.ndarray, request: AnimateRequest, *,
                on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames: ...
