"""Fit generated frames to the timeline: its frame rate, its size, and its true boundary frames.

A model clip (typically 16 frames at 8 fps, a few hundred pixels wide) becomes exactly ``num_frames`` frames at the
timeline's size:

1. Time. The clip's span is laid over the output's span: output frame ``j`` shows source position
   ``j * (T - 1) / (num_frames - 1)``, so the clip's first and last frames land on the output's first and last.
   With ``num_frames = conformed_length(T, src_fps, dst_fps)`` (the default) that is plain frame-rate conversion;
   any other count also retimes the clip to fill exactly that many frames. Positions between two source frames are
   made by the morph warp of ``engine.classic`` (flow both ways), falling back per pixel to a plain blend where the
   two flows disagree (occlusions, cuts), so a failed flow never tears the picture.
2. Space. Each frame is scaled with ``fit_rect`` (the renderer's placement): "fit" letterboxes (centred, black
   bars), "fill" covers and crops the centre. INTER_AREA when shrinking, INTER_CUBIC when enlarging.
3. Boundaries. Given ``first``/``last`` (timeline size), output frame 0 IS ``first`` and frame -1 IS ``last``; the
   difference between the true frame and the generated one fades out over ``ease_frames`` neighbours, so neither
   cut pops from sharp footage to the softer, slightly colour-shifted model frames.
"""
from __future__ import annotations

import math
from typing import Optional

import cv2
import numpy as np

from engine.classic import FlowField, blend, check_image, morph_frame
from engine.errors import EngineInputError

FIT_MODES = ("fit", "fill")
# Beyond these a pixel's flow is not trusted and it is blended instead of warped (fully at twice the value):
# forward-backward disagreement in working pixels, and colour mismatch after warping in grey levels (0-255).
ROUND_TRIP_TOLERANCE_PX = 0.75
COLOUR_TOLERANCE = 16.0


def _round(value: float) -> int:
    """Round half up, the same on every platform (Python's round() goes to even)."""
    return int(math.floor(value + 0.5))


