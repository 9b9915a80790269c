"""Classic engines: no weights, CPU only, real time. They are the instant preview before SEINE has run and the
baselines of the SEINE paper's Table 1 ("Morphing").

- ``MorphEngine``: optical flow both ways (OpenCV DIS at a reduced working resolution, upsampled), each end warped
  toward the other by ``t`` and ``1 - t`` and blended by ``t``. Extend continues the last two frames' motion,
  slowing to a hold; animate is a gentle Ken Burns push-in.
- ``CrossfadeEngine``: a linear dissolve; extend holds the last frame; animate is the same push-in.

Flow convention everywhere: ``FlowField.estimate(src, dst)`` holds ``v`` with ``src(p) ≈ dst(p + v(p))``.
"""
from __future__ import annotations

import functools
import time
from typing import Callable, Optional

import cv2
import numpy as np

from engine.api import (AnimateRequest, EngineInfo, EngineOption, ExtendRequest, GeneratedFrames, IsCancelled,
                        OnStep, StepInfo, TransitionRequest)
from engine.errors import EngineInputError, GenerationCancelled

FLOW_METHODS = ("dis", "farneback")


# ---------------------------------------------------------------------------------------------------------------
# Flow primitives (shared with engine.conform)

@functools.lru_cache(maxsize=8)
def _grid(height: int, width: int) -> np.ndarray:
    """H×W×2 float32 pixel coordinates (x, y), shared and read-only."""
    grid = np.dstack(np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)))
    grid.setflags(write=False)
    return grid


