"""MediaWriter: round trips, presets, metadata, atomic placement and clear errors."""
from fractions import Fraction

import av
import numpy as np
import pytest

from seine_editor.errors import MediaError
from seine_editor.media.probe import probe
from seine_editor.media.reader import FrameReader
from seine_editor.media.synthetic import coded_frame, read_frame_index
from seine_editor.media.writer import MediaWriter

W, H = 128, 72


def write_clip(path, frames=12, **options):
    with MediaWriter(path, width=W, height=H, fps=options.pop("fps", Fraction(24)), **options) as writer:
        for index in range(frames):
            writer.write_frame(coded_frame(index, W, H))
    return path


@pytest.mark.parametrize("preset", ["draft", "standard", "high"])
def test_h264_round_trip_keeps_every_frame(preset, tmp_path):
    path = write_clip(tmp_path / f"{preset}.mp4", preset=preset)
    with FrameReader(path) as reader:
        assert [read_frame_index(f) for f in reader.frames()] == list(range(12))
    info = probe(path)
    assert (info.fps, info.frame_count, info.codec, info.pix_fmt) == (Fraction(24), 12, "h264", "yuv420p")


def test_prores_is_422_hq_ten_bit_with_pcm_audio(tmp_path):
    path = tmp_path / "master.mov"
    with MediaWriter(path, width=W, height=H, fps=Fraction(25), codec="prores", audio_rate=48000) as writer:
        for index in range(5):
            writer.write_frame(coded_frame(index, W, H))
        writer.write_audio(np.zeros((2, 9600), np.float32))
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.codec_context.profile, video.codec_context.pix_fmt) == (
            "prores", "HQ", "yuv422p10le")
        assert (audio.codec_context.name, audio.codec_context.sample_rate) == ("pcm_s16le", 48000)


def test_metadata_tags_and_start_timecode_are_readable(tmp_path):
    path = write_clip(tmp_path / "tagged.mov", metadata={"title": "Scene 4", "seine_project": "demo.seine"},
                      start_timecode="01:00:10:00")
    with av.open(str(path)) as container:
        assert container.metadata["title"] == "Scene 4"
        assert container.metadata["seine_project"] == "demo.seine"
    assert probe(path).start_timecode == "01:00:10:00"


def test_audio_is_written_with_the_video(tmp_path):
    path = tmp_path / "with_audio.mp4"
    with MediaWriter(path, width=W, height=H, fps=24, audio_rate=48000) as writer:
        for index in range(24):
            writer.write_frame(coded_frame(index, W, H))
        for _ in range(10):
            writer.write_audio(np.full((2, 4800), 0.25, np.float32))
    info = probe(path)
    assert (info.audio_rate, info.audio[0].channels, info.audio[0].codec) == (48000, 2, "aac")
    assert info.audio[0].duration_s == pytest.approx(1.0, abs=0.03)


def test_png_sequence_writes_one_numbered_file_per_frame(tmp_path):
    folder = write_clip(tmp_path / "shots", frames=3, codec="png")
    assert sorted(p.name for p in folder.iterdir()) == ["frame_000000.png", "frame_000001.png", "frame_000002.png"]
    with FrameReader(folder / "frame_000002.png") as reader:
        assert np.array_equal(reader[0], coded_frame(2, W, H))


def test_abort_removes_the_temp_file_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "render.mp4"
    target.write_bytes(b"previous render")
    writer = MediaWriter(target, width=W, height=H, fps=24)
    writer.write_frame(coded_frame(0, W, H))
    writer.abort()
    assert target.read_bytes() == b"previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["render.mp4"]


def test_an_exception_inside_the_with_block_aborts(tmp_path):
    with pytest.raises(RuntimeError):
        with MediaWriter(tmp_path / "x.mp4", width=W, height=H, fps=24) as writer:
            writer.write_frame(coded_frame(0, W, H))
            raise RuntimeError("render failed")
    assert list(tmp_path.iterdir()) == []


def test_nothing_appears_until_close(tmp_path):
    target = tmp_path / "late.mp4"
    writer = MediaWriter(target, width=W, height=H, fps=24)
    writer.write_frame(coded_frame(0, W, H))
    assert not target.exists()
    writer.close()
    assert probe(target).frame_count == 1


def test_odd_size_for_yuv420p_is_a_clear_error(tmp_path):
    with pytest.raises(MediaError, match=r"odd\.mp4: frame size 161x121 is odd, but yuv420p needs an even "
                                         r"width and height"):
        MediaWriter(tmp_path / "odd.mp4", width=161, height=121, fps=24)


