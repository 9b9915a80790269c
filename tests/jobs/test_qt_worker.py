"""QtJobRunner delivers every job event as a signal on the UI thread and shuts down with the application."""
import threading

from seine_editor.jobs.context import JobFailure, Progress
from seine_editor.jobs.qt_worker import QtJobRunner


def test_events_arrive_as_signals_on_the_ui_thread(qtbot):
    runner = QtJobRunner(shutdown_on_quit=False)
    seen = []
    ui_thread = threading.get_ident()

    def record(name):
        return lambda *args: seen.append((name, threading.get_ident() == ui_thread) + args[1:])
    for name in ("job_queued", "job_started", "job_progress", "job_finished"):
        getattr(runner, name).connect(record(name))

    def fn(spec, ctx):
        ctx.report(Progress(0.25, "reading frames", 3.0))
        return spec * 2
    with qtbot.waitSignal(runner.job_finished, timeout=5000):
        runner.submit(fn, 21, title="double")
    assert seen == [("job_queued", True, "double"), ("job_started", True),
                    ("job_progress", True, Progress(0.25, "reading frames", 3.0)), ("job_finished", True, 42)]
    assert runner.shutdown(5)


def test_failure_signal_carries_the_reason(qtbot):
    runner = QtJobRunner(shutdown_on_quit=False)

    def fn(spec, ctx):
        raise FileNotFoundError("/media/a.mov: no such file")
    with qtbot.waitSignal(runner.job_failed, timeout=5000) as blocker:
        job = runner.submit(fn, None)
    assert blocker.args == [job.id, JobFailure("/media/a.mov: no such file", "FileNotFoundError")]
    assert runner.shutdown(5)


def test_shutdown_while_a_job_runs_leaves_no_thread(qtbot):
    runner = QtJobRunner(shutdown_on_quit=False)
    started = threading.Event()

    def fn(spec, ctx):
        started.set()
        while not ctx.cancelled():
            threading.Event().wait(0.01)
        from engine.errors import GenerationCancelled
        raise GenerationCancelled("quit")
    runner.submit(fn, None)
    assert started.wait(5)
    with qtbot.waitSignal(runner.job_cancelled, timeout=5000):
        assert runner.shutdown(5)
    assert runner.alive_threads() == []