class FlowField:
    """Forward motion from ``src`` to ``dst`` (``src(p) ≈ dst(p + v(p))``), kept at a working resolution whose
    longer side is at most ``work_side``: the flow of real footage is smooth, so estimating and splatting it small
    and upsampling only the final sampling map keeps the warp's quality at a fraction of the cost."""

    def __init__(self, small: np.ndarray, height: int, width: int):
        self.small = small  # h'×w'×2 float32, in working-resolution pixels
        self.height, self.width = height, width

    @classmethod
    def estimate(cls, src: np.ndarray, dst: np.ndarray, *, work_side: int = 480, method: str = "dis") -> "FlowField":
        height, width = src.shape[:2]
        # DIS needs a side of at least 12 pixels: tiny frames are enlarged for the estimate.
        scale = max(min(1.0, work_side / max(height, width)), 32 / max(height, width))
        small = (max(1, round(width * scale)), max(1, round(height * scale)))
        resample = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        grey = [cv2.cvtColor(cv2.resize(im, small, interpolation=resample) if small != (width, height) else im,
                             cv2.COLOR_RGB2GRAY) for im in (src, dst)]
        if method == "dis":
            flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(grey[0], grey[1], None)
        elif method == "farneback":
            flow = cv2.calcOpticalFlowFarneback(grey[0], grey[1], None, 0.5, 4, 21, 3, 5, 1.1, 0)
        else:
            raise EngineInputError(f"unknown flow method {method!r}; allowed: {', '.join(FLOW_METHODS)}")
        return cls(flow, height, width)

    def splat(self, amount: float) -> tuple[np.ndarray, np.ndarray]:
        """Where to sample ``src`` to show its content moved by ``amount * v``: the backward displacement ``u``
        (working pixels, ``out(q) = src(q + u(q))``) and the coverage of each target pixel (0 where nothing
        lands: disoccluded, so the other end of a morph should fill it). Each pixel's motion is projected
        forward to where it lands, so moving edges keep their shape; uncovered pixels keep their own motion."""
        height, width = self.small.shape[:2]
        motion = np.float32(amount) * self.small
        target = np.rint(cv2.add(_grid(height, width), motion)).astype(np.int32)
        flat_index = target[..., 1] * width + target[..., 0]
        outside = (target[..., 0] < 0) | (target[..., 0] >= width) | (target[..., 1] < 0) | (target[..., 1] >= height)
        flat_index[outside] = height * width  # a spare slot past the end collects what leaves the frame
        flat_index = flat_index.ravel()
        displacement = np.empty((height * width + 1, 2), np.float32)
        displacement[:-1] = -motion.reshape(-1, 2)
        displacement[flat_index] = -motion.reshape(-1, 2)
        hits = np.zeros(height * width + 1, np.float32)
        hits[flat_index] = 1.0
        coverage = cv2.blur(hits[:-1].reshape(height, width), (3, 3))  # rounding leaves pinholes where motion spreads
        return displacement[:-1].reshape(height, width, 2), coverage

    def upsample(self, small_field: np.ndarray) -> np.ndarray:
        """A working-resolution field at full size (values unchanged: resample it, not its units)."""
        if small_field.shape[:2] == (self.height, self.width):
            return small_field
        return cv2.resize(small_field, (self.width, self.height), interpolation=cv2.INTER_LINEAR)

    def sample(self, image: np.ndarray, displacement: np.ndarray) -> np.ndarray:
        """``image(q + u(q))`` for a full-size ``image`` and a working-resolution displacement ``u``."""
        to_full = np.float32([self.width / self.small.shape[1], self.height / self.small.shape[0]])
        sample_at = cv2.add(_grid(self.height, self.width), self.upsample(displacement * to_full))
        return cv2.remap(image, sample_at, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def sample_small(self, field: np.ndarray, displacement: np.ndarray) -> np.ndarray:
        """``field(q + u(q))`` for a working-resolution ``field``."""
        sample_at = cv2.add(_grid(*field.shape[:2]), displacement)
        return cv2.remap(field, sample_at, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def advect(self, image: np.ndarray, amount: float) -> np.ndarray:
        """``image`` with its content moved by ``amount`` times this flow."""
        if amount == 0.0:
            return image
        return self.sample(image, self.splat(amount)[0])

    def round_trip_error(self, reverse: "FlowField") -> np.ndarray:
        """``|v(p) + w(p + v(p))|`` in working pixels: near 0 where the two flows agree, large at occlusions."""
        there_and_back = self.small + self.sample_small(reverse.small, self.small)
        return np.linalg.norm(there_and_back, axis=-1)


def blend(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """``(1 - t) * a + t * b``, rounded, uint8."""
    return cv2.addWeighted(a, 1.0 - t, b, t, 0.0)


def morph_frame(first: np.ndarray, last: np.ndarray, forward: FlowField, backward: FlowField,
                t: float) -> np.ndarray:
    """The in-between at ``t`` in (0, 1): ``first`` moved by ``t`` along ``forward``, ``last`` by ``1 - t`` along
    ``backward``, blended by ``t``; where one end's content uncovers a region, the other end fills it."""
    shift_first, seen_first = forward.splat(t)
    shift_last, seen_last = backward.splat(1.0 - t)
    weight_first = forward.upsample((1.0 - t) * (0.02 + seen_first))
    weight_last = forward.upsample(t * (0.02 + seen_last))
    return cv2.blendLinear(forward.sample(first, shift_first), backward.sample(last, shift_last),
                           weight_first, weight_last)


# ---------------------------------------------------------------------------------------------------------------
# Input checks

def check_image(image, label: str) -> np.ndarray:
    """The engine's image contract (H×W×3 uint8); anything else is an EngineInputError naming ``label``."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        raise EngineInputError(f"{label} must be an H×W×3 uint8 RGB array, got {dtype} {shape}")
    if min(image.shape[:2]) < 2:
        raise EngineInputError(f"{label} is {image.shape[1]}×{image.shape[0]}; at least 2×2 pixels are needed")
    return np.ascontiguousarray(image)


def _check_count(request, minimum: int) -> int:
    if not isinstance(request.num_frames, int) or request.num_frames < minimum:
        raise EngineInputError(f"num_frames must be an integer ≥ {minimum} for this mode, "
                               f"got {request.num_frames!r}")
    return request.num_frames


def _to_request_size(image: np.ndarray, size, label: str) -> np.ndarray:
    """Letterbox ``image`` into ``size`` = (height, width) when the request names one."""
    if size is None:
        return image
    if (len(size) != 2 or not all(isinstance(v, int) and v >= 2 for v in size)):
        raise EngineInputError(f"size must be (height, width) with integers ≥ 2, got {size!r}")
    if image.shape[:2] == tuple(size):
        return image
    from engine.conform import place  # conform builds on this module's flow primitives

    return place(image, size, "fit")


# ---------------------------------------------------------------------------------------------------------------
# Engines

class _ClassicEngine:
    """The frame loop, progress, cancel checks and the Ken Burns animate shared by the classic engines."""

    name = "classic"
    CONTEXT_FRAMES = 2  # extend continues the motion of the last two frames
    label = "Classic"
    description = ""
    version = 1
    OPTIONS = (EngineOption("fps", "float", 8.0, help="rate of the made frames (the timeline's rate conforms them)"),
               EngineOption("push_in", "float", 1.12, help="final zoom of animate, 1 to 2"))

    @classmethod
    def describe(cls, identity: str = "") -> EngineInfo:
        """Works at the timeline's size and rate and makes as many frames as asked; no weights, no presets."""
        return EngineInfo(cls.name, cls.description, cls.label, identity, options=cls.OPTIONS,
                          context_frames=cls.CONTEXT_FRAMES)

    @property
    def info(self) -> EngineInfo:
        return self.describe(self.identity)

    def __init__(self, *, fps: float = 8.0, push_in: float = 1.12):
        if not fps > 0:
            raise EngineInputError(f"fps must be > 0, got {fps!r}")
        if not 1.0 <= push_in <= 2.0:
            raise EngineInputError(f"push_in (final zoom of animate) must be in [1, 2], got {push_in!r}")
        self.fps = float(fps)
        self.push_in = float(push_in)

    @property
    def identity(self) -> str:
        return f"{self.name}/{self.version}"

    def _params(self) -> dict:
        return {"fps": self.fps, "push_in": self.push_in}

    def _run(self, mode: str, count: int, make_frame: Callable[[int], np.ndarray], prepare_s: float,
             on_step: Optional[OnStep], cancelled: Optional[IsCancelled], started: float) -> GeneratedFrames:
        """Make ``count`` frames one by one, checking cancel before each and reporting each."""
        frames = []
        for index in range(count):
            if cancelled is not None and cancelled():
                raise GenerationCancelled(f"{self.name} {mode} cancelled after {index} of {count} frames")
            frames.append(make_frame(index))
            if on_step is not None:
                on_step(StepInfo(step=index + 1, total=count, elapsed_s=time.perf_counter() - started,
                                 stage="frame"))
        total = time.perf_counter() - started
        info = {"engine": self.name, "identity": self.identity, "mode": mode, "params": self._params(),
                "timings": {"prepare_s": prepare_s, "frames_s": total - prepare_s, "total_s": total}}
        return GeneratedFrames(np.stack(frames), self.fps, info)

    def _check_cancel(self, mode: str, cancelled: Optional[IsCancelled]) -> None:
        if cancelled is not None and cancelled():
            raise GenerationCancelled(f"{self.name} {mode} cancelled before the first frame")

    def _transition_ends(self, first, last, request: TransitionRequest) -> tuple[np.ndarray, np.ndarray, int]:
        count = _check_count(request, 2)
        first = _to_request_size(check_image(first, "first"), request.size, "first")
        last = _to_request_size(check_image(last, "last"), request.size, "last")
        if first.shape != last.shape:
            raise EngineInputError(f"first is {first.shape[1]}×{first.shape[0]} but last is "
                                   f"{last.shape[1]}×{last.shape[0]}; give frames of one size or a request size")
        return first, last, count

    def animate(self, image: np.ndarray, request: AnimateRequest, *, on_step: Optional[OnStep] = None,
                cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        """A centred push-in from 1× to ``push_in``× with smoothstep easing; frame 0 is ``image`` exactly."""
        started = time.perf_counter()
        count = _check_count(request, 1)
        image = _to_request_size(check_image(image, "image"), request.size, "image")
        height, width = image.shape[:2]
        centre_x, centre_y = (width - 1) / 2.0, (height - 1) / 2.0

        def make_frame(index: int) -> np.ndarray:
            if index == 0:
                return image.copy()
            t = index / max(1, count - 1)
            zoom = 1.0 + (self.push_in - 1.0) * t * t * (3.0 - 2.0 * t)
            matrix = np.float32([[zoom, 0, (1 - zoom) * centre_x], [0, zoom, (1 - zoom) * centre_y]])
            return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_CUBIC,
                                  borderMode=cv2.BORDER_REPLICATE)

        return self._run("animate", count, make_frame, 0.0, on_step, cancelled, started)


class CrossfadeEngine(_ClassicEngine):
    """A linear cross-dissolve. Extend holds the last frame: a dissolve knows no motion."""

    name = "crossfade"
    CONTEXT_FRAMES = 1  # extend holds the last frame
    label = "Crossfade"
    description = "linear cross-dissolve (no weights, CPU)"

    def transition(self, first: np.ndarray, last: np.ndarray, request: TransitionRequest, *,
                   on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        started = time.perf_counter()
        first, last, count = self._transition_ends(first, last, request)

        def make_frame(index: int) -> np.ndarray:
            if index in (0, count - 1):
                return (first if index == 0 else last).copy()
            return blend(first, last, index / (count - 1))

        return self._run("transition", count, make_frame, 0.0, on_step, cancelled, started)

    def extend(self, frames: np.ndarray, request: ExtendRequest, *, on_step: Optional[OnStep] = None,
               cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        """``num_frames`` new frames, each the clip's last frame."""
        started = time.perf_counter()
        count = _check_count(request, 1)
        last = _to_request_size(_last_frames(frames, 1)[-1], request.size, "frames")
        return self._run("extend", count, lambda _: last.copy(), 0.0, on_step, cancelled, started)


class MorphEngine(_ClassicEngine):
    """The optical-flow morph of the SEINE paper's baselines, fast enough for 720p in real time on 2 cores."""

    name = "morph"
    label = "Morph"
    description = "optical-flow morph (no weights, CPU, real time)"
    OPTIONS = _ClassicEngine.OPTIONS + (
        EngineOption("work_side", "int", 480, help="longer side of the flow estimate, 32 to 4096 pixels"),
        EngineOption("flow", "choice", "dis", FLOW_METHODS, "optical-flow method"),
        EngineOption("extend_decay", "float", 0.8, help="how fast an extension's motion slows, 0 to 1"))

    def __init__(self, *, fps: float = 8.0, push_in: float = 1.12, work_side: int = 480, flow: str = "dis",
                 extend_decay: float = 0.8):
        super().__init__(fps=fps, push_in=push_in)
        if not isinstance(work_side, int) or not 32 <= work_side <= 4096:
            raise EngineInputError(f"work_side must be an integer in [32, 4096] pixels, got {work_side!r}")
        if flow not in FLOW_METHODS:
            raise EngineInputError(f"unknown flow method {flow!r}; allowed: {', '.join(FLOW_METHODS)}")
        if not 0.0 <= extend_decay < 1.0:
            raise EngineInputError(f"extend_decay must be in [0, 1), got {extend_decay!r}")
        self.work_side, self.flow, self.extend_decay = work_side, flow, float(extend_decay)

    @property
    def identity(self) -> str:
        defaults = (self.work_side, self.flow) == (480, "dis")
        return super().identity if defaults else f"{super().identity}:{self.flow}@{self.work_side}"

    def _params(self) -> dict:
        return {**super()._params(), "work_side": self.work_side, "flow": self.flow,
                "extend_decay": self.extend_decay}

    def transition(self, first: np.ndarray, last: np.ndarray, request: TransitionRequest, *,
                   on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        started = time.perf_counter()
        first, last, count = self._transition_ends(first, last, request)
        self._check_cancel("transition", cancelled)
        forward = FlowField.estimate(first, last, work_side=self.work_side, method=self.flow)
        backward = FlowField.estimate(last, first, work_side=self.work_side, method=self.flow)
        prepare_s = time.perf_counter() - started

        def make_frame(index: int) -> np.ndarray:
            if index in (0, count - 1):
                return (first if index == 0 else last).copy()
            return morph_frame(first, last, forward, backward, index / (count - 1))

        return self._run("transition", count, make_frame, prepare_s, on_step, cancelled, started)

    def extend(self, frames: np.ndarray, request: ExtendRequest, *, on_step: Optional[OnStep] = None,
               cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        """``num_frames`` new frames continuing the motion from the clip's last two frames, each step moving
        ``extend_decay`` times the previous one, so the shot glides to a hold (at most decay/(1-decay) steps'
        worth of motion). A single frame is held."""
        started = time.perf_counter()
        count = _check_count(request, 1)
        tail = [_to_request_size(f, request.size, "frames") for f in _last_frames(frames, 2)]
        last = tail[-1]
        self._check_cancel("extend", cancelled)
        if len(tail) == 1:
            return self._run("extend", count, lambda _: last.copy(), 0.0, on_step, cancelled, started)
        # The motion that brought the previous frame to the last one, carried on from the last frame:
        # last(p) ≈ prev(p + back(p)), so one more frame moves the content by -back.
        back = FlowField.estimate(last, tail[0], work_side=self.work_side, method=self.flow)
        travelled = np.cumsum([self.extend_decay ** step for step in range(1, count + 1)])
        prepare_s = time.perf_counter() - started
        return self._run("extend", count, lambda i: back.advect(last, -float(travelled[i])).copy(),
                         prepare_s, on_step, cancelled, started)


def _last_frames(frames, wanted: int) -> list[np.ndarray]:
    """The clip's last ``wanted`` frames (fewer if the clip is shorter), checked."""
    if not isinstance(frames, np.ndarray) or frames.ndim != 4:
        raise EngineInputError(f"frames must be a T×H×W×3 uint8 array, got {getattr(frames, 'dtype', frames)!r} "
                               f"{getattr(frames, 'shape', None)}")
    if len(frames) == 0:
        raise EngineInputError("frames is empty; extend needs at least one frame of the clip")
    return [check_image(frame, f"frames[{index}]") for index, frame in
            zip(range(len(frames) - min(wanted, len(frames)), len(frames)), frames[-wanted:])]
