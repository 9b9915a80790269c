"""Thumbnails, filmstrips and waveform summaries for the media bin and the timeline view."""
from __future__ import annotations

from typing import Optional

import numpy as np

from seine_editor.media.audio import read_audio
from seine_editor.media.convert import fit_size


def thumbnail_size(reader, width: int) -> tuple[int, int]:
    """(width, height) of a thumbnail ``width`` wide with the picture's display aspect."""
    display_width, display_height = reader.output_size
    return fit_size(display_width, display_height, max_width=width)


def thumbnail(reader, index: int, width: int) -> np.ndarray:
    """Frame ``index`` of ``reader`` scaled by libav to ``width`` pixels wide, aspect kept."""
    return reader.frame(index, size=thumbnail_size(reader, width))


def filmstrip(reader, count: int, width: int, start: int = 0, stop: Optional[int] = None) -> list[np.ndarray]:
    """``count`` thumbnails evenly spread over frames ``start``..``stop`` (exclusive), first and last included."""
    stop = len(reader) if stop is None else stop
    if count <= 0 or stop <= start:
        return []
    positions = np.linspace(start, stop - 1, count).round().astype(int) if count > 1 else np.array([start])
    return [thumbnail(reader, int(index), width) for index in positions]


def waveform_peaks(path, buckets: int, *, start_s: float = 0.0, duration_s: float, rate: int = 8000) -> np.ndarray:
    """(buckets, 2) float32 of (min, max) per bucket of the mono mix, for drawing a waveform.

    A low analysis ``rate`` is enough for drawing and keeps long files quick."""
    samples = read_audio(path, start_s, duration_s, rate=rate, channels=1)[0]
    if buckets <= 0:
        return np.zeros((0, 2), np.float32)
    edges = np.linspace(0, samples.size, buckets + 1).round().astype(int)
    peaks = np.zeros((buckets, 2), np.float32)
    for bucket in range(buckets):
        chunk = samples[edges[bucket]:max(edges[bucket + 1], edges[bucket] + 1)]
        if chunk.size:
            peaks[bucket] = chunk.min(), chunk.max()
    return peaks
