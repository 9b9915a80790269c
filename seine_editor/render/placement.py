"""Where a source picture lands in the project frame. engine/conform.py keeps its own copy of `fit_rect`
(render may not import engine); both follow the same rule (half-up rounding, odd pixel to the right/bottom), so
preview, export and generation agree; tests/render/test_placement.py holds the two together."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FIT_MODES = ("fit", "fill")


def _ratio_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, exactly (Python's round() goes to even; the engine's conform
    rounds half up, and a generated bridge must letterbox to the same pixel rows as the clips around it)."""
    return max(1, (2 * numerator + denominator) // (2 * denominator))


@dataclass(frozen=True)
class Placement:
    """Crop ``src_box`` (x, y, w, h) out of the source, scale it into ``dst_box`` of the project frame."""

    src_box: tuple[int, int, int, int]
    dst_box: tuple[int, int, int, int]

    @property
    def covers(self) -> bool:
        return self.dst_box[0] == 0 and self.dst_box[1] == 0


def fit_rect(src_w: int, src_h: int, dst_w: int, dst_h: int, mode: str = "fit") -> Placement:
    """"fit": the whole picture, letterboxed or pillarboxed, centred. "fill": the frame is covered and the
    source is cropped around its centre. Display aspect is kept in both; sizes round to whole pixels."""
    if mode not in FIT_MODES:
        raise ValueError(f"placement mode {mode!r} is not one of {', '.join(FIT_MODES)}")
    if min(src_w, src_h, dst_w, dst_h) <= 0:
        raise ValueError(f"sizes must be positive, got source {src_w}x{src_h} and frame {dst_w}x{dst_h}")
    if mode == "fit":
        if src_w * dst_h >= src_h * dst_w:  # source is wider: full width, bars top and bottom
            w, h = dst_w, _ratio_half_up(dst_w * src_h, src_w)
        else:
            w, h = _ratio_half_up(dst_h * src_w, src_h), dst_h
        return Placement((0, 0, src_w, src_h), ((dst_w - w) // 2, (dst_h - h) // 2, w, h))
    if src_w * dst_h >= src_h * dst_w:  # source is wider: crop its sides
        w, h = _ratio_half_up(src_h * dst_w, dst_h), src_h
    else:
        w, h = src_w, _ratio_half_up(src_w * dst_h, dst_w)
    return Placement(((src_w - w) // 2, (src_h - h) // 2, w, h), (0, 0, dst_w, dst_h))


def place(image: np.ndarray, size: tuple[int, int], mode: str = "fit",
          sample_aspect: float = 1.0) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Scale ``image`` (H×W×C) into a black frame of ``size`` = (width, height). Returns the frame and the box
    the picture covers. ``sample_aspect`` widens non-square pixels to their display shape."""
    dst_w, dst_h = size
    src_h, src_w = image.shape[:2]
    display_w = max(1, round(src_w * sample_aspect))
    placement = fit_rect(display_w, src_h, dst_w, dst_h, mode)
    sx, sy, sw, sh = placement.src_box
    if display_w != src_w:  # map the crop back to stored pixels
        sx, sw = round(sx / sample_aspect), max(1, round(sw / sample_aspect))
    crop = image[sy:sy + sh, sx:sx + sw]
    x, y, w, h = placement.dst_box
    if (w, h) == (crop.shape[1], crop.shape[0]):
        scaled = crop
    else:
        shrink = w < crop.shape[1]
        scaled = cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    if (x, y, w, h) == (0, 0, dst_w, dst_h):
        return np.ascontiguousarray(scaled), (x, y, w, h)
    frame = np.zeros((dst_h, dst_w, image.shape[2]), image.dtype)
    frame[y:y + h, x:x + w] = scaled
    return frame, (x, y, w, h)
