"""JobRunner: one GPU lane in priority order, cancel (queued or running), retry, failures, clean shutdown."""
import threading

import pytest

from engine.errors import OutOfMemoryError
from seine_editor.jobs.context import JobFailure, Progress
from seine_editor.jobs.runner import CANCELLED, FAILED, FINISHED, JobRunner
from support import gated_job

TIMEOUT = 10


class Recorder:
    """A JobListener that keeps every event in order."""

    def __init__(self):
        self.events = []
        self.done = threading.Condition()

    def _add(self, *event):
        with self.done:
            self.events.append(event)
            self.done.notify_all()

    def job_queued(self, job): self._add("queued", job.title)
    def job_started(self, job): self._add("started", job.title)
    def job_progress(self, job, progress): self._add("progress", job.title, progress.fraction)
    def job_finished(self, job, result): self._add("finished", job.title, result)
    def job_failed(self, job, failure): self._add("failed", job.title, failure)
    def job_cancelled(self, job): self._add("cancelled", job.title)

    def wait_for(self, predicate):
        with self.done:
            assert self.done.wait_for(lambda: predicate(self.events), TIMEOUT), self.events


def ended(n):
    return lambda events: sum(e[0] in ("finished", "failed", "cancelled") for e in events) >= n


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def runner(recorder):
    r = JobRunner(recorder)
    yield r
    assert r.shutdown(TIMEOUT)


def test_gpu_jobs_run_one_at_a_time_in_priority_order(runner, recorder):
    gate, started = threading.Event(), threading.Event()
    runner.submit(gated_job(started, gate), "first", title="first")
    assert started.wait(TIMEOUT)
    runner.submit(lambda spec, ctx: spec, "low", priority=5, title="low")
    runner.submit(lambda spec, ctx: spec, "high", priority=1, title="high")
    gate.set()
    recorder.wait_for(ended(3))
    finished = [e[1] for e in recorder.events if e[0] == "finished"]
    assert finished == ["first", "high", "low"]


def test_progress_reported_by_the_job_reaches_the_listener(runner, recorder):
    def fn(spec, ctx):
        ctx.report(Progress(0.5, "half"))
        return 7
    job = runner.submit(fn, None, title="p")
    recorder.wait_for(ended(1))
    assert [e for e in recorder.events if e[1] == "p"] == [
        ("queued", "p"), ("started", "p"), ("progress", "p", 0.5), ("finished", "p", 7)]
    assert job.state == FINISHED and job.result == 7


def test_cancelling_a_queued_job_means_it_never_starts(runner, recorder):
    gate, started = threading.Event(), threading.Event()
    runner.submit(gated_job(started, gate), "a", title="a")
    assert started.wait(TIMEOUT)
    ran = []
    queued = runner.submit(lambda spec, ctx: ran.append(spec), "b", title="b")
    assert runner.cancel(queued.id)
    gate.set()
    recorder.wait_for(ended(2))
    assert ran == [] and queued.state == CANCELLED
    assert ("started", "b") not in recorder.events


def test_cancelling_a_running_job_stops_it_at_its_next_step(runner, recorder):
    gate, started = threading.Event(), threading.Event()
    job = runner.submit(gated_job(started, gate), "a", title="a")
    assert started.wait(TIMEOUT)
    assert runner.cancel(job.id)
    recorder.wait_for(ended(1))
    assert job.state == CANCELLED and recorder.events[-1] == ("cancelled", "a")
    assert not runner.cancel(job.id)  # already over


def test_a_failing_job_reports_its_reason_and_the_worker_keeps_going(runner, recorder):
    def oom(spec, ctx):
        raise OutOfMemoryError("needed 9.1 GiB, 6 GiB free; try the draft preset")
    failed = runner.submit(oom, None, title="oom")
    runner.submit(lambda spec, ctx: "ok", None, title="next")
    recorder.wait_for(ended(2))
    assert failed.state == FAILED
    assert failed.failure == JobFailure("needed 9.1 GiB, 6 GiB free; try the draft preset", "OutOfMemoryError")
    assert ("finished", "next", "ok") in recorder.events


def test_retry_runs_a_failed_job_again_under_the_same_id(runner, recorder):
    attempts = []

    def flaky(spec, ctx):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("device busy")
        return "second time"
    job = runner.submit(flaky, None, title="flaky")
    recorder.wait_for(ended(1))
    again = runner.retry(job.id)
    recorder.wait_for(ended(2))
    assert again.id == job.id and again.result == "second time" and len(attempts) == 2


def test_retry_refuses_a_job_that_finished(runner, recorder):
    job = runner.submit(lambda spec, ctx: 1, None)
    recorder.wait_for(ended(1))
    with pytest.raises(ValueError, match=f"job {job.id} is finished; only failed or cancelled"):
        runner.retry(job.id)


def test_shutdown_cancels_running_and_queued_jobs_and_joins_every_thread(recorder):
    runner = JobRunner(recorder, cpu_workers=2)
    gate, started = threading.Event(), threading.Event()
    running = runner.submit(gated_job(started, gate), "a", title="a")
    queued = runner.submit(lambda spec, ctx: spec, "b", title="b")
    assert started.wait(TIMEOUT)
    assert runner.shutdown(TIMEOUT)
    assert (running.state, queued.state) == (CANCELLED, CANCELLED)
    assert runner.alive_threads() == []
    with pytest.raises(RuntimeError, match="shut down"):
        runner.submit(lambda spec, ctx: 1, None)


def test_cpu_lane_runs_beside_a_busy_gpu_lane(runner, recorder):
    gate, started = threading.Event(), threading.Event()
    runner.submit(gated_job(started, gate), "gpu", title="gpu")
    assert started.wait(TIMEOUT)
    runner.submit(lambda spec, ctx: "baked", None, lane="cpu", title="bake")
    recorder.wait_for(lambda events: ("finished", "bake", "baked") in events)
    gate.set()
    recorder.wait_for(ended(2))


def test_unknown_lane_is_refused_naming_the_lanes(runner):
    with pytest.raises(ValueError, match="job lane 'tpu' is not one of gpu, cpu"):
        runner.submit(lambda spec, ctx: 1, None, lane="tpu")


def test_progress_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match=r"progress fraction must be within \[0, 1\], got 1.5"):
        Progress(1.5)


def test_a_cancel_keeps_its_reason_on_the_job(runner, recorder):
    from seine_editor.jobs.runner import REPLACED

    gate, started = threading.Event(), threading.Event()
    running = runner.submit(gated_job(started, gate), "a", title="a")
    queued = runner.submit(gated_job(threading.Event(), gate), "b", title="b")
    assert started.wait(TIMEOUT)
    assert runner.cancel(queued.id) and runner.cancel(running.id, REPLACED)
    recorder.wait_for(ended(2))
    assert [(j.state, j.cancel_reason) for j in (running, queued)] == [(CANCELLED, REPLACED), (CANCELLED, "")]
