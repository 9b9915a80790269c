"""The jobs panel: a row per job titled by what it makes; a job a newer request replaced reads "Replaced", not
"Cancelled" (which is kept for the person's own cancel)."""
import threading

import pytest

from seine_editor.jobs.qt_worker import QtJobRunner
from seine_editor.jobs.runner import REPLACED
from seine_editor.widgets.job_panel import JobPanel
from support import GatedMorph, gated_job


@pytest.fixture
def panel(qtbot):
    runner = QtJobRunner(shutdown_on_quit=False)
    panel = JobPanel()
    qtbot.addWidget(panel)
    panel.connect_runner(runner)
    yield panel, runner
    assert runner.shutdown(5)


def test_a_replaced_job_reads_replaced_and_a_cancelled_one_cancelled(panel, qtbot):
    panel, runner = panel
    started, gate = threading.Event(), threading.Event()
    replaced = runner.submit(gated_job(started, gate), 1, title="Transition: a.mp4 → b.mp4")
    cancelled = runner.submit(gated_job(threading.Event(), gate), 2, title="Extend: a.mp4")
    assert started.wait(5)
    with qtbot.waitSignal(runner.job_cancelled, timeout=5000):
        runner.cancel(replaced.id, REPLACED)
    with qtbot.waitSignal(runner.job_cancelled, timeout=5000):
        runner.cancel(cancelled.id)
    rows = [panel.rows[j.id] for j in (replaced, cancelled)]
    assert [(r.title.text(), r.state, r.status.text()) for r in rows] == [
        ("Transition: a.mp4 → b.mp4", "cancelled", "Replaced"), ("Extend: a.mp4", "cancelled", "Cancelled")]
    assert "newer request" in rows[0].status.toolTip() and not rows[0].cancel.isEnabled()


def test_a_long_title_is_elided_and_cancel_stays_inside_a_narrow_panel(panel, qtbot):
    panel, _runner = panel
    title = "Transition: a_very_long_camera_file_name_0001.mp4 → trim-big-buck-bunny-1080p-final.webm"
    panel.on_job_queued("job-1", title)
    panel.resize(220, 300)
    panel.show()
    qtbot.waitExposed(panel)
    row = panel.rows["job-1"]
    cancel = row.cancel.geometry()
    assert row.width() <= 220 and cancel.right() < row.width()
    assert row.title.shown_text() != title and "…" in row.title.shown_text()
    assert (row.title.text(), row.title.toolTip()) == (title, title)


def test_a_replaced_job_that_finished_before_it_could_stop_still_reads_replaced(panel, qtbot):
    panel, runner = panel
    started, gate = threading.Event(), threading.Event()

    def ignores_cancel(spec, ctx):
        started.set()
        gate.wait(5)
        return spec
    job = runner.submit(ignores_cancel, 1, title="Animate: still.png")
    assert started.wait(5)
    runner.cancel(job.id, REPLACED)
    with qtbot.waitSignal(runner.job_finished, timeout=5000):
        gate.set()
    assert (panel.rows[job.id].state, panel.rows[job.id].status.text()) == ("cancelled", "Replaced")


def test_clear_finished_removes_replaced_rows_too(panel, qtbot):
    panel, runner = panel
    started, gate = threading.Event(), threading.Event()
    job = runner.submit(gated_job(started, gate), 1, title="Extend: a.mp4")
    assert started.wait(5)
    with qtbot.waitSignal(runner.job_cancelled, timeout=5000):
        runner.cancel(job.id, REPLACED)
    panel.clear_finished()
    assert panel.rows == {}


@pytest.fixture
def held_transition(window, infos):
    """Two shots and a morph transition between them whose job is held at its first step: (item id, engine)."""
    from seine_editor.project.generation import EngineSettings

    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=24)
    window.project.add_clip(infos["b"], v1, 24)
    generation = window.project.generation
    generation.set_engine_settings(EngineSettings(engine="morph", host="in-process"))
    engine = GatedMorph()
    generation.engines.put("morph", {}, engine)
    item = generation.add_generative_transition(v1, 24, duration_frames=12)
    assert engine.waiting.wait(10)
    yield item, engine
    engine.gate.set()


def test_the_windows_panel_shows_the_dropped_transitions_first_job_replaced_by_generate(window, held_transition,
                                                                                        qtbot):
    item, engine = held_transition
    generation = window.project.generation
    first = generation.item_state(item).job_id
    second = generation.regenerate(item, prompt="night falls")
    engine.gate.set()
    qtbot.waitUntil(lambda: second in window.jobs.rows and window.jobs.rows[second].state == "finished",
                    timeout=20000)
    assert [(r.title.text(), r.status.text()) for r in (window.jobs.rows[first], window.jobs.rows[second])] == [
        ("Transition: shot_a.mp4 → shot_b.mp4", "Replaced"), ("Transition: shot_a.mp4 → shot_b.mp4", "Done")]


def test_closing_the_window_while_an_item_is_being_made_asks_first(window, held_transition, monkeypatch):
    from PySide6 import QtWidgets

    generation = window.project.generation
    asked = []
    monkeypatch.setattr(QtWidgets.QMessageBox, "question",
                        lambda parent, title, text, *rest: asked.append((title, text)) or QtWidgets.QMessageBox.Cancel)
    window.interactive = True
    assert not window.close()  # the person cancels: the window and the job stay
    assert asked == [("Generation under way", "1 generative item(s) are being made. Quit and stop them?\n\n"
                                              "Transition: shot_a.mp4 → shot_b.mp4")]
    assert window.isVisible() and generation.active_items()
    window.interactive = False