def test_wrong_frame_shape_names_the_frame_and_the_expected_shape(tmp_path):
    with MediaWriter(tmp_path / "shape.mp4", width=W, height=H, fps=24) as writer:
        writer.write_frame(coded_frame(0, W, H))
        with pytest.raises(MediaError, match=r"frame 1 is uint8 \(10, 10, 3\); expected uint8 or uint16 "
                                             r"\(72, 128, 3 or 4\)"):
            writer.write_frame(np.zeros((10, 10, 3), np.uint8))


def test_wrong_container_for_the_codec(tmp_path):
    with pytest.raises(MediaError, match=r"clip\.mp4: prores is written to \.mov, \.mkv, not \.mp4"):
        MediaWriter(tmp_path / "clip.mp4", width=W, height=H, fps=24, codec="prores")


def test_unknown_codec_and_preset_are_named(tmp_path):
    with pytest.raises(MediaError, match="codec 'theora' is not one of h264, prores, mjpeg, png"):
        MediaWriter(tmp_path / "a.mp4", width=W, height=H, fps=24, codec="theora")
    with pytest.raises(MediaError, match="H.264 preset 'best' is not one of draft, standard, high"):
        MediaWriter(tmp_path / "a.mp4", width=W, height=H, fps=24, preset="best")


def test_closing_without_frames_saves_nothing(tmp_path):
    writer = MediaWriter(tmp_path / "empty.mp4", width=W, height=H, fps=24)
    with pytest.raises(MediaError, match="no frames were written; nothing was saved"):
        writer.close()
    assert list(tmp_path.iterdir()) == []


def test_decoded_frames_of_the_same_size_and_format_are_encoded_as_they_are(tmp_path):
    source = write_clip(tmp_path / "source.mp4", preset="high")
    with FrameReader(source) as reader, MediaWriter(tmp_path / "copy.mp4", width=W, height=H, fps=24) as writer:
        for index in range(12):
            decoded = reader.decoded_frame(index)
            assert writer.accepts_decoded(decoded)
            writer.write_decoded(decoded)
    with FrameReader(tmp_path / "copy.mp4") as copy, FrameReader(source) as original:
        for index in range(12):
            assert read_frame_index(copy.frame(index)) == index
            assert np.abs(copy.frame(index).astype(int) - original.frame(index).astype(int)).mean() < 1.5


def test_decoded_frames_of_another_size_or_format_are_refused_by_name(tmp_path):
    source = write_clip(tmp_path / "source.mov", codec="prores")  # yuv422p10le
    with FrameReader(source) as reader, MediaWriter(tmp_path / "out.mp4", width=W, height=H, fps=24) as writer, \
            MediaWriter(tmp_path / "big.mp4", width=W * 2, height=H, fps=24) as wide:
        decoded = reader.decoded_frame(0)
        assert not writer.accepts_decoded(decoded)
        with pytest.raises(MediaError, match=r"out\.mp4: frame 0 is yuv422p10le 128x72; this file takes yuv420p"):
            writer.write_decoded(decoded)
        writer.write_frame(reader.frame(0))  # the RGB path converts it
        wide.write_frame(np.zeros((H, W * 2, 3), np.uint8))
        with FrameReader(write_clip(tmp_path / "h264.mp4")) as h264:
            assert not wide.accepts_decoded(h264.decoded_frame(0))


def test_an_mp4_has_its_index_before_its_media_so_a_browser_can_start_playing(tmp_path):
    path = tmp_path / "web.mp4"
    with MediaWriter(path, width=64, height=48, fps=Fraction(24)) as writer:
        for index in range(4):
            writer.write_frame(coded_frame(index, 64, 48))
    data = path.read_bytes()
    assert 0 < data.index(b"moov") < data.index(b"mdat")


@pytest.mark.parametrize("height, matrix", [(240, "smpte170m"), (720, "bt709")])
def test_output_is_tagged_bt709_primaries_and_transfer_and_the_matrix_it_is_encoded_in(tmp_path, height, matrix):
    path = tmp_path / "out.mp4"
    with MediaWriter(path, width=height * 4 // 3, height=height, fps=Fraction(24)) as writer:
        writer.write_frame(coded_frame(0, height * 4 // 3, height))
    info = probe(path)
    assert (info.primaries, info.transfer, info.matrix, info.colour_range) == ("bt709", "bt709", matrix, "limited")
