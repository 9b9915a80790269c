"""The window notices a source replaced under the same name while it is open (QFileSystemWatcher): the generated
item made from it turns stale on the timeline, and a file only touched does not."""
from __future__ import annotations

import os
import shutil

import pytest

from seine_editor.cli import main
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.project import Project
from support import save_morph_story


@pytest.fixture
def opened(window, tmp_path, capsys):
    """The window on a saved story of two shots and a generated morph transition."""
    story = save_morph_story(tmp_path)
    assert main(["generate", str(story), "--engine", "morph"]) == 0
    capsys.readouterr()
    window.set_project(Project.open(story, recovery_choice="ignore"))
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
