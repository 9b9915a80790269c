"""Project: every edit is one undo step whose undo and redo restore the OTIO JSON exactly; refused edits
push nothing; files open, save and recover without losing anything."""
from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import pytest

from seine_editor.errors import PlacementError, ProjectFileError, SettingsError
from seine_editor.media.info import AudioStreamInfo, MediaInfo
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project import project as project_module
from seine_editor.project.project import Project
from seine_editor.project.recovery import RecoveryAvailable, recovery_path
from seine_editor.timeline import otio_io
from seine_editor.timeline.declared import DECLARED


def _media(path: Path, frames: int = 48, audio: bool = False) -> MediaInfo:
    path.touch()
    streams = (AudioStreamInfo(1, "aac", 48000, 2, "stereo", frames / 24),) if audio else ()
    return MediaInfo(str(path), "video", 64, 48, 64, 48, Fraction(24), frames, frames / 24, audio=streams)


@pytest.fixture
def project(qapp, tmp_path):
    """V1: A [0, 24) B [24, 48), each showing frames 12.. of 48-frame media (12 frames of handle each side)."""
    p = Project.new()
    video = p.document.track_ids("video")[0]
    p.add_clip(_media(tmp_path / "A.mp4"), video, 0, duration_frames=24, source_start_frame=12, name="A")
    p.add_clip(_media(tmp_path / "B.mp4"), video, 24, duration_frames=24, source_start_frame=12, name="B")
    p.undo_stack.clear()
    p.undo_stack.setClean()
    yield p
    p.close(discard_recovery=True)


def _ids(p: Project) -> dict[str, str]:
    """clip name -> id, plus "V1"/"A1" -> track id."""
    info = p.document.info()
    names = {clip.name: clip.id for track in info.tracks for clip in track.clips}
    names.update({track.name: track.id for track in info.tracks})
    return names


def _assert_undo_redo_exact(p: Project, edit) -> None:
    before = p.document.to_json()
    count = p.undo_stack.count()
    edit(p, _ids(p))
    after = p.document.to_json()
    assert after != before
    assert p.undo_stack.count() == count + 1
    p.undo_stack.undo()
    assert p.document.to_json() == before
    p.undo_stack.redo()
    assert p.document.to_json() == after
    p.undo_stack.undo()
    assert p.document.to_json() == before


# The project's own intents (declared edits are all tested below, from their declarations).
EDITS = {
    "insert clip": lambda p, i: p.add_clip(_media(Path(p.folder) / "C.mp4"), i["V1"], 10, name="C"),
    "overwrite clip": lambda p, i: p.add_clip(_media(Path(p.folder) / "C.mp4"), i["V1"], 10, "overwrite",
                                              duration_frames=5, name="C"),
    "insert clip with linked audio": lambda p, i: p.add_clip(_media(Path(p.folder) / "D.mp4", audio=True),
                                                             i["V1"], 48, name="D"),
    "append clip": lambda p, i: p.append_clip(_media(Path(p.folder) / "C.mp4"), i["V1"], name="C"),
    "paste clips": lambda p, i: p.add_clips([
        {"media": _media(Path(p.folder) / "C.mp4"), "track_id": i["V1"], "at_frame": 6, "duration_frames": 4},
        {"media": _media(Path(p.folder) / "D.mp4", audio=True), "track_id": i["V1"], "at_frame": 30}]),
    "reshape generative item": lambda p, i: p.set_generative_geometry(_generative_id(p), 8, "overlap"),
    "relink": lambda p, i: p.relink(p.document.info().clip(i["A"]).media_path,
                                    _media(Path(p.folder) / "A2.mp4").path),
}


# Edits that need an earlier one to act on; the setup is not part of the compared step.
SETUP = {
    "reshape generative item": lambda p, i: p.attach_generated_media(p.add_generative_transition(i["A"], 16),
                                                                     _baked(p)),
}


def _baked(p: Project) -> Path:
    path = p.cache_dir / "take1.mp4"
    path.touch()
    return path


def _generative_id(p: Project) -> str:
    return next(c.id for c in p.document.info().clips() if c.generative is not None)


@pytest.mark.parametrize("name", list(EDITS))
def test_undo_then_redo_restores_the_otio_json_exactly(project, name):
    if name in SETUP:
        SETUP[name](project, _ids(project))
    _assert_undo_redo_exact(project, EDITS[name])


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_every_declared_edit_undoes_and_redoes_exactly_under_its_own_name(project, name):
    declared = DECLARED[name]
    arguments = declared.example(project.document, _ids(project))  # may make what it acts on, outside the steps
    project.undo_stack.clear()
    text = declared.text(project.document, **arguments)
    _assert_undo_redo_exact(project, lambda p, _ids: getattr(p, name)(**arguments))
    project.undo_stack.redo()
    assert project.undo_stack.undoText() == text


