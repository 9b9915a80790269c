"""The one engine contract the editor, the local engine worker, the GPU server and Ray Serve all speak.
Plain data in, plain frames out.

Images are numpy uint8 arrays ``H×W×3`` (RGB, upright); clips are ``T×H×W×3``. Every engine describes itself
with an :class:`EngineInfo` (modes, native frames and rate, canvas rule, presets, option schema, identity), so the
code above ``engine/`` reads that description and never branches on an engine's name.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Callable, Optional, Protocol

import numpy as np

from engine.errors import EngineInputError

MODES = ("transition", "extend", "animate")
OPTION_KINDS = ("folder", "file", "choice", "bool", "int", "float", "text")


@dataclass(frozen=True)
class EngineOption:
    """One setting an engine takes when it is built (a keyword argument of its class), typed for the UIs."""

    name: str
    kind: str  # one of OPTION_KINDS
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""

    def __post_init__(self):
        if self.kind not in OPTION_KINDS:
            raise ValueError(f"option {self.name}: kind {self.kind!r} is not one of {', '.join(OPTION_KINDS)}")

    def check(self, value: Any) -> Any:
        """``value`` as this option holds it; EngineInputError naming the option and what it allows."""
        if value is None:
            return None
        if self.kind == "choice" and value not in self.choices:
            raise EngineInputError(f"option {self.name} = {value!r} is not allowed; allowed: {', '.join(self.choices)}")
        if self.kind == "bool" and not isinstance(value, bool):
            raise EngineInputError(f"option {self.name} = {value!r} must be true or false")
        if self.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
            raise EngineInputError(f"option {self.name} = {value!r} must be a whole number")
        if self.kind == "float" and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise EngineInputError(f"option {self.name} = {value!r} must be a number")
        if self.kind in ("folder", "file", "text") and not isinstance(value, str):
            raise EngineInputError(f"option {self.name} = {value!r} must be a {self.kind} path or text")
        return float(value) if self.kind == "float" else value


@dataclass(frozen=True)
class PresetInfo:
    """A named quality setting and what it resolves to (None: the engine has no such knob)."""

    name: str
    sampler: Optional[str] = None
    steps: Optional[int] = None
    guidance_scale: Optional[float] = None
    description: str = ""


@dataclass(frozen=True)
class CanvasRule:
    """The canvas sizes ``(height, width)`` an engine works at.

    * ``buckets``: a fixed list; a source gets the bucket nearest its aspect ratio;
    * ``area``: the source's aspect at about ``area`` pixels, each side a multiple of ``multiple``;
    * neither: the timeline's own size (the engine works at any size).

    ``stretch``: sources are resized to the canvas with their aspect not kept (the way a model was trained, e.g.
    SEINE's official transform), and the result is stretched back to the sources' shape; otherwise sources are
    letterboxed onto the canvas. A canvas named by hand (a project setting) may be any size of whole multiples.
    """

    buckets: tuple[tuple[int, int], ...] = ()
    area: Optional[int] = None
    multiple: int = 1
    stretch: bool = False

    @property
    def fixed(self) -> bool:
        """True for a model canvas (buckets or an area), False for an engine that works at the timeline size."""
        return bool(self.buckets or self.area)

    def canvas_for(self, source_size: tuple[int, int], timeline_size: tuple[int, int]) -> tuple[int, int]:
        """The canvas for a source of ``source_size`` = (height, width) on a timeline of ``timeline_size``."""
        height, width = source_size
        if height <= 0 or width <= 0:
            raise EngineInputError(f"source size {width}x{height} is not a picture size: both sides must be > 0")
        if self.buckets:
            aspect = math.log(width / height)
            return min(self.buckets, key=lambda hw: abs(math.log(hw[1] / hw[0]) - aspect))
        if self.area:
            ratio, step = width / height, self.multiple
            return (max(step, round(math.sqrt(self.area / ratio) / step) * step),
                    max(step, round(math.sqrt(self.area * ratio) / step) * step))
        return tuple(timeline_size)

    def check(self, size: tuple[int, int]) -> None:
        """Refuse a canvas this engine cannot take, naming what it can."""
        height, width = size
        if height <= 0 or width <= 0 or height % self.multiple or width % self.multiple:
            raise EngineInputError(f"canvas {height}×{width} is not allowed: both sides must be positive "
                                   f"multiples of {self.multiple}")


@dataclass(frozen=True)
class EngineInfo:
    """What an engine is and takes. ``identity`` names the engine and its weights (empty in a description made
    without building the engine); it is part of every result's cache fingerprint."""

    name: str
    description: str
    label: str  # what a person sees: "SEINE", "Morph"
    identity: str = ""
    modes: tuple[str, ...] = MODES
    native_frames: Optional[int] = None  # frames of one generation (the most, with frame_step); None: any count
    # the engine makes 1 + k * frame_step frames, up to native_frames (a causal video VAE's frame grid); None:
    # exactly native_frames
    frame_step: Optional[int] = None
    fps: Optional[float] = None  # the rate the engine's frames are made at; None: the timeline's
    canvas: CanvasRule = CanvasRule()
    presets: tuple[PresetInfo, ...] = ()
    default_preset: Optional[str] = None
    options: tuple[EngineOption, ...] = ()
    # alternatives of options that must all be set for the engine to run, e.g. (("weights",), ("checkpoint",
    # "sd_path")); empty: it runs as it is
    required: tuple[tuple[str, ...], ...] = ()
    context_frames: int = 1  # frames of a clip an extension is conditioned on, taken at the engine's frame spacing
    sound: bool = False  # returns sound with its frames
    needs_gpu: bool = False  # practical only with a GPU (a CPU run is for tests)
    prompt_rule: str = ""  # how the engine turns the person's prompt into its own, in words for the inspector

    def frames_for(self, wanted: int) -> int:
        """How many frames to ask this engine for when ``wanted`` would be ideal: the native count for a fixed-length
        engine, else the count on its frame grid nearest ``wanted`` (half up; the picture is then retimed by less
        than half a grid step), within its limits."""
        if self.native_frames is None:
            return wanted
        if not self.frame_step:
            return self.native_frames
        steps = max(1, math.floor(Fraction(wanted - 1, self.frame_step) + Fraction(1, 2)))
        return min(self.native_frames, 1 + steps * self.frame_step)

    def preset(self, name: Optional[str]) -> Optional[PresetInfo]:
        """The preset called ``name`` (None: the default); EngineInputError for one this engine lacks."""
        name = name or self.default_preset
        if not self.presets:
            return None
        for preset in self.presets:
            if preset.name == name:
                return preset
        raise EngineInputError(f"preset {name!r} is not one of {self.name}'s presets: "
                               f"{', '.join(p.name for p in self.presets)}")

    def option(self, name: str) -> EngineOption:
        for option in self.options:
            if option.name == name:
                return option
        raise EngineInputError(f"engine {self.name!r} does not take option {name!r}; it takes: "
                               f"{', '.join(o.name for o in self.options) or 'none'}")

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Options with unknown names or wrong types refused (EngineInputError naming them); None values dropped."""
        known = {option.name for option in self.options}
        unknown = sorted(set(options) - known)
        if unknown:
            raise EngineInputError(f"engine {self.name!r} does not take option(s) {', '.join(unknown)}; it takes: "
                                   f"{', '.join(o.name for o in self.options) or 'none'}")
        checked = {name: self.option(name).check(value) for name, value in options.items()}
        return {name: value for name, value in checked.items() if value is not None}

    def ready(self, options: dict[str, Any]) -> bool:
        """True when ``options`` set one full group of the required ones (or none is required)."""
        return not self.required or any(all(options.get(name) for name in group) for group in self.required)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "EngineInfo":
        data = dict(data)
        canvas = dict(data.get("canvas") or {})
        canvas["buckets"] = tuple(tuple(b) for b in canvas.get("buckets", ()))
        data["canvas"] = CanvasRule(**canvas)
        data["presets"] = tuple(PresetInfo(**p) for p in data.get("presets", ()))
        data["options"] = tuple(EngineOption(**{**o, "choices": tuple(o.get("choices", ()))})
                                for o in data.get("options", ()))
        data["modes"] = tuple(data.get("modes", MODES))
        data["required"] = tuple(tuple(group) for group in data.get("required", ()))
        return cls(**data)


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
    preset: Optional[str] = None  # None: the engine's default preset
    source_name: str = ""  # the source's file name, which an engine may build an empty prompt from


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
    """What an engine made. ``sound``, from an engine that makes it (``EngineInfo.sound``), is float32
    channels×samples in [-1, 1] at ``sound_rate`` Hz, starting with the first frame."""

    frames: np.ndarray  # T×H×W×3 uint8
    fps: float
    info: dict = field(default_factory=dict)  # engine, weights identity, params, timings
    sound: Optional[np.ndarray] = None
    sound_rate: int = 0

    def __post_init__(self):
        if self.frames.dtype != np.uint8 or self.frames.ndim != 4 or self.frames.shape[-1] != 3:
            raise ValueError(f"GeneratedFrames needs a T×H×W×3 uint8 array, got {self.frames.dtype} {self.frames.shape}")
        if self.sound is not None and (self.sound.dtype != np.float32 or self.sound.ndim != 2
                                       or self.sound.shape[0] not in (1, 2) or self.sound_rate <= 0):
            raise ValueError(f"GeneratedFrames sound must be float32 (1 or 2 channels)×samples at a rate above 0, "
                             f"got {self.sound.dtype} {self.sound.shape} at {self.sound_rate} Hz")


class Engine(Protocol):
    """Every engine implements these: its description, and one call per mode it supports."""

    name: str

    @property
    def identity(self) -> str:
        """Stable id of the engine and its weights, part of every result fingerprint."""

    @property
    def info(self) -> EngineInfo:
        """The engine's description with its identity."""

    def transition(self, first: np.ndarray, last: np.ndarray, request: TransitionRequest, *,
                   on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames: ...

    def extend(self, frames: np.ndarray, request: ExtendRequest, *,
               on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames: ...

    def animate(self, image: np.ndarray, request: AnimateRequest, *,
                on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames: ...
