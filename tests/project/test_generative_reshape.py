"""Reshaping a generative item through the Project: one undo step; a job making the old shape is replaced by one
for the new shape (the old result never lands); a baked item keeps its take and waits, stale, for regenerate."""
from fractions import Fraction

import av
import pytest

from seine_editor.project.generation import EngineSettings
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings
from support import GatedMorph, write_ab_clips

W, H, FPS = 64, 48, Fraction(24)
WAIT_MS = 20000


@pytest.fixture
def project(qapp, tmp_path):
    project = Project.new(TimelineSettings(width=W, height=H, fps=FPS))
    project.save_as(tmp_path / "story.otio")
    track = project.document.track_ids("video")[0]
    for path in write_ab_clips(tmp_path, frames=24, width=W, height=H, fps=FPS):
        project.append_clip(path, track)
    project.generation.set_engine_settings(EngineSettings("morph", host="in-process"), persist=False)
    yield project
    project.close(discard_recovery=True)
    assert project.generation.alive_threads() == []


def frames_in(path):
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_reshaping_is_one_undo_step_and_nothing_to_change_pushes_nothing(project):
    item = project.add_generative_transition(project.info().tracks[0].clips[0].id, 12)
    before, count = project.document.to_json(), project.undo_stack.count()
    project.set_generative_geometry(item, 12, "bridge")
    assert project.undo_stack.count() == count
    project.set_generative_geometry(item, 8, "overlap")
    assert project.undo_stack.text(count) == "Change 'Transition' to 8 frames, overlap"
    project.undo_stack.undo()
    assert project.document.to_json() == before


def test_a_job_for_the_old_shape_is_replaced_by_one_for_the_new_shape(project, qtbot):
    engine = GatedMorph()
    project.generation.engines.put("morph", {}, engine)
    item = project.generation.add_generative_transition(project.info().tracks[0].id, 24, duration_frames=12)
    assert engine.waiting.wait(10)
    first_job = project.generation.item_state(item).job_id
    with qtbot.waitSignal(project.generation.runner.job_cancelled, timeout=WAIT_MS):
        project.set_generative_geometry(item, 20)
    assert project.generation.item_state(item).job_id != first_job
    with qtbot.waitSignal(project.generation.result_attached, timeout=WAIT_MS):
        engine.gate.set()
    gen = project.info().clip(item).generative
    assert (gen.takes, gen.status, gen.stale) == (("take1",), "baked", False)
    assert frames_in(gen.baked_path) == 20


def test_a_baked_item_reshaped_keeps_its_take_queues_nothing_and_is_stale(project, qtbot):
    with qtbot.waitSignal(project.generation.result_attached, timeout=WAIT_MS):
        item = project.generation.add_generative_transition(project.info().tracks[0].id, 24, duration_frames=12)
    project.set_generative_geometry(item, 16)
    gen = project.info().clip(item).generative
    assert (gen.takes, gen.active_take, gen.stale) == (("take1",), None, True)
    assert project.generation.item_state(item).state == "done"
    assert item in project.generation.pending_items()
