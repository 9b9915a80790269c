"""Open media readers for the compositor: one per file, reused while frames are read in order, and the
least recently used closed once more than a few are open, so memory stays bounded on long timelines."""
from __future__ import annotations

import os
from collections import OrderedDict
from typing import Callable, Optional, Protocol

import numpy as np

from seine_editor.errors import MediaError
from seine_editor.media.info import MediaInfo


class FrameSource(Protocol):
    """What the compositor needs of a reader (media.reader.FrameReader provides it)."""

    info: MediaInfo

    def frame(self, index: int, size: Optional[tuple[int, int]] = None) -> np.ndarray: ...

    def index_at_time(self, seconds: float) -> int: ...

    def close(self) -> None: ...


SourceFactory = Callable[[str], FrameSource]


READER_CACHE_BYTES = 48 * 1024 * 1024  # per open reader: a few HD frames for dissolves and re-reads


def default_factory(path: str) -> FrameSource:
    """The original file (never a proxy), RGBA when the source has alpha."""
    from seine_editor.media.probe import probe
    from seine_editor.media.reader import FrameReader

    info = probe(path)
    return FrameReader(info, alpha=info.has_alpha, cache_bytes=READER_CACHE_BYTES)


def proxy_factory(cache_dir) -> SourceFactory:
    """Readers that play a source's proxy from ``cache_dir`` when one exists (preview only)."""
    def open_for_preview(path: str) -> FrameSource:
        from seine_editor.media.probe import probe
        from seine_editor.media.reader import open_reader

        return open_reader(path, cache_dir, alpha=probe(path).has_alpha, cache_bytes=READER_CACHE_BYTES)
    return open_for_preview


class SourcePool:
    """Readers by path. A file that fails to open is remembered as offline and not retried per frame."""

    def __init__(self, factory: Optional[SourceFactory] = None, max_open: int = 6):
        self._factory = factory or default_factory
        self._max_open = max_open
        self._open: OrderedDict[str, FrameSource] = OrderedDict()
        self.offline: dict[str, str] = {}  # path -> reason

    def get(self, path: str) -> Optional[FrameSource]:
        """The reader for ``path``, or None when the file is missing or unreadable."""
        if path in self.offline:
            return None
        reader = self._open.get(path)
        if reader is not None:
            self._open.move_to_end(path)
            return reader
        if not os.path.isfile(path):
            self.offline[path] = "file not found"
            return None
        try:
            reader = self._factory(path)
        except MediaError as error:
            self.offline[path] = error.reason
            return None
        self._open[path] = reader
        while len(self._open) > self._max_open:
            _, oldest = self._open.popitem(last=False)
            oldest.close()
        return reader

    def close(self) -> None:
        while self._open:
            _, reader = self._open.popitem()
            reader.close()
