"""JobRunner: runs plain ``fn(spec, ctx) -> result`` jobs off the UI thread.

Two lanes: "gpu" is ONE worker thread (engine jobs run one at a time, in priority order, so two generations never
fight over the device), "cpu" is a small pool for reading and baking. Each job can be cancelled while queued or
running (running jobs see ``ctx.cancelled()`` at their next step), retried after a failure or cancel, and
``shutdown()`` cancels everything and joins every thread, so quitting never leaves a thread behind.

The runner itself has no Qt: events go to a `JobListener` and are called on the worker thread. `qt_worker.QtJobRunner`
is the one adapter that turns them into Qt signals delivered on the UI thread.
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol

from engine.errors import GenerationCancelled
from seine_editor.jobs.context import JobFailure, Progress

log = logging.getLogger(__name__)

LANES = ("gpu", "cpu")
QUEUED, RUNNING, FINISHED, FAILED, CANCELLED = "queued", "running", "finished", "failed", "cancelled"
REPLACED = "replaced"  # a cancel reason: a newer job for the same work took this one's place


class JobCancelled(Exception):
    """Raised by jobs (other than engine runs, which raise GenerationCancelled) that stop on request."""


@dataclass
class Job:
    """One unit of work. ``fn(spec, ctx)`` runs on a worker; ``state`` moves queued -> running -> one of
    finished / failed / cancelled."""

    fn: Callable[[Any, Any], Any]
    spec: Any
    lane: str = "gpu"
    priority: int = 0  # lower runs first
    title: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: str = QUEUED
    progress: Optional[Progress] = None
    result: Any = None
    failure: Optional[JobFailure] = None
    cancel_reason: str = ""  # why it was asked to stop: "" when a person cancelled, REPLACED, "shutdown"
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _on_progress: Callable[["Job", Progress], None] = field(default=lambda job, p: None, repr=False)

    def report(self, progress: Progress) -> None:  # the JobContext side, called by fn
        self.progress = progress
        self._on_progress(self, progress)

    def cancelled(self) -> bool:
        return self._cancel.is_set()


class JobListener(Protocol):
    def job_queued(self, job: Job) -> None: ...

    def job_started(self, job: Job) -> None: ...

    def job_progress(self, job: Job, progress: Progress) -> None: ...

    def job_finished(self, job: Job, result: Any) -> None: ...

    def job_failed(self, job: Job, failure: JobFailure) -> None: ...

    def job_cancelled(self, job: Job) -> None: ...


class NullListener:
    def job_queued(self, job): pass

    def job_started(self, job): pass

    def job_progress(self, job, progress): pass

    def job_finished(self, job, result): pass

    def job_failed(self, job, failure): pass

    def job_cancelled(self, job): pass


_STOP = object()


class JobRunner:
    def __init__(self, listener: Optional[JobListener] = None, *, cpu_workers: int = 2):
        if cpu_workers < 1:
            raise ValueError(f"cpu_workers must be at least 1, got {cpu_workers}")
        self._listener = listener or NullListener()
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._order = itertools.count()
        self._queues = {lane: queue.PriorityQueue() for lane in LANES}
        self._closed = False
        counts = {"gpu": 1, "cpu": cpu_workers}
        self._threads = [threading.Thread(target=self._work, args=(lane,), name=f"seine-{lane}-{i}", daemon=True)
                         for lane in LANES for i in range(counts[lane])]
        for thread in self._threads:
            thread.start()

    # -- public API -------------------------------------------------------------------------------------------
    def submit(self, fn: Callable[[Any, Any], Any], spec: Any, *, lane: str = "gpu", priority: int = 0,
               title: str = "", job_id: Optional[str] = None) -> Job:
        """Queue ``fn(spec, ctx)``; returns the Job (its ``id`` names it in every event)."""
        if lane not in LANES:
            raise ValueError(f"job lane {lane!r} is not one of {', '.join(LANES)}")
        job = Job(fn, spec, lane=lane, priority=priority, title=title, id=job_id or uuid.uuid4().hex)
        job._on_progress = lambda j, p: self._notify("job_progress", j, p)
        with self._lock:
            if self._closed:
                raise RuntimeError("the job runner is shut down; no new jobs are accepted")
            if job.id in self._jobs and self._jobs[job.id].state in (QUEUED, RUNNING):
                raise ValueError(f"job {job.id} is already {self._jobs[job.id].state}")
            self._jobs[job.id] = job
        self._notify("job_queued", job)  # before a worker can see it, so "queued" always precedes "started"
        self._queues[lane].put((priority, next(self._order), job))
        return job

    def cancel(self, job_id: str, reason: str = "") -> bool:
        """Cancel a queued job (it never starts) or a running one (it stops at its next step); ``reason`` is kept
        as ``job.cancel_reason`` ("" for a person's cancel, REPLACED). False when the job is unknown or done."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.state not in (QUEUED, RUNNING):
                return False
            job.cancel_reason = reason
            job._cancel.set()
            was_queued = job.state == QUEUED
            if was_queued:
                job.state = CANCELLED
        if was_queued:
            self._notify("job_cancelled", job)
        return True

    def retry(self, job_id: str) -> Job:
        """Queue a failed or cancelled job again, with the same function, spec and id."""
        job = self.job(job_id)
        if job.state not in (FAILED, CANCELLED):
            raise ValueError(f"job {job_id} is {job.state}; only failed or cancelled jobs can be retried")
        return self.submit(job.fn, job.spec, lane=job.lane, priority=job.priority, title=job.title, job_id=job.id)

    def job(self, job_id: str) -> Job:
        with self._lock:
            if job_id not in self._jobs:
                raise KeyError(f"no job with id {job_id}")
            return self._jobs[job_id]

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def active_jobs(self) -> list[Job]:
        return [job for job in self.jobs() if job.state in (QUEUED, RUNNING)]

    def shutdown(self, timeout: float = 30.0) -> bool:
        """Cancel every queued and running job, stop the workers and join them. True when all threads ended."""
        with self._lock:
            if self._closed:
                return not any(t.is_alive() for t in self._threads)
            self._closed = True
            pending = [job.id for job in self._jobs.values() if job.state in (QUEUED, RUNNING)]
        for job_id in pending:
            self.cancel(job_id, reason="shutdown")
        for lane in LANES:
            for thread in self._threads:
                if thread.name.startswith(f"seine-{lane}-"):
                    self._queues[lane].put((float("inf"), next(self._order), _STOP))
        for thread in self._threads:
            thread.join(timeout)
        alive = self.alive_threads()
        if alive:
            log.error("job threads still running after %.0f s: %s", timeout, ", ".join(alive))
        return not alive

    @property
    def is_shut_down(self) -> bool:
        return self._closed

    def alive_threads(self) -> list[str]:
        """Names of this runner's worker threads that are still running."""
        return [thread.name for thread in self._threads if thread.is_alive()]

    # -- workers ----------------------------------------------------------------------------------------------
    def _work(self, lane: str) -> None:
        while True:
            _, _, job = self._queues[lane].get()
            if job is _STOP:
                return
            with self._lock:
                if job.state != QUEUED:  # cancelled while waiting
                    continue
                job.state = RUNNING
            self._run(job)

    def _run(self, job: Job) -> None:
        self._notify("job_started", job)
        try:
            result = job.fn(job.spec, job)
        except (GenerationCancelled, JobCancelled):
            self._end(job, CANCELLED)
        except Exception as error:  # any failure of a job is reported, never kills the worker
            log.debug("job %s failed", job.id, exc_info=True)
            job.failure = JobFailure.from_exception(error)
            self._end(job, FAILED)
        else:
            job.result = result
            self._end(job, FINISHED)

    def _end(self, job: Job, state: str) -> None:
        with self._lock:
            job.state = state
        if state == FINISHED:
            self._notify("job_finished", job, job.result)
        elif state == FAILED:
            self._notify("job_failed", job, job.failure)
        else:
            self._notify("job_cancelled", job)

    def _notify(self, event: str, *args: Any) -> None:
        """Call the listener; a listener bug is logged and never takes a worker thread down with it."""
        try:
            getattr(self._listener, event)(*args)
        except Exception:  # the worker must survive whatever a listener does
            log.exception("job listener failed on %s", event)
