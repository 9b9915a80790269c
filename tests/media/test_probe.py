"""probe(): facts read from the content and the packet timestamps."""
from fractions import Fraction

import pytest

from seine_editor.media.probe import probe
from seine_editor.media.synthetic import coded_frame, write_coded_video
from seine_editor.media.writer import MediaWriter


def test_bframe_clip_facts_come_from_its_timestamps(bframes_short_gop):
    info = probe(bframes_short_gop)
    assert (info.kind, info.width, info.height, info.fps, info.frame_count) == ("video", 160, 96, Fraction(24), 48)
    assert (info.duration_s, info.variable_frame_rate, info.codec, info.pix_fmt, info.bit_depth) == (
        2.0, False, "h264", "yuv420p", 8)
    assert [(a.codec, a.sample_rate, a.channels, a.layout) for a in info.audio] == [("aac", 44100, 2, "stereo")]


def test_ntsc_rate_is_exact(tmp_path):
    path = write_coded_video(tmp_path / "ntsc.mp4", frames=10, width=64, height=48, fps=Fraction(30000, 1001))
    info = probe(path)
    assert info.fps == Fraction(30000, 1001)
    assert info.frame_count == 10
    assert info.duration_s == pytest.approx(10 * 1001 / 30000)


def test_kind_is_read_from_content_not_the_name(bframes_short_gop, tmp_path):
    disguised = tmp_path / "clip.png"
    disguised.write_bytes(bframes_short_gop.read_bytes())
    assert probe(disguised).kind == "video"


def test_variable_frame_rate_is_detected_from_packet_steps(vfr_clip):
    info = probe(vfr_clip)
    assert info.variable_frame_rate
    assert info.frame_count == 25
    assert info.fps == Fraction(24 * 1000, 1220)  # 24 steps over 1.22 s
    assert info.duration_s == pytest.approx(1.26)  # the last frame lasts its 40 ms packet duration


def test_rotation_swaps_display_size(rotated_clip):
    info = probe(rotated_clip)
    assert (info.rotation, info.coded_width, info.coded_height, info.width, info.height) == (90, 96, 160, 160, 96)


def test_sample_aspect_ratio_widens_display_size(anamorphic_clip):
    info = probe(anamorphic_clip)
    assert (info.sample_aspect, info.coded_width, info.width, info.height) == (Fraction(2), 80, 160, 96)


def test_ten_bit_prores(prores_clip):
    info = probe(prores_clip)
    assert (info.codec, info.pix_fmt, info.bit_depth, info.has_alpha) == ("prores", "yuv422p10le", 10, False)
    assert info.audio[0].codec == "pcm_s16le"


def test_alpha_channel_is_reported(alpha_clip):
    info = probe(alpha_clip)
    assert (info.codec, info.pix_fmt, info.has_alpha, info.frame_count) == ("qtrle", "argb", True, 8)


def test_audio_only_file(audio_only):
    info = probe(audio_only)
    assert (info.kind, info.frame_count, info.fps, info.duration_s) == ("audio", 0, None, 2.0)
    assert (info.audio_rate, info.audio[0].channels, info.audio[0].layout) == (22050, 1, "mono")


@pytest.mark.parametrize("fixture,codec", [("still_png", "png"), ("still_jpeg", "mjpeg")])
def test_still_images(fixture, codec, request):
    info = probe(request.getfixturevalue(fixture))
    assert (info.kind, info.codec, info.width, info.height, info.frame_count, info.fps) == (
        "image", codec, 160, 96, 1, None)


def test_start_timecode_from_the_stream_tags(tmp_path):
    path = tmp_path / "tc.mov"
    with MediaWriter(path, width=64, height=48, fps=25, start_timecode="10:00:00:00") as writer:
        writer.write_frame(coded_frame(0, 64, 48))
    assert probe(path).start_timecode == "10:00:00:00"
