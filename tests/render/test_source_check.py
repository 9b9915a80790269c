"""Sources that are missing, do not decode, or hold fewer frames than the edit shows are named with the reason and
the render refuses them (unless offline media is allowed); one that goes away during a render fails it, and no file
is left. None of them renders quietly as slates or frozen frames any more."""
from __future__ import annotations

import shutil

import pytest

from seine_editor.errors import ExportError, OfflineMediaError
from seine_editor.render.export import ExportSpec, export

SIZE = (320, 240)


class Quiet:
    def __init__(self, at_frame=None, do=None):
        self.at_frame, self.do = at_frame, do

    def progress(self, done: int, total: int) -> None:
        if done == self.at_frame:
            self.do()

    def cancelled(self) -> bool:
        return False


def truncated(source, target, fraction: float):
    data = source.read_bytes()
    target.write_bytes(data[:int(len(data) * fraction)])
    return target


@pytest.fixture
def cut_short(tmp_path):
    """A 48-frame Matroska clip with its second half gone (Matroska stays readable when cut; MP4 does not)."""
    from seine_editor.media.synthetic import write_coded_video

    whole = write_coded_video(tmp_path / "whole.mkv", frames=48)
    return truncated(whole, tmp_path / "a.mkv", 0.5)


def test_a_source_cut_short_since_it_was_edited_is_refused_naming_what_it_holds(tmp_path, cut_short, tools):
    timeline = tools.timeline([tools.clip("A", cut_short, 0, 46)])
    with pytest.raises(OfflineMediaError) as refused:
        export(ExportSpec(timeline, tmp_path / "out.mp4", size=SIZE), Quiet())
    (reason,) = refused.value.reasons
    assert reason == "damaged: it holds 0.792 s but the edit shows it up to 1.875 s (truncated since it was cut in?)"
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("fraction, reason", [(0.0, "damaged: "), (None, "missing")])
def test_an_empty_or_missing_source_is_refused_with_its_reason(tmp_path, media, tools, fraction, reason):
    path = tmp_path / "a.mp4"
    if fraction is not None:
        truncated(media["a"], path, fraction)
    timeline = tools.timeline([tools.clip("A", path, 0, 4)])
    with pytest.raises(OfflineMediaError, match=r"1 media file\(s\) offline or damaged") as refused:
        export(ExportSpec(timeline, tmp_path / "out.mp4", size=SIZE), Quiet())
    assert refused.value.reasons[0].startswith(reason)


def test_allowing_offline_media_renders_a_damaged_source_all_the_same(tmp_path, cut_short, tools):
    timeline = tools.timeline([tools.clip("A", cut_short, 0, 46)])
    assert export(ExportSpec(timeline, tmp_path / "out.mp4", size=SIZE, allow_offline=True), Quiet()).frames == 46


def test_a_source_that_goes_away_during_the_render_fails_it_and_leaves_no_file(tmp_path, media, tools):
    a = shutil.copy(media["a"], tmp_path / "a.mp4")
    # A, then 57 frames of B (A's reader is closed when idle), then A again: by then A is gone
    timeline = tools.timeline([tools.clip("A", a, 0, 4), tools.clip("B", media["b"], 0, 47),
                               tools.clip("B2", media["b"], 0, 10), tools.clip("A2", a, 10, 4)])
    gone = Quiet(at_frame=2, do=lambda: (tmp_path / "a.mp4").unlink())
    with pytest.raises(ExportError, match=f"out.mp4: not written: {tmp_path / 'a.mp4'} could not be read during "
                                          "the render"):
        export(ExportSpec(timeline, tmp_path / "out.mp4", size=SIZE), gone)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_frame_that_does_not_decode_mid_file_fails_the_render_naming_the_file(tmp_path, capsys):
    """Damaged data inside a file that still opens: the render stops with the reason and writes nothing; with
    --allow-offline the damaged frames are slates and the rest renders."""
    import opentimelineio as otio

    from seine_editor.cli import main
    from seine_editor.media.synthetic import write_coded_video
    from seine_editor.timeline import otio_io
    from seine_editor.timeline.time import to_range

    movie = write_coded_video(tmp_path / "damaged.mkv", frames=48, codec="mjpeg", pix_fmt="yuvj420p", width=64,
                              height=48)
    data = bytearray(movie.read_bytes())
    data[len(data) * 4 // 10:len(data) * 6 // 10] = b"\xff" * (len(data) * 6 // 10 - len(data) * 4 // 10)
    movie.write_bytes(bytes(data))
    timeline = otio.schema.Timeline("damaged")
    timeline.tracks.append(otio.schema.Track("V1"))
    timeline.tracks[0].append(otio.schema.Clip("shot", otio.schema.ExternalReference(str(movie), to_range(0, 48, 24)),
                                               to_range(0, 48, 24)))
    otio_io.write_settings(timeline, otio_io.TimelineSettings(64, 48))
    otio_io.save_timeline(timeline, tmp_path / "damaged.otio")
    out = tmp_path / "out.mp4"
    assert main(["render", str(tmp_path / "damaged.otio"), "-o", str(out)]) == 1
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"seine-editor render: {out}: not written: {movie} could not be read during the render "
                           "(frame ") and last.endswith(" cannot be decoded)")
    assert not out.exists()
    assert main(["render", str(tmp_path / "damaged.otio"), "-o", str(out), "--allow-offline"]) == 0
    assert out.exists()
