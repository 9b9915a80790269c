"""`seine-editor render` and `seine-editor export` from the command line: exit codes and messages."""
from __future__ import annotations

import av
import opentimelineio as otio

from seine_editor.cli import main


def test_render_writes_the_movie_and_shows_progress(project, tmp_path, capsys):
    assert main(["render", str(project), "-o", str(tmp_path / "out.mp4"), "--preset", "draft"]) == 0
    err = capsys.readouterr().err
    assert "12/12 frames" in err and "fps" in err and "ETA" in err
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert container.streams.video[0].frames == 12 and container.streams.video[0].width == 320


def test_render_refuses_offline_media_listing_the_files(tmp_path, tools, media, capsys):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 4), tools.clip("Gone", tmp_path / "gone.mov", 0, 4)])
    otio.adapters.write_to_file(timeline, str(tmp_path / "p.otio"))
    assert main(["render", str(tmp_path / "p.otio"), "-o", str(tmp_path / "out.mp4")]) == 2
    err = capsys.readouterr().err
    assert "1 media file(s) offline" in err and str(tmp_path / "gone.mov") in err and "Traceback" not in err
    assert not (tmp_path / "out.mp4").exists()


def test_render_of_a_missing_project_is_bad_input(tmp_path, capsys):
    assert main(["render", str(tmp_path / "none.otio"), "-o", str(tmp_path / "o.mp4")]) == 2
    assert "none.otio" in capsys.readouterr().err


def test_render_refuses_an_unknown_output_format(project, tmp_path, capsys):
    assert main(["render", str(project), "-o", str(tmp_path / "o.avi")]) == 2
    assert "cannot render to 'avi'" in capsys.readouterr().err


def test_export_writes_an_edl(project, tmp_path):
    assert main(["export", str(project), "-o", str(tmp_path / "story.edl")]) == 0
    back = otio.adapters.read_from_file(str(tmp_path / "story.edl"), rate=24)
    assert [c.name for c in back.find_clips()] == ["A", "B"]


def test_export_refuses_an_unknown_suffix(project, tmp_path, capsys):
    assert main(["export", str(project), "-o", str(tmp_path / "story.doc")]) == 2
    assert "cannot export to .doc" in capsys.readouterr().err


def test_render_of_a_range_outside_the_timeline_is_bad_input(project, tmp_path, capsys):
    assert main(["render", str(project), "-o", str(tmp_path / "o.mp4"), "--in", "20", "--out", "30"]) == 2
    assert "range in=20 out=30 is not inside the timeline: frames 0 to 12" in capsys.readouterr().err
    assert not (tmp_path / "o.mp4").exists()
