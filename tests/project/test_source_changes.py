"""A generated item whose source file was replaced by other content under the same name is stale again, so
`generate` makes it anew; a file only touched (copied, restored) decodes to the same frames and stays fresh."""
from __future__ import annotations

import os
import shutil

import pytest

from seine_editor.cli import main
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.project import Project
from seine_editor.project.source_changes import changed_items
from support import save_morph_story


@pytest.fixture
def generated_story(qapp, tmp_path, capsys):
    """Two shots and a morph transition, generated and saved."""
    story = save_morph_story(tmp_path)
    assert main(["generate", str(story), "--engine", "morph"]) == 0
    capsys.readouterr()
    return story


def opened_changes(path) -> dict:
    project = Project.open(path, recovery_choice="ignore")
    try:
        return changed_items(project.document.timeline.find_clips())
    finally:
        project.close()


def test_a_take_records_the_boundary_frames_it_was_made_from(generated_story):
    project = Project.open(generated_story, recovery_choice="ignore")
    try:
        (item,) = [c for c in project.document.timeline.find_clips() if c.metadata["seine"].get("takes")]
        (take,) = item.metadata["seine"]["takes"]
        assert [(s["path"].rsplit("/", 1)[-1], s["frame"]) for s in take["sources"]] == [("a.mp4", 11), ("b.mp4", 0)]
    finally:
        project.close()


def test_a_source_replaced_by_other_content_makes_its_item_stale_and_generate_remakes_it(generated_story, capsys):
    folder = generated_story.parent
    write_coded_video(folder / "b.mp4", frames=12, width=64, height=48, tint=(20, 200, 40), first_index=100)
    assert list(opened_changes(generated_story).values()) == [str(folder / "b.mp4")]
    assert main(["generate", str(generated_story), "--engine", "morph"]) == 0
    assert "1 of 1 item(s) generated" in capsys.readouterr().err
    assert opened_changes(generated_story) == {}


def test_a_source_only_touched_or_copied_stays_fresh(generated_story, capsys):
    folder = generated_story.parent
    shutil.copy(folder / "a.mp4", folder / "copy.mp4")
    os.replace(folder / "copy.mp4", folder / "a.mp4")  # same content, another file: new time stamp
    assert opened_changes(generated_story) == {}
    assert main(["generate", str(generated_story), "--engine", "morph"]) == 0
    assert "0 item(s) to generate" in capsys.readouterr().err
