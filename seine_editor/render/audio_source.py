"""Sequential audio reads for the mixer: a file's first audio stream resampled to the mix rate and layout,
addressed in mix samples from the file's first video frame (so picture and sound stay in sync)."""
from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction
from typing import Optional

import av
import numpy as np

_FAR_AHEAD_S = 2  # reading further ahead than this seeks instead of decoding through


class AudioFileReader:
    def __init__(self, path: str, rate: int, channels: int):
        self.path, self.rate, self.channels = path, rate, channels
        self._container = av.open(path)
        streams = self._container.streams
        self._stream = streams.audio[0] if streams.audio else None
        video = streams.video[0] if streams.video else None
        origin = video.start_time * video.time_base if video is not None and video.start_time is not None else 0
        self._origin = Fraction(origin)
        self._buffer = np.zeros((channels, 0), np.float32)
        self._position = 0  # mix sample at self._buffer[:, 0]
        self._frames = None
        if self._stream is not None:
            self._restart(0)

    @property
    def has_audio(self) -> bool:
        return self._stream is not None

    def read(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start + count); fewer when the stream ends there."""
        if self._position is not None:
            end = self._position + self._buffer.shape[1]
            if start < self._position or start > end + _FAR_AHEAD_S * self.rate:
                self._restart(start)
        if self._position is None and not self._decode_more():
            return np.zeros((self.channels, 0), np.float32)
        if self._position > start:  # the stream begins after ``start``: silence before it
            lead = min(count, self._position - start)
            self._buffer = np.concatenate([np.zeros((self.channels, lead), np.float32), self._buffer], axis=1)
            self._position -= lead
        while self._position + self._buffer.shape[1] < start + count and self._decode_more():
            pass
        offset = max(0, start - self._position)
        block = self._buffer[:, offset:offset + count]
        self._buffer = self._buffer[:, offset:]  # keep from ``start`` on: reads move forward
        self._position += offset
        return block

    def close(self) -> None:
        self._container.close()

    def _restart(self, start: int) -> None:
        seconds = Fraction(max(0, start), self.rate) + self._origin
        self._container.seek(int(seconds / self._stream.time_base), stream=self._stream, backward=True)
        self._frames = self._container.decode(self._stream)
        self._resampler = av.AudioResampler(format="fltp", layout="stereo" if self.channels == 2 else "mono",
                                            rate=self.rate)
        self._buffer = np.zeros((self.channels, 0), np.float32)
        self._position = None

    def _decode_more(self) -> bool:
        try:
            frame = next(self._frames)
        except (StopIteration, av.FFmpegError):
            return False
        if self._position is None:
            first = Fraction(frame.pts or 0) * self._stream.time_base - self._origin
            self._position = round(first * self.rate)
        for out in self._resampler.resample(frame):
            self._buffer = np.concatenate([self._buffer, out.to_ndarray().astype(np.float32)], axis=1)
        return True


class AudioSources:
    """The mixer's reader: one AudioFileReader per file, the least recently used closed beyond a few."""

    def __init__(self, max_open: int = 8):
        self._open: OrderedDict[tuple, Optional[AudioFileReader]] = OrderedDict()
        self._max_open = max_open

    def __call__(self, path: str, start: int, count: int, rate: int, channels: int) -> Optional[np.ndarray]:
        key = (path, rate, channels)
        if key not in self._open:
            try:
                reader = AudioFileReader(path, rate, channels)
            except (av.FFmpegError, OSError):
                reader = None  # missing or unreadable: silence (the picture shows the offline slate)
            self._open[key] = reader if reader is None or reader.has_audio else None
            while len(self._open) > self._max_open:
                _, oldest = self._open.popitem(last=False)
                if oldest is not None:
                    oldest.close()
        self._open.move_to_end(key)
        reader = self._open[key]
        return None if reader is None else reader.read(start, count)

    def close(self) -> None:
        while self._open:
            _, reader = self._open.popitem()
            if reader is not None:
                reader.close()
