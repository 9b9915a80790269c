"""export(): what lands on disk, decoded back with PyAV."""
from __future__ import annotations

from pathlib import Path

import av
import pytest

from seine_editor.errors import ExportError, OfflineMediaError
from seine_editor.media.synthetic import read_frame_index
from seine_editor.render.export import ExportSpec, export

SIZE = (320, 240)


class Recorder:
    """An ExportContext that records progress and cancels after ``cancel_after`` frames."""

    def __init__(self, cancel_after: int | None = None):
        self.updates: list[tuple[int, int]] = []
        self.cancel_after = cancel_after

    def progress(self, done: int, total: int) -> None:
        self.updates.append((done, total))

    def cancelled(self) -> bool:
        return self.cancel_after is not None and len(self.updates) >= self.cancel_after


def _cut(tools, media):
    return tools.timeline([tools.clip("A", media["a"], 10, 20), tools.dissolve(4, 4), tools.clip("B", media["b"], 8, 20)])


def _decoded(path: Path):
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        indexes = [read_frame_index(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]
        audio = container.streams.audio[0] if container.streams.audio else None
        audio_s = float(audio.duration * audio.time_base) if audio is not None else None
        return indexes, video.codec_context.name, audio_s, (audio.codec_context.name if audio else None)


def test_mp4_has_the_timelines_frames_and_sound_of_the_same_length(tmp_path, media, tools):
    ctx = Recorder()
    result = export(ExportSpec(_cut(tools, media), tmp_path / "cut.mp4", size=SIZE), ctx)
    indexes, codec, audio_s, audio_codec = _decoded(tmp_path / "cut.mp4")
    assert result.frames == 40 and not result.cancelled and result.path == tmp_path / "cut.mp4"
    assert (codec, audio_codec) == ("h264", "aac")
    assert indexes[:20] == list(range(10, 30)) and indexes[24:] == list(range(1012, 1028))
    assert len(indexes) == 40
    assert abs(audio_s - 40 / 24) <= 1 / 24
    assert ctx.updates[-1] == (40, 40) and len(ctx.updates) == 40


def test_range_exports_only_the_frames_asked_for(tmp_path, media, tools):
    export(ExportSpec(_cut(tools, media), tmp_path / "part.mp4", size=SIZE, in_frame=25, out_frame=31), Recorder())
    indexes, *_ = _decoded(tmp_path / "part.mp4")
    assert indexes == list(range(1013, 1019))


def test_mov_is_prores_with_pcm_sound(tmp_path, media, tools):
    export(ExportSpec(_cut(tools, media), tmp_path / "cut.mov", size=SIZE, out_frame=8), Recorder())
    indexes, codec, audio_s, audio_codec = _decoded(tmp_path / "cut.mov")
    assert (codec, audio_codec) == ("prores", "pcm_s16le")
    assert indexes == list(range(10, 18)) and abs(audio_s - 8 / 24) <= 1 / 24


def test_png_sequence_holds_one_exact_file_per_frame(tmp_path, media, tools):
    export(ExportSpec(_cut(tools, media), tmp_path / "frames", size=SIZE, in_frame=18, out_frame=26), Recorder())
    files = sorted((tmp_path / "frames").iterdir())
    assert [f.name for f in files][:2] == ["frame_000000.png", "frame_000001.png"] and len(files) == 8
    with av.open(str(files[-1])) as container:
        assert read_frame_index(next(container.decode(video=0)).to_ndarray(format="rgb24")) == 1013


def test_cancelled_export_leaves_no_file_and_keeps_an_earlier_one(tmp_path, media, tools):
    target = tmp_path / "cut.mp4"
    target.write_bytes(b"an earlier render")
    result = export(ExportSpec(_cut(tools, media), target, size=SIZE), Recorder(cancel_after=5))
    assert result.cancelled and result.path is None and result.frames == 5
    assert target.read_bytes() == b"an earlier render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.mp4"]