def test_command_text_names_the_edit(project):
    ids = _ids(project)
    right_piece = project.split_clip(ids["B"], 36)[0]
    project.trim_clip(right_piece, "tail", -2)
    project.add_dissolve(ids["A"], 3, 3)
    project.rename_track(ids["V1"], "Pictures")
    texts = [project.undo_stack.text(n) for n in range(project.undo_stack.count())]
    assert texts == ["Split 'B' at 00:00:01:12", "Trim tail of 'B' by -2 frames",
                     "Add 6 frame dissolve after 'A'", "Rename track 'V1' to 'Pictures'"]


def test_refused_edit_raises_and_pushes_nothing(project):
    before = project.document.to_json()
    with pytest.raises(PlacementError, match=r"cannot split at frame 10"):
        project.split_clip(_ids(project)["B"], 10)
    assert (project.undo_stack.count(), project.document.to_json(), project.is_clean()) == (0, before, True)


def test_dissolve_longer_than_the_handles_is_refused(project):
    before = project.document.to_json()
    with pytest.raises(PlacementError, match=r"needs 20 frames of clip .A. after its end, and it has 12"):
        project.add_dissolve(_ids(project)["A"], 20, 20)
    assert (project.undo_stack.count(), project.document.to_json()) == (0, before)


def test_moving_several_clips_is_one_undo_step(project):
    ids = _ids(project)
    before = project.document.to_json()
    project.move_clips([ids["A"], ids["B"]], 12)
    assert project.undo_stack.count() == 1
    assert project.undo_stack.text(0) == "Move 2 clips"
    assert [(c.name, c.start_frame) for c in project.document.info().tracks[0].clips] == [("A", 12), ("B", 36)]
    project.undo_stack.undo()
    assert project.document.to_json() == before


def test_a_refused_edit_inside_a_macro_undoes_the_earlier_ones(project):
    ids = _ids(project)
    before = project.document.to_json()
    with pytest.raises(PlacementError):
        with project.macro("Two edits"):
            project.move_clip(ids["A"], 100)
            project.split_clip(ids["B"], 0)
    assert (project.undo_stack.count(), project.document.to_json()) == (0, before)


def test_a_macro_its_undo_and_its_redo_each_update_the_views_once(project):
    ids = _ids(project)
    updates = []
    project.changed.connect(updates.append)
    with project.macro("Two edits"):
        project.slip(ids["A"], 1)
        project.slip(ids["B"], 1)
    project.undo_stack.undo()
    project.undo_stack.redo()
    assert [change.action for change in updates] == ["batch", "batch", "batch"]


def test_signals_report_changes_and_the_clean_state(project, qtbot, tmp_path):
    with qtbot.waitSignal(project.changed), qtbot.waitSignal(project.clean_changed) as clean:
        project.slip(_ids(project)["A"], 1)
    assert clean.args == [False]
    with qtbot.waitSignal(project.clean_changed) as clean:
        project.save_as(tmp_path / "cut.otio")
    assert clean.args == [True]


# ------------------------------------------------------------------------------------------ files

