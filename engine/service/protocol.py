"""The engine contract as messages: a job (mode, request, frames) in; progress events, then frames, out.

One encoding for every place an engine runs (the local worker's pipe, the HTTP server). Frames travel
as raw uint8 bytes, so what arrives is bit for bit what was sent.

A job on the wire::

    b"SEJ1" | u32 header length | header JSON | the arrays' bytes, one after another

    header = {"mode": "transition", "request": {...TransitionRequest fields...},
              "arrays": [[H, W, 3], [H, W, 3]]}      # transition: first, last; extend: the clip; animate: the image

A result is the event ``{"type": "result", "fps": .., "info": {..}, "frames": {"shape": [T, H, W, 3]},
"sound": {"shape": [C, S], "rate": R} (when there is sound), "bytes": N}`` followed by the N bytes of the frames
(uint8) then of the sound (float32, little-endian). Progress is ``{"type": "progress", "step", "total",
"elapsed_s", "stage"}``; a failure is ``{"type": "error", "error_type": "OutOfMemoryError", "message": ..}``.
"""
from __future__ import annotations

import json
import math
import struct
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from engine import errors
from engine.api import AnimateRequest, ExtendRequest, GeneratedFrames, GenerationRequest, StepInfo, TransitionRequest
from engine.errors import EngineError, EngineInputError

JOB_MAGIC = b"SEJ1"
JOB_CONTENT_TYPE = "application/x-seine-job"
REQUESTS: dict[str, type] = {"transition": TransitionRequest, "extend": ExtendRequest, "animate": AnimateRequest}
ARRAY_RANKS = {"transition": (3, 3), "extend": (4,), "animate": (3,)}


class EngineProcessStopped(EngineError):
    """The process running the engine ended mid-job (a crash, an abort, a kill, a dropped connection)."""


@dataclass(frozen=True)
class Limits:
    """What one job may ask for; anything more is refused before any work."""

    max_frames: int = 1024  # frames asked for, and frames sent
    max_side: int = 4096  # pixels, either side of a frame or canvas
    max_steps: int = 1000
    max_body_bytes: int = 1 << 30

    def check(self, request: GenerationRequest, arrays: list[np.ndarray]) -> None:
        if request.num_frames > self.max_frames:
            raise EngineInputError(f"request.num_frames = {request.num_frames} is too many: at most {self.max_frames}")
        if request.num_inference_steps is not None and request.num_inference_steps > self.max_steps:
            raise EngineInputError(f"request.num_inference_steps = {request.num_inference_steps} is too many: at "
                                   f"most {self.max_steps}")
        if request.size is not None and max(request.size) > self.max_side:
            raise EngineInputError(f"request.size = {list(request.size)} is too large: sides up to {self.max_side}")
        for array in arrays:
            if array.ndim == 4 and array.shape[0] > self.max_frames:
                raise EngineInputError(f"{array.shape[0]} frames sent: at most {self.max_frames}")
            if max(array.shape[-3:-1]) > self.max_side:
                raise EngineInputError(f"a frame of {array.shape[-2]}×{array.shape[-3]} is too large: sides up to "
                                       f"{self.max_side}")


@dataclass(frozen=True)
class Job:
    mode: str
    request: GenerationRequest
    arrays: tuple[np.ndarray, ...]


def job_for(mode: str, request: GenerationRequest, *arrays: np.ndarray) -> Job:
    arrays = tuple(np.ascontiguousarray(a) for a in arrays)
    for array in arrays:
        if array.dtype != np.uint8 or array.ndim not in (3, 4) or array.shape[-1] != 3:
            raise EngineInputError(f"a {mode} takes uint8 RGB frames (H×W×3 or T×H×W×3), got {array.dtype} "
                                   f"{array.shape}")
    return Job(mode, request, arrays)


def run_job(engine, job: Job, on_step=None, cancelled=None) -> GeneratedFrames:
    """Run ``job`` on ``engine``: the one place a job message becomes an engine call."""
    hooks = dict(on_step=on_step, cancelled=cancelled)
    if job.mode == "transition":
        return engine.transition(job.arrays[0], job.arrays[1], job.request, **hooks)
    if job.mode == "extend":
        return engine.extend(job.arrays[0], job.request, **hooks)
    return engine.animate(job.arrays[0], job.request, **hooks)


# -- jobs -----------------------------------------------------------------------------------------------------------

def encode_job(job: Job) -> bytes:
    header = json.dumps({"mode": job.mode, "request": asdict(job.request),
                         "arrays": [list(a.shape) for a in job.arrays]}).encode()
    return b"".join([JOB_MAGIC, struct.pack("<I", len(header)), header, *(a.tobytes() for a in job.arrays)])


