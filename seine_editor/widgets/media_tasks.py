"""Media work for the views, off the UI thread: probing, thumbnails, waveforms.

`MediaTasks` runs PyAV on its own QThreadPool (one thread: readers are not thread-safe, and decoding two
files at once on a 2-core laptop only slows playback) and answers on the UI thread through queued signals.
Results are cached in memory by (path, frame, height); a file that fails is remembered with its reason.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Optional

import numpy as np
from PySide6 import QtCore, QtGui

from seine_editor.errors import MediaError
from seine_editor.media.info import MediaInfo
from seine_editor.timeline.settings import rate_label
from seine_editor.widgets.frame_source import to_qimage

THUMBNAILS_KEPT = 2000
READERS_KEPT = 8
WAVEFORM_BUCKETS_PER_SECOND = 50


class _Signals(QtCore.QObject):
    probed = QtCore.Signal(str, object)  # path, MediaInfo
    probe_failed = QtCore.Signal(str, str)  # path, reason
    thumbnail = QtCore.Signal(object, QtGui.QImage)  # key, image
    waveform = QtCore.Signal(str, object)  # path, N×2 float32 peaks


class _Task(QtCore.QRunnable):
    def __init__(self, fn: Callable[[], None]):
        super().__init__()
        self._fn = fn

    def run(self) -> None:
        self._fn()


class MediaTasks(QtCore.QObject):
    """Probe files and make pictures for the bin and the timeline, in the background."""

    probed = QtCore.Signal(str, object)
    probe_failed = QtCore.Signal(str, str)
    updated = QtCore.Signal(str)  # a thumbnail or waveform of this path became available

    def __init__(self, parent: Optional[QtCore.QObject] = None, cache_dir=None):
        super().__init__(parent)
        self.cache_dir = cache_dir
        self._pool = QtCore.QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals()
        self._signals.probed.connect(self.probed)
        self._signals.probe_failed.connect(self.probe_failed)
        self._signals.thumbnail.connect(self._on_worker_thumbnail)
        self._signals.waveform.connect(self._on_worker_waveform)
        self._thumbs: OrderedDict[tuple, QtGui.QImage] = OrderedDict()
        self._pending: set[tuple] = set()
        self._waveforms: dict[str, Optional[np.ndarray]] = {}
        self._failed: dict[str, str] = {}
        self._readers: OrderedDict[str, object] = OrderedDict()  # touched only on the worker thread
        self._lock = threading.Lock()

    # probing ----------------------------------------------------------------------------------------------
    def probe(self, path: str) -> None:
        self._pool.start(_Task(lambda: self._probe_now(path)))

    def _probe_now(self, path: str) -> None:
        from seine_editor.media.probe import probe

        try:
            info = probe(path)
        except MediaError as error:
            self._signals.probe_failed.emit(path, error.reason)
            return
        except Exception as error:  # an unexpected decoder failure is still one bad file, not a stopped import
            self._signals.probe_failed.emit(path, f"{type(error).__name__}: {error}")
            return
        self._signals.probed.emit(path, info)

    # thumbnails (ThumbnailProvider) -----------------------------------------------------------------------
    def thumbnail(self, path: str, media_frame: int, height: int) -> Optional[QtGui.QImage]:
        """Cached picture of `media_frame` at `height` px, or None while it is made (then `updated`)."""
        height = max(8, int(height) // 8 * 8)  # a few sizes, not one per pixel of track height
        key = (path, int(media_frame), height)
        image = self._thumbs.get(key)
        if image is not None:
            self._thumbs.move_to_end(key)
            return image
        if path not in self._failed and key not in self._pending:
            self._pending.add(key)
            self._pool.start(_Task(lambda: self._thumbnail_now(key)))
        return None

    def _thumbnail_now(self, key: tuple) -> None:
        path, frame, height = key
        try:
            reader = self._reader(path)
            count = max(1, reader.frame_count)
            width_full, height_full = reader.output_size
            width = max(2, round(width_full * height / max(1, height_full)) // 2 * 2)
            rgb = reader.frame(min(max(0, frame), count - 1), size=(width, height))
        except (MediaError, IndexError, OSError, ValueError) as error:
            with self._lock:
                self._failed[path] = str(error)
            self._signals.thumbnail.emit(key, QtGui.QImage())
            return
        self._signals.thumbnail.emit(key, to_qimage(rgb[..., :3]))

    def _reader(self, path: str):
        from seine_editor.media.reader import open_reader

        reader = self._readers.get(path)
        if reader is None:
            reader = open_reader(path, self.cache_dir)
            self._readers[path] = reader
            while len(self._readers) > READERS_KEPT:
                _, old = self._readers.popitem(last=False)
                old.close()
        self._readers.move_to_end(path)
        return reader

    def _on_worker_thumbnail(self, key: tuple, image: QtGui.QImage) -> None:
        self._pending.discard(key)
        if image.isNull():
            return
        self._thumbs[key] = image
        while len(self._thumbs) > THUMBNAILS_KEPT:
            self._thumbs.popitem(last=False)
        self.updated.emit(key[0])

    # waveforms --------------------------------------------------------------------------------------------
    def waveform(self, path: str) -> Optional[np.ndarray]:
        if path in self._waveforms:
            return self._waveforms[path]
        self._waveforms[path] = None
        self._pool.start(_Task(lambda: self._waveform_now(path)))
        return None

    def _waveform_now(self, path: str) -> None:
        try:
            peaks = audio_peaks(path)
        except (MediaError, OSError, ValueError) as error:
            with self._lock:
                self._failed.setdefault(path, str(error))
            return
        self._signals.waveform.emit(path, peaks)

    def _on_worker_waveform(self, path: str, peaks) -> None:
        self._waveforms[path] = peaks
        self.updated.emit(path)

    def wait_idle(self, msecs: int = 30000) -> bool:
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        self._pool.clear()
        self._pool.waitForDone()
        self._pool.start(_Task(self._close_readers))
        self._pool.waitForDone()

    def _close_readers(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()


def audio_peaks(path: str) -> np.ndarray:
    """(min, max) of the mono mix per 1/50 s over the whole file, from time 0 of the media: what a waveform lane
    draws across the clip's available frames."""
    from seine_editor.media.probe import probe
    from seine_editor.media.thumbnails import waveform_peaks

    duration_s = probe(path).duration_s
    buckets = round(duration_s * WAVEFORM_BUCKETS_PER_SECOND)
    return waveform_peaks(path, buckets, duration_s=duration_s)


def hdr_label(info: MediaInfo) -> str:
    """"HDR HLG" or "HDR PQ" (empty for SDR)."""
    if not info.hdr:
        return ""
    return "HDR " + {"arib-std-b67": "HLG", "smpte2084": "PQ"}.get(info.transfer, info.transfer)


def describe(info: MediaInfo) -> str:
    """One line for the bin: '0:02.0 · 320×240 · 24 fps · HDR HLG · audio'."""
    minutes, seconds = divmod(info.duration_s, 60)
    parts = [f"{int(minutes)}:{seconds:04.1f}"]
    if info.kind != "audio":
        parts.append(f"{info.width}×{info.height}")
    if info.fps:
        parts.append(f"{rate_label(info.fps)} fps" + (" VFR" if info.variable_frame_rate else ""))
    if info.kind == "image":
        parts.append("still")
    if info.hdr:
        parts.append(hdr_label(info))
    if info.has_audio:
        parts.append(f"{info.audio_rate // 1000} kHz audio" if info.audio_rate else "audio")
    return " · ".join(parts)
