"""Preview proxies made in the background: one worker thread (encoding is heavy; two at once on a laptop only
slow playback), progress and results back on the UI thread, cancelled and joined on shutdown.

The bin asks for a proxy when a source `needs_proxy` (long-GOP or larger than 1080p); the viewer's compositor
plays proxies from the project cache as soon as they exist (`use_proxies=True`), and the main window refreshes
the viewer when one finishes. Export never uses them.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Optional

from PySide6 import QtCore

from seine_editor.errors import MediaError
from seine_editor.media.info import MediaInfo


class _Signals(QtCore.QObject):
    progress = QtCore.Signal(str, float)
    finished = QtCore.Signal(str, str)
    failed = QtCore.Signal(str, str)


class _ProxyJob(QtCore.QRunnable):
    def __init__(self, owner: "ProxyTasks", info: MediaInfo, cache_dir: Path):
        super().__init__()
        self._owner, self._info, self._cache_dir = owner, info, cache_dir

    def run(self) -> None:
        from seine_editor.media.proxy import make_proxy

        path, signals = self._info.path, self._owner._signals
        try:
            made = make_proxy(self._info, self._cache_dir, cancelled=self._owner._stopping.is_set,
                              on_progress=lambda done, total: signals.progress.emit(path, done / max(1, total)))
        except MediaError as error:
            signals.failed.emit(path, error.reason)
            return
        except (OSError, ValueError) as error:  # a full disk or an odd file: one failed proxy, preview goes on
            signals.failed.emit(path, f"{type(error).__name__}: {error}")
            return
        if made is not None:
            signals.finished.emit(path, str(made))


class ProxyTasks(QtCore.QObject):
    """`request(info, cache_dir)` once per source; `progress(path, 0..1)`, then `finished(path, proxy)` or
    `failed(path, reason)`."""

    progress = QtCore.Signal(str, float)
    finished = QtCore.Signal(str, str)
    failed = QtCore.Signal(str, str)

    def __init__(self, parent: Optional[QtCore.QObject] = None):
        super().__init__(parent)
        self._pool = QtCore.QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._stopping = threading.Event()
        self._requested: set[tuple[str, str]] = set()
        self.state: dict[str, str] = {}  # path -> "queued", "making", "ready", "failed: reason"
        self._signals = _Signals()
        self._signals.progress.connect(self._on_job_progress)
        self._signals.finished.connect(self._on_job_finished)
        self._signals.failed.connect(self._on_job_failed)

    def request(self, info: MediaInfo, cache_dir) -> bool:
        """Queue a proxy of `info` unless one was already asked for in this cache; True when queued."""
        key = (info.path, str(cache_dir))
        if key in self._requested or self._stopping.is_set():
            return False
        self._requested.add(key)
        self.state[info.path] = "queued"
        self._pool.start(_ProxyJob(self, info, Path(cache_dir)))
        return True

    def wait_idle(self, msecs: int = 30000) -> bool:
        return self._pool.waitForDone(msecs)

    def shutdown(self) -> None:
        """Cancel the running proxy (its partial file is removed) and drop the queued ones."""
        self._stopping.set()
        self._pool.clear()
        self._pool.waitForDone()

    def _on_job_progress(self, path: str, fraction: float) -> None:
        self.state[path] = "making"
        self.progress.emit(path, fraction)

    def _on_job_finished(self, path: str, proxy: str) -> None:
        self.state[path] = "ready"
        self.finished.emit(path, proxy)

    def _on_job_failed(self, path: str, reason: str) -> None:
        self.state[path] = f"failed: {reason}"
        self.failed.emit(path, reason)
