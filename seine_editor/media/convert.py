"""Decoded picture -> upright RGB(A) uint8 array at display aspect, in the working colour space.

Pass the same `PictureConverter` for every frame of a stream: it keeps its swscale context (and its worker
threads), which costs more to set up than converting one HD frame: 3.4 ms against 1.3 ms per 1080p frame
measured alone, and sequential reads up to 2.5x slower on a machine whose cores are busy."""
from __future__ import annotations

from typing import Optional

import av
import numpy as np

from seine_editor.media.colour import PictureConverter


def fit_size(width: int, height: int, max_width: Optional[int] = None,
             max_height: Optional[int] = None) -> tuple[int, int]:
    """Largest (width, height) with the same aspect that fits the limits; sides are at least 1."""
    scale = 1.0
    if max_width:
        scale = min(scale, max_width / width)
    if max_height:
        scale = min(scale, max_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def to_upright_array(frame: av.VideoFrame, width: int, height: int, rotation: int = 0,
                     alpha: bool = False, converter: Optional[PictureConverter] = None,
                     deep: bool = False) -> np.ndarray:
    """``frame`` as an (height, width, 3 or 4) uint8 array (uint16 with ``deep``) in the working colour space
    (`media.colour`), upright and scaled to the display size given.

    ``rotation`` is the clockwise turn that makes the picture upright; the scaling happens before the turn
    in the coded orientation, so the sample aspect ratio and any size change cost one swscale pass, and a
    picture that keeps its size is only converted (no scaling filter)."""
    coded_width, coded_height = (height, width) if rotation in (90, 270) else (width, height)
    array = (converter or PictureConverter()).rgb(frame, coded_width, coded_height, alpha, deep)
    if rotation:
        array = np.ascontiguousarray(np.rot90(array, k=-(rotation // 90)))
    return array