def test_saved_project_reopens_with_the_same_json(project, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    reopened = Project.open(tmp_path / "cut.otio")
    assert reopened.document.to_json() == project.document.to_json()
    assert (reopened.path, reopened.is_clean()) == (tmp_path / "cut.otio", True)


def test_save_without_a_file_asks_for_one(project):
    with pytest.raises(ProjectFileError, match=r"^\(untitled\): the project has no file yet: choose one with Save As$"):
        project.save()


@pytest.mark.parametrize("content", ["", "{", '{"OTIO_SCHEMA": "Clip.99"}', "\x00\x01garbage"])
def test_failed_open_leaves_the_current_project_untouched(project, tmp_path, content):
    project.save_as(tmp_path / "cut.otio")
    project.slip(_ids(project)["A"], 1)
    before = (project.document.to_json(), project.path, project.undo_stack.count(), project.is_clean())
    bad = tmp_path / "bad.otio"
    bad.write_text(content)
    with pytest.raises(ProjectFileError):
        Project.open(bad)
    assert (project.document.to_json(), project.path, project.undo_stack.count(), project.is_clean()) == before


def test_save_as_names_an_untitled_timeline_after_its_file_and_it_follows_the_next_save_as(project, tmp_path):
    project.save_as(tmp_path / "harbour story.otio")
    assert json.loads((tmp_path / "harbour story.otio").read_text())["name"] == "harbour story"
    project.save_as(tmp_path / "harbour story v2.otio")
    assert project.document.name == "harbour story v2"


def test_save_as_keeps_a_sequence_name_given_by_another_tool(qapp, tmp_path):
    edl = tmp_path / "cut.edl"
    edl.write_text("TITLE: Reel 4 conform\n\n001  AX V C 01:00:00:00 01:00:01:00 00:00:00:00 00:00:01:00\n")
    opened = Project.open(edl, rate=25)
    opened.save_as(tmp_path / "conform.otio")
    assert opened.document.name == "Reel 4 conform"
    opened.close()


def test_opening_an_edl_gives_an_unsaved_untitled_project(qapp, tmp_path):
    edl = tmp_path / "cut.edl"
    edl.write_text("TITLE: cut\n\n001  AX V C 01:00:00:00 01:00:01:00 00:00:00:00 00:00:01:00\n")
    opened = Project.open(edl, rate=25)
    assert (opened.path, opened.is_clean(), opened.document.rate) == (None, False, Fraction(25))
    opened.close()


def test_new_project_refuses_bad_settings(qapp):
    with pytest.raises(SettingsError, match=r"^frame size 641x480 is not allowed: use even sizes from 2 to 16384$"):
        Project.new(otio_io.TimelineSettings(641, 480))


def test_new_project_keeps_its_settings_in_the_timeline(qapp):
    settings = otio_io.TimelineSettings(1280, 720, Fraction(25), 44100)
    p = Project.new(settings)
    assert (p.settings, p.document.rate) == (settings, Fraction(25))
    p.close()


# ------------------------------------------------------------------------------------------ autosave

def _slips(project, count: int) -> None:
    a = _ids(project)["A"]
    for n in range(count):
        project.slip(a, 1 if n % 2 == 0 else -1)


def test_twenty_five_edits_then_a_pause_write_the_recovery_file(project, qtbot, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    _slips(project, project_module.AUTOSAVE_EVERY_EDITS)
    assert not recovery_path(tmp_path / "cut.otio").exists()  # not inside the run of edits
    with qtbot.waitSignal(project.autosaved, timeout=project_module.AUTOSAVE_PAUSE_MS + 2000):
        pass
    saved = json.loads(recovery_path(tmp_path / "cut.otio").read_text())
    assert saved == json.loads(otio_io.timeline_to_json(project.document.timeline, tmp_path / "cut.otio"))


def test_each_edit_of_a_run_puts_the_write_off_until_the_pause(project, qtbot, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    _slips(project, project_module.AUTOSAVE_EVERY_EDITS)
    qtbot.wait(project_module.AUTOSAVE_PAUSE_MS // 2)
    _slips(project, 1)
    qtbot.wait(project_module.AUTOSAVE_PAUSE_MS * 3 // 4)
    assert not recovery_path(tmp_path / "cut.otio").exists()
    qtbot.waitUntil(recovery_path(tmp_path / "cut.otio").exists, timeout=2000)


def test_a_hundred_edits_without_a_pause_write_the_recovery_file_at_once(project, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    _slips(project, project_module.AUTOSAVE_AT_MOST_EDITS - 1)
    assert not recovery_path(tmp_path / "cut.otio").exists()
    _slips(project, 1)
    assert recovery_path(tmp_path / "cut.otio").exists()


def test_autosave_timer_writes_the_recovery_file(project, qtbot, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    project.slip(_ids(project)["A"], 1)
    project._autosave_timer.setInterval(10)
    with qtbot.waitSignal(project.autosaved, timeout=project_module.AUTOSAVE_PAUSE_MS + 3000) as written:
        pass
    assert written.args == [str(recovery_path(tmp_path / "cut.otio"))]


def test_the_timers_autosave_waits_for_a_pause_in_editing(project, qtbot, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    project.slip(_ids(project)["A"], 1)
    project._autosave_timer.setInterval(10)
    qtbot.wait(project_module.AUTOSAVE_PAUSE_MS // 2)  # the timer has ticked, an edit ago
    assert not recovery_path(tmp_path / "cut.otio").exists()
    qtbot.waitUntil(recovery_path(tmp_path / "cut.otio").exists, timeout=project_module.AUTOSAVE_PAUSE_MS + 3000)


def test_an_autosave_that_cannot_write_is_said_once_and_never_raises_into_edits(project, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    blocked = recovery_path(tmp_path / "cut.otio")
    blocked.mkdir()  # the recovery file cannot be written where a folder stands, as on a full or read-only disk
    said = []
    project.autosave_failed.connect(said.append)
    _slips(project, 3 * project_module.AUTOSAVE_AT_MOST_EDITS)
    assert len(said) == 1 and said[0].startswith(f"autosave failed: {blocked}: cannot be written")
    assert project.autosave_problem == said[0]


def test_autosave_recovers_once_it_can_write_again(project, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    blocked = recovery_path(tmp_path / "cut.otio")
    blocked.mkdir()
    project.slip(_ids(project)["A"], 1)
    assert project.autosave() is None
    blocked.rmdir()
    assert project.autosave() == blocked and project.autosave_problem is None


def test_clean_project_is_not_autosaved(project, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    assert project.autosave() is None
    assert not recovery_path(tmp_path / "cut.otio").exists()


def test_saving_removes_the_recovery_file(project, tmp_path):
    project.save_as(tmp_path / "cut.otio")
    project.slip(_ids(project)["A"], 1)
    project.autosave()
    project.save()
    assert not recovery_path(tmp_path / "cut.otio").exists()


def _crash_after_unsaved_edit(project, path: Path) -> str:
    project.save_as(path)
    project.slip(_ids(project)["A"], 1)
    project.autosave()
    os.utime(path, ns=(1, 1))  # the file is older than its recovery copy
    return project.document.to_json()


def test_opening_with_a_newer_recovery_file_asks(project, tmp_path):
    path = tmp_path / "cut.otio"
    _crash_after_unsaved_edit(project, path)
    assert Project.recovery_available(path) == recovery_path(path)
    with pytest.raises(RecoveryAvailable) as info:
        Project.open(path)
    assert str(info.value) == f"{path}: an autosaved version newer than the file exists (cut.otio.recovery)"


def test_using_the_recovery_file_restores_the_unsaved_edits(project, tmp_path):
    path = tmp_path / "cut.otio"
    unsaved = _crash_after_unsaved_edit(project, path)
    recovered = Project.open(path, recovery_choice="use")
    assert (recovered.document.to_json(), recovered.path, recovered.is_clean()) == (unsaved, path, False)
    recovered.save()
    assert not recovery_path(path).exists()
    recovered.close()


def test_ignoring_the_recovery_file_opens_the_saved_project(project, tmp_path):
    path = tmp_path / "cut.otio"
    unsaved = _crash_after_unsaved_edit(project, path)
    ignored = Project.open(path, recovery_choice="ignore")
    assert ignored.document.to_json() != unsaved
    assert ignored.is_clean()
    ignored.close()


# ------------------------------------------------------------------------------------------ offline media

def test_relinking_offline_media_is_one_undoable_step(project, qtbot, tmp_path):
    (tmp_path / "A.mp4").unlink()
    assert [m.target_url for m in project.offline_media()] == [str(tmp_path / "A.mp4")]
    found = tmp_path / "found" / "A.mp4"
    found.parent.mkdir()
    found.touch()
    before = project.document.to_json()
    with qtbot.waitSignal(project.offline_media_changed) as reported:
        project.relink(str(tmp_path / "A.mp4"), found)
    assert reported.args == [[]]
    assert project.document.info().clip(_ids(project)["A"]).media_path == str(found)
    assert project.undo_stack.text(0) == f"Relink 'A.mp4' to '{found}'"
    after = project.document.to_json()
    project.undo_stack.undo()
    assert project.document.to_json() == before
    project.undo_stack.redo()
    assert project.document.to_json() == after


def test_relink_by_folder_relinks_every_file_found_as_one_step(project, tmp_path):
    (tmp_path / "A.mp4").unlink()
    (tmp_path / "B.mp4").unlink()
    (tmp_path / "disk" / "day1").mkdir(parents=True)
    for name in ("A.mp4", "B.mp4"):  # the media as it was, moved to another disk
        write_coded_video(tmp_path / "disk" / "day1" / name, frames=48, width=64, height=48)
    report = project.relink_folder(tmp_path / "disk")
    assert report.found == {str(tmp_path / n): str(tmp_path / "disk" / "day1" / n) for n in ("A.mp4", "B.mp4")}
    assert (project.offline_media(), project.undo_stack.count()) == ([], 1)


def test_relink_to_a_missing_file_is_refused(project, tmp_path):
    with pytest.raises(PlacementError, match=r"cannot relink to .*nowhere\.mp4: no such file$"):
        project.relink(str(tmp_path / "A.mp4"), tmp_path / "nowhere.mp4")
    assert project.undo_stack.count() == 0


def test_moving_two_clips_joined_by_a_dissolve_keeps_it_in_one_undo_step(project):
    ids = _ids(project)
    transition = project.add_dissolve(ids["A"], 6, 6)
    before = project.document.to_json()
    project.move_clips([ids["A"], ids["B"]], 30)
    assert [t.id for t in project.document.info().tracks[0].transitions] == [transition]
    assert project.undo_stack.text(project.undo_stack.index() - 1) == "Move 2 clips"
    project.undo_stack.undo()
    assert project.document.to_json() == before
