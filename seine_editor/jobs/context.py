"""What a long-running job sees of the outside world: a way to report progress and to ask whether it was cancelled.

Job functions are plain ``fn(spec, ctx) -> result``; they never touch widgets or the document. The runner (or a
headless caller such as the CLI) gives them a context. ``HeadlessContext`` is the plain, thread-safe one.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional, Protocol


@dataclass(frozen=True)
class Progress:
    """How far a job is: ``fraction`` in [0, 1], what it is doing, and the estimated seconds left (None: unknown)."""

    fraction: float
    message: str = ""
    eta_s: Optional[float] = None

    def __post_init__(self):
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"progress fraction must be within [0, 1], got {self.fraction}")


class JobContext(Protocol):
    def report(self, progress: Progress) -> None: ...

    def cancelled(self) -> bool: ...


@dataclass(frozen=True)
class JobFailure:
    """Why a job failed, in words for the job panel, plus the error's type name (e.g. "OutOfMemoryError")."""

    reason: str
    error_type: str

    @classmethod
    def from_exception(cls, error: BaseException) -> "JobFailure":
        return cls(reason=str(error) or type(error).__name__, error_type=type(error).__name__)


class HeadlessContext:
    """A context for work run without a UI: progress goes to an optional callback; ``cancel()`` may be called from
    any thread (a signal handler, another worker)."""

    def __init__(self, on_progress: Optional[Callable[[Progress], None]] = None):
        self._on_progress = on_progress
        self._cancel = threading.Event()

    def report(self, progress: Progress) -> None:
        if self._on_progress is not None:
            self._on_progress(progress)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class EtaClock:
    """Turns "step k of n done" into a Progress with an ETA from the mean step time so far, mapped into a sub-range
    [start, stop] of the whole job (reading and writing frames take the rest)."""

    def __init__(self, start: float = 0.0, stop: float = 1.0, clock: Callable[[], float] = time.monotonic):
        self.start, self.stop = start, stop
        self._clock = clock
        self._t0 = clock()

    def progress(self, done: int, total: int, message: str) -> Progress:
        done = max(0, min(done, total))
        share = done / total if total else 1.0
        elapsed = self._clock() - self._t0
        eta = elapsed / done * (total - done) if done else None
        return Progress(self.start + (self.stop - self.start) * share, message, eta)
