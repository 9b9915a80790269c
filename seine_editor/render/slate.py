"""Pictures the compositor draws itself: the "MEDIA OFFLINE" slate and the crossfade placeholder."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import cv2
import numpy as np

OFFLINE_COLOUR = (120, 16, 24)  # dark red: cannot be mistaken for footage or a gap


def offline_slate(size: tuple[int, int], name: str, title: str = "MEDIA OFFLINE") -> np.ndarray:
    """A dark red frame with ``title`` and the file name, so missing media is never silent black."""
    width, height = size
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = OFFLINE_COLOUR
    _centred_text(frame, title, height * 0.45, scale=height / 360, thickness=max(1, height // 180))
    _centred_text(frame, Path(name).name or name or "(no file)", height * 0.62, scale=height / 720,
                  thickness=max(1, height // 360))
    return frame


def _centred_text(frame: np.ndarray, text: str, baseline_y: float, scale: float, thickness: int) -> None:
    font = cv2.FONT_HERSHEY_SIMPLEX
    width = frame.shape[1]
    (text_w, _), _ = cv2.getTextSize(text, font, scale, thickness)
    if text_w > width * 0.9:  # long file names shrink to fit rather than run off the frame
        scale *= width * 0.9 / text_w
        (text_w, _), _ = cv2.getTextSize(text, font, scale, thickness)
    origin = (max(0, (width - text_w) // 2), int(baseline_y))
    cv2.putText(frame, text, origin, font, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def crossfade_frame(first: Optional[np.ndarray], last: Optional[np.ndarray], index: int, count: int,
                    size: tuple[int, int]) -> np.ndarray:
    """Frame ``index`` of ``count`` blending ``first`` into ``last``, strictly between the two (neither end
    repeats a boundary frame). With one side missing it holds the other; with none, a slate."""
    if first is None and last is None:
        return offline_slate(size, "generative item", title="NOT GENERATED")
    if first is None or last is None:
        return (first if last is None else last).copy()
    weight = (index + 1) / (count + 1)
    return blend(first, last, weight)


def blend(a: np.ndarray, b: np.ndarray, weight: float) -> np.ndarray:
    """(1 - weight) * a + weight * b, rounded, uint8."""
    return cv2.addWeighted(a, 1.0 - weight, b, weight, 0.0)