def fit_rect(src_w: int, src_h: int, dst_w: int, dst_h: int, mode: str = "fit") -> tuple[int, int, int, int]:
    """Where a ``src_w``×``src_h`` picture goes in a ``dst_w``×``dst_h`` frame: ``(x, y, w, h)`` of the scaled
    picture in frame pixels. "fit" shows all of it (bars: x or y ≥ 0); "fill" covers the frame (crop: x or y ≤ 0).
    Centred; an odd leftover pixel goes to the right/bottom bar (fit) or crop (fill)."""
    if mode not in FIT_MODES:
        raise EngineInputError(f"fit mode must be one of {', '.join(FIT_MODES)}, got {mode!r}")
    for label, value in (("src_w", src_w), ("src_h", src_h), ("dst_w", dst_w), ("dst_h", dst_h)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise EngineInputError(f"{label} must be a positive integer, got {value!r}")
    pick = min if mode == "fit" else max
    scale = pick(dst_w / src_w, dst_h / src_h)
    width = dst_w if scale == dst_w / src_w else max(1, _round(src_w * scale))
    height = dst_h if scale == dst_h / src_h else max(1, _round(src_h * scale))
    x = (dst_w - width) // 2 if width <= dst_w else -((width - dst_w) // 2)
    y = (dst_h - height) // 2 if height <= dst_h else -((height - dst_h) // 2)
    return x, y, width, height


def place(image: np.ndarray, size: tuple[int, int], mode: str = "fit", aspect: Optional[float] = None) -> np.ndarray:
    """``image`` scaled into a black frame of ``size`` = (height, width) by ``fit_rect``; with ``aspect`` (width /
    height), placed as a picture of that aspect: a model canvas stretched back to the source's shape."""
    dst_h, dst_w = size
    src_h, src_w = image.shape[:2]
    if aspect is not None:  # a virtual source large enough that rounding keeps the aspect to the pixel
        src_h, src_w = 1 << 14, max(1, _round((1 << 14) * aspect))
    x, y, width, height = fit_rect(src_w, src_h, dst_w, dst_h, mode)
    if (width, height) == image.shape[1::-1]:
        scaled = image
    else:
        shrinking = width * height < image.shape[0] * image.shape[1]
        scaled = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    if (x, y, width, height) == (0, 0, dst_w, dst_h):
        return np.ascontiguousarray(scaled)
    frame = np.zeros((dst_h, dst_w, 3), np.uint8)
    src_x, src_y = max(0, -x), max(0, -y)
    dst_x, dst_y = max(0, x), max(0, y)
    copy_w, copy_h = min(width - src_x, dst_w - dst_x), min(height - src_y, dst_h - dst_y)
    frame[dst_y:dst_y + copy_h, dst_x:dst_x + copy_w] = scaled[src_y:src_y + copy_h, src_x:src_x + copy_w]
    return frame


def stretch(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``image`` resized to ``size`` = (height, width), aspect not kept: bilinear with no antialiasing, as SEINE's
    official transform (`F.interpolate(mode="bilinear", align_corners=False)`) resizes its inputs."""
    if image.shape[:2] == tuple(size):
        return np.ascontiguousarray(image)
    return cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_LINEAR)


def conformed_length(num_source: int, src_fps: float, dst_fps: float) -> int:
    """Frames at ``dst_fps`` spanning what ``num_source`` frames span at ``src_fps`` (first to last frame)."""
    return max(1, _round((num_source - 1) * dst_fps / src_fps) + 1)


def time_map(num_source: int, num_frames: int, open_ends: tuple[bool, bool] = (False, False)) -> tuple[float, float]:
    """Where `conform` takes its output frames from: output frame ``j`` shows source position ``first + j * span``
    (in source frames). Its sound follows the same map."""
    open_start, open_end = open_ends
    intervals = num_frames - 1 + open_start + open_end
    span = (num_source - 1) / intervals if intervals else 0.0
    return open_start * span, span


class _PairInterpolator:
    """In-betweens of neighbouring source frames; the flows of each pair are computed once, when first needed."""

    def __init__(self, frames: np.ndarray):
        self.frames = frames
        self._pairs: dict[int, tuple[FlowField, FlowField, np.ndarray, np.ndarray]] = {}

    def _pair(self, index: int) -> tuple[FlowField, FlowField, np.ndarray, np.ndarray]:
        if index not in self._pairs:
            a, b = self.frames[index], self.frames[index + 1]
            forward, backward = FlowField.estimate(a, b), FlowField.estimate(b, a)
            self._pairs[index] = (forward, backward, _distrust(a, b, forward, backward),
                                  _distrust(b, a, backward, forward))
        return self._pairs[index]

    def frame_at(self, position: float) -> np.ndarray:
        index = min(int(math.floor(position)), len(self.frames) - 1)
        t = position - index
        if t < 1e-6 or index == len(self.frames) - 1:
            return self.frames[index]
        if t > 1 - 1e-6:
            return self.frames[index + 1]
        a, b = self.frames[index], self.frames[index + 1]
        forward, backward, distrust_a, distrust_b = self._pair(index)
        morphed = morph_frame(a, b, forward, backward, t)
        # Each output pixel's distrust, carried to time t like the pixels themselves.
        distrust = forward.upsample(np.maximum(forward.sample_small(distrust_a, forward.splat(t)[0]),
                                               backward.sample_small(distrust_b, backward.splat(1.0 - t)[0])))
        if not distrust.any():
            return morphed
        return cv2.blendLinear(morphed, blend(a, b, t), 1.0 - distrust, distrust)


def _distrust(src: np.ndarray, dst: np.ndarray, forward: FlowField, backward: FlowField) -> np.ndarray:
    """Per working pixel of ``src``, 0 (the flow to ``dst`` is sound) to 1 (warping would tear: occlusion, a cut
    or a new object): the flows there and back disagree, or the colour found at the far end differs."""
    round_trip = forward.round_trip_error(backward)
    working_size = forward.small.shape[1::-1]
    src_small, dst_small = (cv2.resize(im, working_size, interpolation=cv2.INTER_AREA).astype(np.float32)
                            for im in (src, dst))
    colour_miss = np.abs(src_small - forward.sample_small(dst_small, forward.small)).mean(axis=-1)
    return np.maximum(np.clip(round_trip / ROUND_TRIP_TOLERANCE_PX - 1.0, 0.0, 1.0),
                      np.clip(colour_miss / COLOUR_TOLERANCE - 1.0, 0.0, 1.0))


def _check_boundary(image, label: str, size: tuple[int, int]) -> Optional[np.ndarray]:
    if image is None:
        return None
    image = check_image(image, label)
    if image.shape[:2] != tuple(size):
        raise EngineInputError(f"{label} is {image.shape[1]}×{image.shape[0]} but the output is "
                               f"{size[1]}×{size[0]}; boundary frames must be at the output size")
    return image


def _ease_into(out: np.ndarray, true_frame: np.ndarray, indices: list[int],
               outside: Optional[np.ndarray] = None) -> None:
    """Set ``out[indices[0]]`` to ``true_frame`` and fade the correction over the following indices. With
    ``outside`` (the generated frame standing where the true one is shown, just before ``indices[0]``), the true
    frame stays outside the output and the correction of ``outside`` toward it fades over all of ``indices``."""
    if not indices:
        return
    reference = out[indices[0]] if outside is None else outside
    correction = true_frame.astype(np.float32) - reference.astype(np.float32)
    steps = len(indices) + (outside is not None)
    for distance, index in enumerate(indices, start=outside is not None):
        if distance == 0:
            out[index] = true_frame
            continue
        weight = 1.0 - distance / steps
        out[index] = np.clip(out[index].astype(np.float32) + weight * correction + 0.5, 0, 255).astype(np.uint8)


def _check_numbers(frames, src_fps, dst_fps, num_frames, ease_frames) -> int:
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise EngineInputError(f"frames must be a T×H×W×3 uint8 array, got {getattr(frames, 'dtype', frames)!r} "
                               f"{getattr(frames, 'shape', None)}")
    if len(frames) == 0:
        raise EngineInputError("frames is empty; conform needs at least one generated frame")
    for label, value in (("src_fps", src_fps), ("dst_fps", dst_fps)):
        if not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
            raise EngineInputError(f"{label} must be a positive frame rate, got {value!r}")
    if num_frames is None:
        num_frames = conformed_length(len(frames), src_fps, dst_fps)
    if not isinstance(num_frames, (int, np.integer)) or num_frames < 1:
        raise EngineInputError(f"num_frames must be a positive integer, got {num_frames!r}")
    if not isinstance(ease_frames, int) or ease_frames < 0:
        raise EngineInputError(f"ease_frames must be an integer ≥ 0, got {ease_frames!r}")
    return int(num_frames)


def conform(frames: np.ndarray, *, src_fps: float, dst_fps: float, num_frames: Optional[int] = None,
            size: Optional[tuple[int, int]] = None, fit: str = "fit", first: Optional[np.ndarray] = None,
            last: Optional[np.ndarray] = None, ease_frames: int = 3, open_ends: tuple[bool, bool] = (False, False),
            aspects: Optional[tuple[float, float]] = None) -> np.ndarray:
    """``frames`` (T×H×W×3 uint8 at ``src_fps``) as exactly ``num_frames`` frames of ``size`` = (height, width)
    at ``dst_fps``; see the module docstring for the time, space and boundary rules. ``size`` defaults to the
    source size, ``num_frames`` to ``conformed_length``. Returns num_frames×height×width×3 uint8.

    ``open_ends`` (start, end): that end of ``frames`` is a frame shown next to the output, not in it (a transition's
    neighbours; the last frame of a clip an extension continues). The output then starts (ends) one step inside, so
    that frame is never shown twice, and ``first`` (``last``) is that neighbour's true frame, the correction toward
    it fading in from outside. ``aspects``: the picture aspect (width / height) the frames stand for at their start
    and end (a model canvas stretched from sources of those shapes); each output frame is placed at its aspect,
    changing smoothly from one to the other."""
    num_frames = _check_numbers(frames, src_fps, dst_fps, num_frames, ease_frames)
    size = tuple(size) if size is not None else tuple(frames.shape[1:3])
    if len(size) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in size):
        raise EngineInputError(f"size must be (height, width) with positive integers, got {size!r}")
    fit_rect(frames.shape[2], frames.shape[1], size[1], size[0], fit)  # validates the mode early
    first, last = _check_boundary(first, "first", size), _check_boundary(last, "last", size)
    if first is not None and last is not None and num_frames < 2:
        raise EngineInputError(f"num_frames is {num_frames}; a first and a last frame need at least 2")

    interpolator = _PairInterpolator(np.ascontiguousarray(frames))
    end = len(frames) - 1
    open_start, open_end = open_ends
    first_position, span = time_map(len(frames), num_frames, open_ends)

    def placed(position: float) -> np.ndarray:
        aspect = None if aspects is None else \
            math.exp(math.log(aspects[0]) + (math.log(aspects[1]) - math.log(aspects[0])) * position / max(end, 1))
        return place(interpolator.frame_at(position), size, fit, aspect)

    out = np.stack([placed(first_position + index * span) for index in range(num_frames)])
    # frames the two eases share: all but the output's own ends that are true frames
    shared = num_frames - (first is not None and not open_start) - (last is not None and not open_end)
    reach = min(ease_frames, shared // 2 if first is not None and last is not None else shared)
    if first is not None:
        _ease_into(out, first, list(range(0, reach + (not open_start))), placed(0.0) if open_start else None)
    if last is not None:
        _ease_into(out, last, list(range(num_frames - 1, num_frames - 1 - reach - (not open_end), -1)),
                   placed(float(end)) if open_end else None)
    return out