def decode_job(body: bytes, limits: Limits = Limits()) -> Job:
    """The job in ``body``; EngineInputError naming the field that is wrong, before any frame is copied."""
    if len(body) < 8 or body[:4] != JOB_MAGIC:
        raise EngineInputError("body: not a seine job (it must start with SEJ1 and a header length)")
    (length,) = struct.unpack("<I", body[4:8])
    try:
        header = json.loads(body[8:8 + length])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise EngineInputError(f"header: not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise EngineInputError("header: must be a JSON object with mode, request and arrays")
    mode = header.get("mode")
    if not isinstance(mode, str) or mode not in REQUESTS:
        raise EngineInputError(f"mode = {mode!r} is not allowed; allowed: {', '.join(REQUESTS)}")
    request = request_from_json(mode, header.get("request"))
    shapes = header.get("arrays")
    if not isinstance(shapes, list) or [len(s) if isinstance(s, list) else None for s in shapes] != \
            list(ARRAY_RANKS[mode]) or not all(isinstance(n, int) and n > 0 for s in shapes for n in s) or \
            any(s[-1] != 3 for s in shapes):
        raise EngineInputError(f"arrays = {shapes!r} is not allowed for a {mode}: give the shapes "
                               f"{' and '.join('T×H×W×3' if r == 4 else 'H×W×3' for r in ARRAY_RANKS[mode])}")
    sizes = [math.prod(s) for s in shapes]  # Python ints: shapes of any size never wrap around
    payload = memoryview(body)[8 + length:]
    if len(payload) != sum(sizes):
        raise EngineInputError(f"arrays: the body holds {len(payload)} bytes of frames, the shapes {shapes} need "
                               f"{sum(sizes)}")
    arrays, offset = [], 0
    for shape, size in zip(shapes, sizes):
        arrays.append(np.frombuffer(payload[offset:offset + size], np.uint8).reshape(shape))
        offset += size
    limits.check(request, arrays)
    return Job(mode, request, tuple(arrays))


def _allowed(value: Any, annotation: str) -> bool:
    """A JSON value against a request field's annotation (the few kinds the requests use)."""
    if value is None:
        return "Optional" in annotation
    if "tuple" in annotation:
        return isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and v > 0 for v in value)
    if "float" in annotation:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if "int" in annotation:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


def request_from_json(mode: str, data: Any) -> GenerationRequest:
    cls = REQUESTS[mode]
    if not isinstance(data, dict):
        raise EngineInputError("request: must be a JSON object of the request's fields")
    known = {f.name: f for f in fields(cls)}
    for name, value in data.items():
        if name not in known:
            raise EngineInputError(f"request.{name} is not a field of a {mode} request; fields: {', '.join(known)}")
        if not _allowed(value, str(known[name].type)):
            raise EngineInputError(f"request.{name} = {value!r} is not allowed: it must be {known[name].type}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    return cls(**values)


# -- events ---------------------------------------------------------------------------------------------------------

def progress_event(step: StepInfo) -> dict[str, Any]:
    return {"type": "progress", "step": step.step, "total": step.total, "elapsed_s": step.elapsed_s,
            "stage": step.stage}


def step_of(event: dict[str, Any]) -> StepInfo:
    return StepInfo(int(event["step"]), int(event["total"]), float(event["elapsed_s"]), str(event["stage"]))


def error_event(error: BaseException) -> dict[str, Any]:
    return {"type": "error", "error_type": type(error).__name__, "message": str(error) or type(error).__name__}


def error_of(event: dict[str, Any]) -> EngineError:
    """The engine error an error event stands for: the same class when the engine has it, else EngineError."""
    cls = getattr(errors, event.get("error_type", ""), None)
    message = event.get("message", "")
    if isinstance(cls, type) and issubclass(cls, EngineError) and cls is not errors.IncompatibleWeightsError:
        return cls(message)
    if event.get("error_type") == EngineProcessStopped.__name__:
        return EngineProcessStopped(message)
    return EngineError(message if event.get("error_type") in (None, "EngineError")
                       else f"{event.get('error_type')}: {message}")


def result_header(result: GeneratedFrames) -> dict[str, Any]:
    header = {"type": "result", "fps": result.fps, "info": _plain(result.info),
              "frames": {"shape": list(result.frames.shape)}, "bytes": result.frames.nbytes}
    if result.sound is not None:
        header["sound"] = {"shape": list(result.sound.shape), "rate": int(result.sound_rate)}
        header["bytes"] += result.sound.nbytes
    return header


def result_bytes(result: GeneratedFrames) -> list[memoryview]:
    """The raw bytes that follow a result's header: the frames, then the sound."""
    parts = [memoryview(np.ascontiguousarray(result.frames)).cast("B")]
    if result.sound is not None:
        parts.append(memoryview(np.ascontiguousarray(result.sound, "<f4")).cast("B"))
    return parts


def result_of(header: dict[str, Any], data: np.ndarray) -> GeneratedFrames:
    """The result a header and its bytes (a uint8 array of ``header["bytes"]``, not copied) describe."""
    shape = header["frames"]["shape"]
    split = int(np.prod(shape))
    frames = data[:split].reshape(shape)
    sound, rate = None, 0
    if header.get("sound"):
        sound = data[split:].view("<f4").astype(np.float32, copy=False).reshape(header["sound"]["shape"])
        rate = int(header["sound"]["rate"])
    return GeneratedFrames(frames, float(header["fps"]), header.get("info") or {}, sound, rate)


def _plain(value: Any) -> Any:
    """Engine info made JSON-safe (tuples to lists, anything else exotic to its text)."""
    return json.loads(json.dumps(value, default=str))
