"""Save As from a saved project into another folder takes the generated media along: the old folder can go."""
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from seine_editor.errors import ProjectFileError
from seine_editor.media.synthetic import read_frame_index
from seine_editor.project.generation import EngineSettings, GenerationController
from seine_editor.project.project import Project
from seine_editor.render.compositor import Compositor
from seine_editor.timeline.otio_io import TimelineSettings

W, H, FPS = 64, 48, Fraction(24)  # the size of the small_ab_clips fixture
WAIT_MS = 20000


@pytest.fixture
def saved(qapp, small_ab_clips, tmp_path, qtbot):
    """A project saved in old/ whose transition was generated into old/cache/, plus a proxy there."""
    project = Project.new(TimelineSettings(width=W, height=H, fps=FPS))
    (tmp_path / "old").mkdir()
    project.save_as(tmp_path / "old" / "story.otio")
    track = project.document.track_ids("video")[0]
    for path in small_ab_clips:
        project.append_clip(path, track)
    controller = GenerationController(project, settings=EngineSettings("morph"))
    with qtbot.waitSignal(controller.result_attached, timeout=WAIT_MS):
        item = controller.add_generative_transition(track, 12, duration_frames=6)
    assert controller.shutdown()
    (project.cache_dir / "proxies").mkdir(exist_ok=True)
    (project.cache_dir / "proxies" / "a.mp4").write_bytes(b"proxy")
    project.save()
    yield project, item
    project.close(discard_recovery=True)


def frames_of(project, frames):
    with Compositor(project.render_snapshot(), size=(W, H)) as compositor:
        return [compositor.frame(n) for n in frames]


def test_save_as_elsewhere_then_deleting_the_old_folder_keeps_the_baked_media(saved, tmp_path):
    project, item = saved
    old_take = Path(project.info().clip(item).media_path)
    expected = [read_frame_index(f) for f in frames_of(project, range(12, 18))]
    (tmp_path / "new").mkdir()
    project.save_as(tmp_path / "new" / "story.otio")
    project.close()
    shutil.rmtree(tmp_path / "old")
    reopened = Project.open(tmp_path / "new" / "story.otio")
    try:
        info = reopened.info().clip(item)
        assert Path(info.media_path) == tmp_path / "new" / "cache" / old_take.relative_to(tmp_path / "old" / "cache")
        assert (info.offline, info.generative.status, info.generative.stale) == (False, "baked", False)
        assert reopened.offline_media() == []
        assert [read_frame_index(f) for f in frames_of(reopened, range(12, 18))] == expected
    finally:
        reopened.close()


def test_proxies_stay_behind_and_the_old_project_keeps_its_own_cache(saved, tmp_path):
    project, item = saved
    old_take = Path(project.info().clip(item).media_path)
    project.save_as(tmp_path / "new.otio")  # tmp_path/cache beside it
    assert old_take.is_file()
    assert not (tmp_path / "cache" / "proxies").exists()
    old = Project.open(tmp_path / "old" / "story.otio")
    try:
        assert old.info().clip(item).media_path == str(old_take)
    finally:
        old.close()


def test_undo_after_save_as_elsewhere_never_points_back_at_the_old_folder(saved, tmp_path):
    project, item = saved
    project.trim_clip(project.info().clips()[0].id, "tail", -2)  # its undo holds the track as it was, take included
    project.save_as(tmp_path / "new.otio")
    expected = project.info().clip(item).media_path
    assert expected.startswith(str(tmp_path / "cache"))
    project.undo_stack.undo()
    assert project.info().clip(item).media_path == expected


def test_a_failed_save_as_leaves_the_project_on_its_own_cache(saved, tmp_path):
    project, item = saved
    before = project.info().clip(item).media_path
    with pytest.raises(ProjectFileError, match="projects are saved as .otio"):
        project.save_as(tmp_path / "story.edl")
    assert project.info().clip(item).media_path == before
    assert project.path == tmp_path / "old" / "story.otio"
