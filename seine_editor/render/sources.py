"""Open media readers for the compositor: one per file, reused while frames are read in order, closed once
no frame has needed them for a while or more than a few are open, so memory stays bounded on long timelines.

Decoded frames are kept in one process-wide `FrameCache` of FRAME_BUDGET_BYTES that every reader of every
compositor shares (the viewer makes a compositor per timeline state, export one more), so the memory held
for frames has one bound however many files and compositors are open, and a new compositor for an edited
timeline finds the frames the last one decoded."""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Callable, Optional, Protocol, Union

import numpy as np

from seine_editor.errors import MediaError
from seine_editor.media.image_sequence import ImageSequence, ImageSequenceReader
from seine_editor.media.info import MediaInfo


class FrameSource(Protocol):
    """What the compositor needs of a reader (media.reader.FrameReader provides it)."""

    info: MediaInfo

    def frame(self, index: int, size: Optional[tuple[int, int]] = None, deep: bool = False) -> np.ndarray: ...

    def index_at_time(self, seconds: float) -> int: ...

    def close(self) -> None: ...


Source = Union[str, ImageSequence]  # a media file's path, or an image sequence
SourceFactory = Callable[[Source], FrameSource]


FRAME_BUDGET_BYTES = 192 * 1024 * 1024  # 32 frames of 1080p RGB: scrubbing back and forth, dissolves
_shared: dict[str, object] = {}
_shared_lock = threading.Lock()


def shared_frame_cache():
    """The process-wide frame cache (made on first use, so importing this module stays light)."""
    with _shared_lock:
        if "frames" not in _shared:
            from seine_editor.media.reader import FrameCache

            _shared["frames"] = FrameCache(FRAME_BUDGET_BYTES)
        return _shared["frames"]


def _or_shared(frame_cache):
    return shared_frame_cache() if frame_cache is None else frame_cache


def original_factory(frame_cache=None) -> SourceFactory:
    """Readers of the original files (never a proxy), RGBA when the source has alpha."""
    def open_original(path: Source) -> FrameSource:
        from seine_editor.media.probe import probe

        if isinstance(path, ImageSequence):
            return ImageSequenceReader(path, frame_cache=_or_shared(frame_cache))
        from seine_editor.media.reader import FrameReader

        info = probe(path)
        return FrameReader(info, alpha=info.has_alpha, frame_cache=_or_shared(frame_cache))
    return open_original


def proxy_factory(cache_dir, frame_cache=None) -> SourceFactory:
    """Readers that play a source's proxy from ``cache_dir`` when one exists (preview only)."""
    def open_for_preview(path: Source) -> FrameSource:
        from seine_editor.media.probe import probe

        if isinstance(path, ImageSequence):  # no proxies: each frame is a file of its own already
            return ImageSequenceReader(path, frame_cache=_or_shared(frame_cache))
        from seine_editor.media.reader import open_reader

        info = probe(path)
        return open_reader(info, cache_dir, alpha=info.has_alpha, frame_cache=_or_shared(frame_cache))
    return open_for_preview


IDLE_FRAMES = 48  # a reader no frame has asked for in this many frames is closed (its decoder holds ~70 MiB)


class SourcePool:
    """Readers by path. A file that fails to open is remembered as offline and not retried per frame.

    At most ``max_open`` readers stay open, and one unused for ``idle_frames`` frames (`next_frame` counts
    them) is closed: a render passing clip after clip holds only the decoders of the clips under it."""

    def __init__(self, factory: Optional[SourceFactory] = None, max_open: int = 6, idle_frames: int = IDLE_FRAMES):
        self._factory = factory or original_factory()
        self._max_open, self._idle_frames = max_open, idle_frames
        self._open: OrderedDict[str, FrameSource] = OrderedDict()
        self._last_used: dict[str, int] = {}
        self._clock, self._frame = 0, None
        self.offline: dict[str, str] = {}  # path -> reason

    @property
    def open_paths(self) -> list[str]:
        return list(self._open)

    def next_frame(self, n: int) -> None:
        """Frame ``n`` is being made: when it is another frame than the last, close the readers idle for
        longer than ``idle_frames`` frames."""
        if n == self._frame:
            return
        self._frame = n
        self._clock += 1
        for path in [p for p in self._open if self._clock - self._last_used[p] > self._idle_frames]:
            self._last_used.pop(path)
            self._open.pop(path).close()

    def get(self, path: Source) -> Optional[FrameSource]:
        """The reader for ``path`` (a file, or an image sequence), or None when it is missing or unreadable.
        ``offline`` names a sequence by its label."""
        if isinstance(path, ImageSequence):
            return self._sequence(path)
        if path in self.offline:
            return None
        reader = self._open.get(path)
        if reader is not None:
            self._open.move_to_end(path)
            self._last_used[path] = self._clock
            return reader
        if not os.path.isfile(path):
            self.offline[path] = "file not found"
            return None
        try:
            reader = self._factory(path)
        except MediaError as error:
            self.offline[path] = error.reason
            return None
        self._open[path], self._last_used[path] = reader, self._clock
        self._trim()
        return reader

    def _sequence(self, sequence: ImageSequence) -> Optional[FrameSource]:
        if sequence.label in self.offline:
            return None
        if sequence not in self._open:
            try:
                self._open[sequence] = self._factory(sequence)
            except MediaError as error:
                self.offline[sequence.label] = error.reason
                return None
            self._last_used[sequence] = self._clock
            self._trim()
        self._open.move_to_end(sequence)
        self._last_used[sequence] = self._clock
        return self._open[sequence]

    def _trim(self) -> None:
        while len(self._open) > self._max_open:
            oldest, reader_out = self._open.popitem(last=False)
            self._last_used.pop(oldest)
            reader_out.close()

    def close(self) -> None:
        self._last_used.clear()
        while self._open:
            _, reader = self._open.popitem()
            reader.close()
