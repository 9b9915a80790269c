"""The one Qt adapter of the job runner: every job event becomes a signal emitted on the UI thread.

Worker threads never emit the public signals themselves (a plain Python callable connected to a signal emitted
from a worker would run on that worker). They emit one private signal carrying the event, connected with a
queued connection to this object, which lives on the UI thread and re-emits the public signal there.

Signals (all delivered on the thread that owns the QtJobRunner, normally the UI thread):
    job_queued(job_id: str, title: str)
    job_started(job_id: str)
    job_progress(job_id: str, progress: Progress)
    job_finished(job_id: str, result: object)
    job_failed(job_id: str, failure: JobFailure)
    job_cancelled(job_id: str)
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

from seine_editor.jobs.context import JobFailure, Progress
from seine_editor.jobs.runner import Job, JobRunner


class _SignalBridge:
    """The JobListener the runner calls on worker threads: it only emits the private event signal."""

    def __init__(self, event: Any):
        self._event = event

    def job_queued(self, job: Job) -> None:
        self._event.emit("job_queued", job.id, job.title)

    def job_started(self, job: Job) -> None:
        self._event.emit("job_started", job.id, None)

    def job_progress(self, job: Job, progress: Progress) -> None:
        self._event.emit("job_progress", job.id, progress)

    def job_finished(self, job: Job, result: Any) -> None:
        self._event.emit("job_finished", job.id, result)

    def job_failed(self, job: Job, failure: JobFailure) -> None:
        self._event.emit("job_failed", job.id, failure)

    def job_cancelled(self, job: Job) -> None:
        self._event.emit("job_cancelled", job.id, None)


class QtJobRunner(QObject):
    job_queued = Signal(str, str)
    job_started = Signal(str)
    job_progress = Signal(str, object)
    job_finished = Signal(str, object)
    job_failed = Signal(str, object)
    job_cancelled = Signal(str)

    _event = Signal(str, str, object)  # (event name, job id, payload), emitted on workers

    def __init__(self, parent: Optional[QObject] = None, *, cpu_workers: int = 2, shutdown_on_quit: bool = True):
        super().__init__(parent)
        self._event.connect(self._on_runner_event, Qt.ConnectionType.QueuedConnection)
        self._runner = JobRunner(_SignalBridge(self._event), cpu_workers=cpu_workers)
        app = QCoreApplication.instance()
        if shutdown_on_quit and app is not None:
            app.aboutToQuit.connect(self.shutdown)

    @Slot(str, str, object)
    def _on_runner_event(self, event: str, job_id: str, payload: object) -> None:
        signal = getattr(self, event)
        if payload is None and event in ("job_started", "job_cancelled"):
            signal.emit(job_id)
        else:
            signal.emit(job_id, payload)

    # -- delegation ---------------------------------------------------------------------------------------------
    def submit(self, fn: Callable[[Any, Any], Any], spec: Any, *, lane: str = "gpu", priority: int = 0,
               title: str = "", job_id: Optional[str] = None) -> Job:
        return self._runner.submit(fn, spec, lane=lane, priority=priority, title=title, job_id=job_id)

    def cancel(self, job_id: str, reason: str = "") -> bool:
        return self._runner.cancel(job_id, reason)

    def retry(self, job_id: str) -> Job:
        return self._runner.retry(job_id)

    def job(self, job_id: str) -> Job:
        return self._runner.job(job_id)

    def jobs(self) -> list[Job]:
        return self._runner.jobs()

    def active_jobs(self) -> list[Job]:
        return self._runner.active_jobs()

    @Slot()
    def shutdown(self, timeout: float = 30.0) -> bool:
        """Cancel every job and join the worker threads (connected to QCoreApplication.aboutToQuit)."""
        return self._runner.shutdown(timeout)

    @property
    def is_shut_down(self) -> bool:
        return self._runner.is_shut_down

    def alive_threads(self) -> list[str]:
        return self._runner.alive_threads()
