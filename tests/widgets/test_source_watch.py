"""The window notices a source replaced under the same name while it is open (QFileSystemWatcher): the generated
item made from it turns stale on the timeline, and a file only touched does not."""
from __future__ import annotations

import os
import shutil
from fractions import Fraction

import pytest

from seine_editor.cli import main
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.commands import CallCommand
from seine_editor.project.generation import EngineSettings, GenerationController
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings


@pytest.fixture
def opened(window, tmp_path, capsys, qtbot):
    """The window on a saved story of two shots and a generated morph transition."""
    a = write_coded_video(tmp_path / "a.mp4", frames=12, width=64, height=48, tint=(200, 60, 40))
    b = write_coded_video(tmp_path / "b.mp4", frames=12, width=64, height=48, tint=(40, 80, 200), first_index=100)
    project = Project.new(TimelineSettings(width=64, height=48, fps=Fraction(24)))
    GenerationController(project, settings=EngineSettings("morph"))
    track = project.document.track_ids("video")[0]
    project.append_clip(a, track)
    project.append_clip(b, track)
    project.push(CallCommand(project.document, "transition", "add_generative_transition",
                             left_clip_id=project.document.info().track(track).clips[0].id, duration_frames=4,
                             mode="bridge", params={"engine": "morph"}))
    project.save_as(tmp_path / "story.otio")
    project.close()
    assert main(["generate", str(tmp_path / "story.otio"), "--engine", "morph"]) == 0
    capsys.readouterr()
    window.set_project(Project.open(tmp_path / "story.otio", recovery_choice="ignore"))
    bridge = next(c for c in window.project.info().clips() if c.generative is not None)
    return window, bridge.id, tmp_path


def badge(window, item_id):
    item = window.timeline.view.clip_items[item_id]
    return item.job_state


def test_a_source_replaced_while_the_window_is_open_turns_its_item_stale(opened, qtbot):
    window, item_id, folder = opened
    assert badge(window, item_id) is None and window.project.generation.changed_source(item_id) is None
    write_coded_video(folder / "new.mp4", frames=12, width=64, height=48, tint=(20, 200, 40), first_index=100)
    os.replace(folder / "new.mp4", folder / "b.mp4")  # a re-export lands under the same name
    qtbot.waitUntil(lambda: badge(window, item_id) == "stale", timeout=5000)
    assert window.project.generation.changed_source(item_id) == str(folder / "b.mp4")
    assert item_id in window.project.generation.pending_items()
    window.timeline.view.select_clips([item_id])
    assert window.inspector.form.state.text() == "b.mp4 changed since this was generated: regenerate to update."


def test_a_source_only_copied_over_itself_stays_fresh(opened, qtbot):
    window, item_id, folder = opened
    shutil.copy(folder / "b.mp4", folder / "b_copy.mp4")
    os.replace(folder / "b_copy.mp4", folder / "b.mp4")  # new time, same pictures
    qtbot.wait(500)
    assert window.project.generation.check_sources() == {}
    assert badge(window, item_id) is None
