"""Image sequences (one file per frame, as OTIO's `ImageSequenceReference` names them) read by frame index.

Frame ``i`` of a sequence is the file numbered ``start_number + i * step``, zero-padded to ``padding`` digits, at
the sequence's own rate. Each file is decoded as a still, through the same colour conversion as every other
picture, so a sequence and a movie of the same frames look the same."""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Optional

import numpy as np

from seine_editor.errors import MediaError
from seine_editor.media.info import MediaInfo


@dataclass(frozen=True)
class ImageSequence:
    """Where a sequence's frames are: ``folder`` / ``prefix`` + number + ``suffix``."""

    folder: str
    prefix: str
    suffix: str
    start_number: int
    step: int
    padding: int
    rate: Fraction
    frame_count: int

    def path_of(self, index: int) -> str:
        number = self.start_number + index * self.step
        digits = str(abs(number)).zfill(self.padding)
        return os.path.join(self.folder, f"{self.prefix}{'-' if number < 0 else ''}{digits}{self.suffix}")

    @property
    def label(self) -> str:
        """The sequence as people write it: ``folder/name.####.exr`` with its frame numbers."""
        last = self.start_number + max(0, self.frame_count - 1) * self.step
        return os.path.join(self.folder, f"{self.prefix}{'#' * max(1, self.padding)}{self.suffix}") + \
            f" [{self.start_number}-{last}]"

    def missing_frames(self, indices) -> list[int]:
        """The indices among ``indices`` whose file is not there."""
        return [i for i in indices if not os.path.isfile(self.path_of(i))]


class ImageSequenceReader:
    """Frames of an `ImageSequence` as the compositor reads a movie's: ``info`` describes the whole sequence
    (size from its first frame), ``frame(index)`` decodes that frame's file."""

    def __init__(self, sequence: ImageSequence, *, frame_cache=None, alpha: Optional[bool] = None):
        from seine_editor.media.probe import probe

        if sequence.frame_count <= 0:
            raise MediaError(sequence.label, "holds no frames")
        self.sequence = sequence
        present = next((i for i in range(sequence.frame_count) if os.path.isfile(sequence.path_of(i))), None)
        if present is None:
            raise MediaError(sequence.label, "none of the sequence's frame files exist")
        first = probe(sequence.path_of(present))
        self._alpha = first.has_alpha if alpha is None else alpha
        self._frame_cache = frame_cache
        self.info = MediaInfo(
            path=sequence.label, kind="video", width=first.width, height=first.height,
            coded_width=first.coded_width, coded_height=first.coded_height, fps=sequence.rate,
            frame_count=sequence.frame_count, duration_s=float(sequence.frame_count / sequence.rate),
            rotation=first.rotation, sample_aspect=first.sample_aspect, codec=first.codec, pix_fmt=first.pix_fmt,
            bit_depth=first.bit_depth, has_alpha=first.has_alpha, matrix=first.matrix,
            colour_range=first.colour_range, primaries=first.primaries, transfer=first.transfer, hdr=first.hdr)

    def frame(self, index: int, size: Optional[tuple[int, int]] = None, deep: bool = False) -> np.ndarray:
        from seine_editor.media.reader import FrameReader

        if not 0 <= index < self.sequence.frame_count:
            raise IndexError(f"{self.sequence.label}: frame {index} is outside 0 to {self.sequence.frame_count - 1}")
        reader = FrameReader(_existing(self.sequence, index), alpha=self._alpha, frame_cache=self._frame_cache)
        try:
            return reader.frame(0, size=size, deep=deep)
        finally:
            reader.close()

    def index_at_time(self, seconds: float) -> int:
        index = int(Fraction(seconds).limit_denominator(1_000_000) * self.sequence.rate)
        return min(max(0, index), self.sequence.frame_count - 1)

    def close(self) -> None:
        pass


def _existing(sequence: ImageSequence, index: int) -> Path:
    path = Path(sequence.path_of(index))
    if not path.is_file():
        raise MediaError(path, f"frame {index} of the image sequence {sequence.label} is missing")
    return path
