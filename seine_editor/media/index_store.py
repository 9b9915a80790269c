"""One process-wide store of frame indexes, so each version of a source has its packets scanned once.

Probing a file and opening a reader on it both need its `FrameIndex`; so does every reopening of a reader
that was closed while idle. Scanning the packets of an hour-long source takes seconds, so the first of them
to need it scans and the rest take it from here. Entries are keyed by `cache.source_key` (path, size and
modification time): an edited or replaced file gets a new key and is scanned again. The store is an LRU
bounded by the bytes of the timestamp arrays it holds. With a project cache folder the index is also kept
on disk (``indexes/``), so a new session does not rescan either.

Safe to share across threads (viewer worker, export thread, probing pool): a second thread asking for a
source that is being scanned waits for that scan instead of starting its own.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Optional, Union

from seine_editor.media import cache
from seine_editor.media.index import FrameIndex, load_index

DEFAULT_INDEX_BUDGET_BYTES = 64 * 1024 * 1024  # ~8M frame timestamps: dozens of hour-long sources

IndexBuilder = Callable[[Path], FrameIndex]


class FrameIndexStore:
    """LRU of `FrameIndex` by source key, bounded by the total bytes of their timestamp arrays."""

    def __init__(self, max_bytes: int = DEFAULT_INDEX_BUDGET_BYTES):
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, FrameIndex] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._scanning: dict[str, threading.Lock] = {}  # key -> lock held while that source is scanned

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get(self, path: Union[str, Path], build: IndexBuilder,
            cache_dir: Union[str, Path, None] = None) -> FrameIndex:
        """The index of ``path``: from memory, else from ``cache_dir``'s index folder, else ``build(path)``.
        Whatever ``build`` raises is passed on and nothing is stored."""
        path = Path(path)
        key = cache.source_key(path)
        stored = cache.indexes_dir(cache_dir) / f"{key}.json" if cache_dir is not None else None
        with self._lock:
            index = self._recall(key)
            pending = self._scanning.setdefault(key, threading.Lock()) if index is None else None
        if pending is not None:
            try:
                with pending:  # a thread already scanning this source finishes before we look again
                    index = self._recall_locked(key) or self._load_or_build(path, build, stored)
                    self._remember(key, index)
            finally:
                with self._lock:
                    if self._scanning.get(key) is pending:
                        del self._scanning[key]
        if stored is not None and not stored.exists():
            try:
                cache.atomic_write_bytes(stored, index.to_json().encode())
            except OSError:
                pass  # a cache folder that is full or read-only costs the next session a scan, nothing more
        return index

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def _recall(self, key: str) -> Optional[FrameIndex]:
        """The entry for ``key`` made most recently used; the caller holds the lock."""
        index = self._items.get(key)
        if index is not None:
            self._items.move_to_end(key)
        return index

    def _recall_locked(self, key: str) -> Optional[FrameIndex]:
        with self._lock:
            return self._recall(key)

    @staticmethod
    def _load_or_build(path: Path, build: IndexBuilder, stored: Optional[Path]) -> FrameIndex:
        index = load_index(stored) if stored is not None else None
        return index if index is not None else build(path)

    def _remember(self, key: str, index: FrameIndex) -> None:
        size = _index_bytes(index)
        index.pts.setflags(write=False)  # shared by every reader of the source: nobody may edit it
        index.keyframe_pts.setflags(write=False)
        with self._lock:
            if size > self.max_bytes or key in self._items:
                return
            self._items[key] = index
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= _index_bytes(dropped)


def _index_bytes(index: FrameIndex) -> int:
    return int(index.pts.nbytes + index.keyframe_pts.nbytes)


_shared = FrameIndexStore()


def shared_index_store() -> FrameIndexStore:
    """The store every probe and reader of this process uses."""
    return _shared
