"""Relinking offline media in the window: File → Relink offline media… and the offline clip's own menu, with the
same search the `relink` command uses, as one undo step."""
from __future__ import annotations

import shutil

from PySide6 import QtWidgets

from seine_editor.widgets import menus


def offline_clip(window, infos, tmp_path):
    """A clip whose file was moved to tmp_path/disk/day1 after it was cut in."""
    moved = tmp_path / "shot_a.mp4"
    shutil.copy(infos["a"].path, moved)
    window.project.add_clip(str(moved), window.project.document.track_ids("video")[0], 0, duration_frames=12)
    (tmp_path / "disk" / "day1").mkdir(parents=True)
    shutil.move(moved, tmp_path / "disk" / "day1" / "shot_a.mp4")
    return str(moved)


def test_relink_from_the_file_menu_finds_the_moved_file_and_undoes_in_one_step(window, infos, tmp_path,
                                                                             monkeypatch):
    old = offline_clip(window, infos, tmp_path)
    assert [m.target_url for m in window.project.offline_media()] == [old]
    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path / "disk"))
    steps = window.project.undo_stack.count()
    window.actions_by_key["relink"].trigger()
    assert window.project.offline_media() == []
    assert window.statusBar().currentMessage() == "Relinked 1 file(s); nothing is offline"
    assert window.project.undo_stack.count() == steps + 1
    window.project.undo_stack.undo()
    assert [m.target_url for m in window.project.offline_media()] == [old]


def test_an_offline_clips_menu_offers_relinking(window, infos, tmp_path):
    offline_clip(window, infos, tmp_path)
    clip = window.project.info().clips()[0]
    assert window.actions_by_key["relink"] in menus.clip_menu(window, clip.id, None).actions()


def test_an_online_clips_menu_does_not(window, infos):
    window.project.add_clip(infos["a"], window.project.document.track_ids("video")[0], 0, duration_frames=12)
    clip = window.project.info().clips()[0]
    assert window.actions_by_key["relink"] not in menus.clip_menu(window, clip.id, None).actions()


def test_with_nothing_offline_no_folder_is_asked_for(window, monkeypatch):
    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory",
                        lambda *a, **k: (_ for _ in ()).throw(AssertionError("asked for a folder")))
    window.actions_by_key["relink"].trigger()
    assert window.statusBar().currentMessage() == "No media is offline"
