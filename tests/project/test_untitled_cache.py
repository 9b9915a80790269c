"""Nothing generated in an untitled project is lost: Save As brings its scratch cache along."""
from fractions import Fraction
from pathlib import Path

import pytest

from seine_editor.project.generation import EngineSettings, GenerationController
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings

W, H, FPS = 64, 48, Fraction(24)  # the size of the small_ab_clips fixture
WAIT_MS = 20000


@pytest.fixture
def untitled(qapp, small_ab_clips):
    project = Project.new(TimelineSettings(width=W, height=H, fps=FPS))
    track = project.document.track_ids("video")[0]
    for path in small_ab_clips:
        project.append_clip(path, track)
    yield project
    project.close(discard_recovery=True)


def _generate(project, qtbot) -> str:
    controller = GenerationController(project, settings=EngineSettings("morph"))
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.add_generative_transition(project.document.track_ids("video")[0], 12,
                                                    duration_frames=6)
    assert controller.shutdown()
    return item


def test_generated_media_of_an_untitled_project_survives_save_as_close_and_reopen(untitled, qtbot, tmp_path):
    item = _generate(untitled, qtbot)
    scratch_take = Path(untitled.document.info().clip(item).media_path)
    (tmp_path / "film").mkdir()
    untitled.save_as(tmp_path / "film" / "story.otio")
    untitled.close()
    assert not scratch_take.exists()
    reopened = Project.open(tmp_path / "film" / "story.otio")
    try:
        info = reopened.document.info().clip(item)
        assert info.offline is False and info.generative.stale is False
        assert Path(info.media_path) == tmp_path / "film" / "cache" / scratch_take.relative_to(
            scratch_take.parents[1])
        assert reopened.offline_media() == []
    finally:
        reopened.close()


def test_undo_and_redo_after_save_as_never_bring_the_scratch_folder_back(untitled, qtbot, tmp_path):
    item = _generate(untitled, qtbot)
    first = untitled.document.info().clips()[0].id
    untitled.trim_clip(first, "tail", -2)  # its undo holds the track as it was, take included
    untitled.save_as(tmp_path / "story.otio")
    expected = untitled.document.info().clip(item).media_path
    assert expected.startswith(str(tmp_path / "cache"))
    untitled.undo_stack.undo()  # the trim
    assert untitled.document.info().clip(item).media_path == expected
    untitled.undo_stack.undo()  # the attach
    untitled.undo_stack.redo()
    untitled.undo_stack.redo()
    assert untitled.document.info().clip(item).media_path == expected


def test_a_job_finishing_after_save_as_is_copied_into_the_project_cache(untitled, tmp_path):
    stray = untitled.cache_dir / "generated" / "late.mov"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"frames")
    untitled.save_as(tmp_path / "story.otio")
    adopted = untitled.adopt_path(stray)
    assert adopted == str(tmp_path / "cache" / "generated" / "late.mov")
    assert Path(adopted).read_bytes() == b"frames"
    assert untitled.adopt_path("/elsewhere/x.mov") == "/elsewhere/x.mov"