def test_offline_media_is_refused_with_the_list_of_files(tmp_path, media, tools):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 5), tools.clip("Gone", tmp_path / "gone.mov", 0, 5)])
    with pytest.raises(OfflineMediaError) as refused:
        export(ExportSpec(timeline, tmp_path / "out.mp4", size=SIZE), Recorder())
    assert refused.value.paths == [str(tmp_path / "gone.mov")]
    assert not (tmp_path / "out.mp4").exists()


def test_allow_offline_renders_the_slate(tmp_path, media, tools):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 3), tools.clip("Gone", tmp_path / "gone.mov", 0, 3)])
    export(ExportSpec(timeline, tmp_path / "out.mp4", size=SIZE, allow_offline=True), Recorder())
    with av.open(str(tmp_path / "out.mp4")) as container:
        last = list(container.decode(video=0))[-1].to_ndarray(format="rgb24")
    assert abs(int(last[5, 5, 0]) - 120) < 10 and last[5, 5, 2] < 50  # the dark red slate, not black


@pytest.mark.parametrize("spec_change, message", [
    ({"in_frame": 30, "out_frame": 30}, "range in=30 out=30 is not inside the timeline: frames 0 to 40"),
    ({"out_frame": 41}, "range in=0 out=41 is not inside the timeline"),
    ({"preset": "insane"}, "preset 'insane' is not one of draft, standard, high"),
    ({"size": (321, 240)}, "output size 321x240 is not allowed"),
])
def test_bad_settings_are_refused_with_the_value(tmp_path, media, tools, spec_change, message):
    spec = ExportSpec(_cut(tools, media), tmp_path / "out.mp4", size=SIZE)
    for key, value in spec_change.items():
        setattr(spec, key, value)
    with pytest.raises(ExportError, match=message.replace("(", r"\(")):
        export(spec, Recorder())
    assert list(tmp_path.iterdir()) == []


def test_unknown_output_format_is_refused(tmp_path, media, tools):
    with pytest.raises(ExportError, match=r"cannot render to 'avi'; use .mp4"):
        export(ExportSpec(_cut(tools, media), tmp_path / "out.avi", size=SIZE), Recorder())


def test_empty_timeline_is_refused(tmp_path, tools):
    with pytest.raises(ExportError, match="the timeline is empty"):
        export(ExportSpec(tools.timeline([]), tmp_path / "out.mp4", size=SIZE), Recorder())


def test_plain_cuts_go_to_the_encoder_as_decoded_and_dissolves_as_composited(tmp_path, media, tools, monkeypatch):
    """Frames 0..15 and 24..39 are single source frames at the output size: no RGB round trip for them."""
    from seine_editor.media.writer import MediaWriter

    paths = []
    for name in ("write_frame", "write_decoded"):
        original = getattr(MediaWriter, name)
        monkeypatch.setattr(MediaWriter, name, lambda self, frame, _n=name, _o=original:
                            paths.append(_n) or _o(self, frame))
    export(ExportSpec(_cut(tools, media), tmp_path / "cut.mp4", size=SIZE), Recorder())
    assert paths == ["write_decoded"] * 16 + ["write_frame"] * 8 + ["write_decoded"] * 16
    indexes, *_ = _decoded(tmp_path / "cut.mp4")
    assert indexes[:16] == list(range(10, 26)) and indexes[24:] == list(range(1012, 1028))


def test_a_picture_that_must_be_scaled_is_composited(tmp_path, media, tools, monkeypatch):
    from seine_editor.media.writer import MediaWriter

    monkeypatch.setattr(MediaWriter, "write_decoded", lambda self, frame: pytest.fail("a 320x240 source in 640x480"))
    export(ExportSpec(_cut(tools, media), tmp_path / "big.mp4", size=(640, 480), in_frame=0, out_frame=6),
           Recorder())
    indexes, *_ = _decoded(tmp_path / "big.mp4")
    assert indexes == list(range(10, 16))
