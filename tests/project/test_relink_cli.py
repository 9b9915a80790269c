"""`seine-editor relink`: offline media found under search folders by name, then checked by length; the project is
saved atomically with a backup, and what stays offline is named with the reason."""
from __future__ import annotations

import opentimelineio as otio
import pytest

from seine_editor.cli import main
from seine_editor.media.synthetic import write_coded_video
from seine_editor.timeline import otio_io
from seine_editor.timeline.time import to_range


def clip(name: str, url: str, frames: int = 24) -> otio.schema.Clip:
    return otio.schema.Clip(name, otio.schema.ExternalReference(url, to_range(0, frames, 24)), to_range(0, 12, 24))


@pytest.fixture
def story(tmp_path):
    """Four clips whose media is gone: moved, cut on Windows, lost, and replaced by another take of another length."""
    track = otio.schema.Track("V1")
    track.extend([clip("Moved", str(tmp_path / "old" / "moved.mp4")), clip("Windows", "E:\\shoot\\day1\\win.mp4"),
                  clip("Lost", str(tmp_path / "old" / "lost.mp4")), clip("Retake", str(tmp_path / "old" / "take.mp4"))])
    timeline = otio.schema.Timeline("Story")
    timeline.tracks.append(track)
    path = tmp_path / "story.otio"
    otio_io.save_timeline(timeline, path)
    (tmp_path / "disk1" / "a").mkdir(parents=True)
    (tmp_path / "disk2").mkdir()
    write_coded_video(tmp_path / "disk1" / "a" / "moved.mp4", frames=24)
    write_coded_video(tmp_path / "disk2" / "win.mp4", frames=24)
    write_coded_video(tmp_path / "disk2" / "take.mp4", frames=36)  # 1.5 s: not the 1 s the clip was cut from
    return path


def test_relink_saves_what_it_found_and_names_what_it_did_not(story, tmp_path, capsys):
    disk1, disk2 = tmp_path / "disk1", tmp_path / "disk2"
    assert main(["relink", str(story), "--search", str(disk1), "--search", str(disk2)]) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        f"relinked {tmp_path / 'old' / 'moved.mp4'} -> {disk1 / 'a' / 'moved.mp4'}",
        f"relinked E:\\shoot\\day1\\win.mp4 -> {disk2 / 'win.mp4'}",
        f"not relinked {tmp_path / 'old' / 'take.mp4'}: {disk2 / 'take.mp4'} is not 1.000 s long like the clip's "
        "media",
        f"not found {tmp_path / 'old' / 'lost.mp4'}"]
    assert out.err == "2 relinked, 2 still offline\n"
    reopened = otio_io.read_timeline(story).timeline
    assert [c.media_reference.target_url for c in reopened.find_clips()] == [
        str(disk1 / "a" / "moved.mp4"), str(disk2 / "win.mp4"), str(tmp_path / "old" / "lost.mp4"),
        str(tmp_path / "old" / "take.mp4")]
    assert (tmp_path / "story.otio.1").is_file()  # the project as it was


def test_relink_that_finds_everything_exits_0(story, tmp_path, capsys):
    for name in ("lost.mp4", "take.mp4"):
        write_coded_video(tmp_path / "disk1" / name, frames=24)
    assert main(["relink", str(story), "--search", str(tmp_path / "disk1"), "--search", str(tmp_path / "disk2")]) == 0
    assert capsys.readouterr().err == "4 relinked, 0 still offline\n"
    assert otio_io.offline_media(otio_io.read_timeline(story).timeline) == []


def test_relink_refuses_a_search_folder_that_is_not_there(story, tmp_path, capsys):
    assert main(["relink", str(story), "--search", str(tmp_path / "nowhere")]) == 2
    assert capsys.readouterr().err == f"seine-editor relink: --search {tmp_path / 'nowhere'}: no such folder\n"


def test_relink_refuses_an_interchange_file_it_cannot_save_in_place(tmp_path, capsys):
    edl = tmp_path / "cut.edl"
    edl.write_text("TITLE: cut\n\n001  AX       V     C        00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\n"
                   "* FROM CLIP: /gone/a.mov\n")
    assert main(["relink", str(edl), "--search", str(tmp_path)]) == 2
    assert "relink saves the project in place, so it takes an .otio project" in capsys.readouterr().err
