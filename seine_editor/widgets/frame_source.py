"""Timeline frames for the viewer, rendered on one worker thread and cached around the playhead.

The UI thread never composites: it says which frames it wants next (`want`), a single background thread renders
them in that order and hands back `QImage`s through a queued signal. A change of the timeline bumps a generation
number so frames of the old timeline are dropped on arrival instead of being shown.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Optional, Sequence

import numpy as np
from PySide6 import QtCore, QtGui

RenderFn = Callable[[int], np.ndarray]  # timeline frame -> RGB uint8 H×W×3
RenderFactory = Callable[[], RenderFn]  # called on the worker thread: builds the compositor there

CACHE_BYTES = 384 * 1024 * 1024
KEPT_CHANGES = 16  # edits a late picture may be checked against


def to_qimage(rgb: np.ndarray) -> QtGui.QImage:
    """A QImage that owns a copy of the pixels (the array may be reused by the compositor)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QtGui.QImage(rgb.data, w, h, 3 * w, QtGui.QImage.Format_RGB888).copy()


class _Signals(QtCore.QObject):
    rendered = QtCore.Signal(int, int, QtGui.QImage)  # generation, frame, image
    failed = QtCore.Signal(int, int, str)  # generation, frame, message


class _RenderLoop(QtCore.QRunnable):
    """Drains the wanted list of its FrameSource until it is empty, then ends (restarted on demand)."""

    def __init__(self, source: "FrameSource"):
        super().__init__()
        self._source = source

    def run(self) -> None:
        while (job := self._source._next_job()) is not None:
            generation, frame, factory = job
            try:
                render = self._source._renderer_for(generation, factory)
                image = to_qimage(render(frame))
            except Exception as error:  # a bad source must not kill the thread: the viewer shows the message
                self._source._signals.failed.emit(generation, frame, f"{type(error).__name__}: {error}")
                continue
            self._source._signals.rendered.emit(generation, frame, image)


class FrameSource(QtCore.QObject):
    """Asynchronous, cached `frame -> QImage` for one timeline at a time."""

    frame_ready = QtCore.Signal(int, QtGui.QImage)
    frame_failed = QtCore.Signal(int, str)

    def __init__(self, parent: Optional[QtCore.QObject] = None, cache_bytes: int = CACHE_BYTES):
        super().__init__(parent)
        self._pool = QtCore.QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one compositor, used by one thread only
        self._lock = threading.Lock()
        self._generation = 0
        self._changes: list[Optional[Sequence[tuple[int, int]]]] = []  # what each of the last edits changed
        self._factory: Optional[RenderFactory] = None
        self._renderer: tuple[int, Optional[RenderFn]] = (-1, None)
        self._wanted: list[int] = []
        self._running = False
        self._cache: OrderedDict[int, QtGui.QImage] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._signals = _Signals()
        self._signals.rendered.connect(self._on_loop_rendered)
        self._signals.failed.connect(self._on_loop_failed)

    def set_renderer(self, factory: Optional[RenderFactory],
                     changed: Optional[Sequence[tuple[int, int]]] = None) -> None:
        """A new timeline (or none), or the same after an edit: forget pending requests and the cached frames in
        the ``changed`` ranges [start, end) (None: every frame)."""
        with self._lock:
            self._generation += 1
            self._factory = factory
            self._wanted = []
        self._changes = [*self._changes[-(KEPT_CHANGES - 1):], changed]
        if changed is None:
            self._cache.clear()
            return
        for frame in [f for f in self._cache if any(start <= f < end for start, end in changed)]:
            del self._cache[frame]

    def cached(self, frame: int) -> Optional[QtGui.QImage]:
        image = self._cache.get(frame)
        if image is not None:
            self._cache.move_to_end(frame)
        return image

    def want(self, frames: Sequence[int]) -> None:
        """Render these frames next, in this order (replaces earlier wishes; cached ones are skipped)."""
        missing = [f for f in frames if f >= 0 and f not in self._cache]
        with self._lock:
            if self._factory is None:
                return
            self._wanted = missing
            start = bool(missing) and not self._running
            self._running = self._running or start
        if start:
            self._pool.start(_RenderLoop(self))

    def wait_idle(self, msecs: int = 30000) -> bool:
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        with self._lock:
            self._wanted = []
            self._factory = None
        self._pool.waitForDone()

    # worker-thread side
    def _next_job(self) -> Optional[tuple[int, int, RenderFactory]]:
        with self._lock:
            if not self._wanted or self._factory is None:
                self._running = False
                return None
            return self._generation, self._wanted.pop(0), self._factory

    def _renderer_for(self, generation: int, factory: RenderFactory) -> RenderFn:
        if self._renderer[0] != generation:
            self._renderer = (generation, None)  # drop the old compositor before building the next one
            self._renderer = (generation, factory())
        return self._renderer[1]

    # UI-thread side
    def _on_loop_rendered(self, generation: int, frame: int, image: QtGui.QImage) -> None:
        if generation != self._generation and not self._unchanged_since(generation, frame):
            return
        self._cache[frame] = image
        self._trim_cache()
        self.frame_ready.emit(frame, image)

    def _unchanged_since(self, generation: int, frame: int) -> bool:
        """Whether ``frame`` is the same picture now as at ``generation``: every edit since changed other frames.
        A picture that arrives just after the next edit is kept then, not rendered again (edits in a row would
        otherwise keep the viewer rendering pictures it throws away)."""
        later = self._generation - generation
        if later > len(self._changes):
            return False
        return all(ranges is not None and not any(start <= frame < end for start, end in ranges)
                   for ranges in self._changes[len(self._changes) - later:])

    def _on_loop_failed(self, generation: int, frame: int, message: str) -> None:
        if generation == self._generation:
            self.frame_failed.emit(frame, message)

    def _trim_cache(self) -> None:
        total = sum(img.sizeInBytes() for img in self._cache.values())
        while total > self._cache_bytes and len(self._cache) > 1:
            _, oldest = self._cache.popitem(last=False)
            total -= oldest.sizeInBytes()
