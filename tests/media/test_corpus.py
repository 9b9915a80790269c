"""Every real third-party video and photo in ../shared/corpus probes to the facts its MANIFEST.md records,
and reads back the same frames in random order as in sequence."""
import random
from fractions import Fraction

import numpy as np
import pytest

from seine_editor.media.probe import probe
from seine_editor.media.reader import FrameReader

NTSC = Fraction(30000, 1001)
# file: (display width, height, fps, frame count or None where the manifest gives none, codec, pix_fmt,
#        audio (codec, rate, channels) or None), from corpus/MANIFEST.md.
VIDEO_FACTS = {
    "bbb_960x540_60fps_vp8.webm": (960, 540, Fraction(60), None, "vp9", "yuv420p", ("vorbis", 48000, 6)),
    "bear-vp9-odd-dimensions.webm": (161, 121, Fraction(2997, 100), None, "vp9", "yuv420p", None),
    "big_buck_bunny_432_433.webm": (1280, 720, Fraction(24), None, "vp8", "yuv420p", ("vorbis", 44100, 2)),
    "frame_debugger_0h.mov": (1920, 1080, Fraction(24), 120, "h264", "yuv420p", ("aac", 48000, 2)),
    "h265_bframes.mp4": (854, 480, Fraction(30), 30, "hevc", "yuv420p", None),
    "mjpeg_yuvj422p_854x480_24fps_pcm.avi": (854, 480, Fraction(24), 48, "mjpeg", "yuvj422p",
                                             ("pcm_s16le", 44100, 2)),
    "sample.avi": (960, 400, Fraction(24000, 1001), 98, "mpeg4", "yuv420p", ("mp3", 48000, 2)),
    "sample.mp4": (1080, 720, NTSC, 30, "h264", "yuv420p", ("aac", 44100, 1)),
    "sample_av1.mp4": (1080, 720, NTSC, 30, "av1", "yuv420p", ("aac", 44100, 1)),
    "sample_portrait.mp4": (720, 1080, NTSC, 30, "h264", "yuv420p", ("aac", 44100, 1)),
    "sample_with_increasing_timestamps_320w_240h_5s.mp4": (320, 240, Fraction(60), 300, "h264", "yuvj420p",
                                                           ("aac", 48000, 2)),
    "sowt-with-video.mov": (1920, 1080, Fraction(50), 100, "h264", "yuv420p", ("pcm_s16le", 48000, 2)),
    # 180x144 stored with SAR 16:15: shown 192 wide.
    "test.prores.mov": (192, 144, Fraction(48000, 1001), 40, "prores", "yuv422p10le", ("aac", 48000, 2)),
    "trim-buck-bunny.webm": (320, 180, Fraction(24), None, "vp9", "yuv420p", ("opus", 48000, 2)),
    "video.mp4": (1920, 1080, Fraction(25), 125, "h264", "yuvj420p", ("aac", 48000, 2)),
}
# file: (display width, height, clockwise rotation, codec) — EXIF Orientation 6 is 90 CW, 8 is 270 CW.
PHOTO_FACTS = {
    "Landscape_6.jpg": (1800, 1200, 90, "mjpeg"),
    "Portrait_8.jpg": (1200, 1800, 270, "mjpeg"),
    "london-512.jpg": (512, 384, 0, "mjpeg"),
    "london.jpg": (1020, 768, 0, "mjpeg"),
}


@pytest.mark.parametrize("name", sorted(VIDEO_FACTS))
def test_corpus_video_probes_to_its_manifest_facts(name, corpus):
    width, height, fps, frames, codec, pix_fmt, audio = VIDEO_FACTS[name]
    info = probe(corpus("video/" + name))
    assert (info.kind, info.width, info.height, info.fps, info.codec, info.pix_fmt) == (
        "video", width, height, fps, codec, pix_fmt)
    assert not info.variable_frame_rate
    if frames is not None:
        assert info.frame_count == frames
    assert info.duration_s == pytest.approx(info.frame_count / float(fps), abs=1e-6)
    first_audio = info.audio[0] if info.audio else None
    assert (None if first_audio is None else (first_audio.codec, first_audio.sample_rate, first_audio.channels)) \
        == audio


def test_quicktime_timecode_track_gives_the_start_timecode(corpus):
    assert probe(corpus("video/frame_debugger_0h.mov")).start_timecode == "00:00:00:00"


@pytest.mark.parametrize("name", sorted(PHOTO_FACTS))
def test_corpus_photo_probes_upright(name, corpus):
    width, height, rotation, codec = PHOTO_FACTS[name]
    info = probe(corpus("images/photos/" + name))
    assert (info.kind, info.width, info.height, info.rotation, info.codec) == ("image", width, height, rotation,
                                                                               codec)


@pytest.mark.parametrize("name", ["Landscape_6.jpg", "Portrait_8.jpg"])
def test_exif_rotated_photo_reads_upright(name, corpus):
    with FrameReader(corpus("images/photos/" + name)) as reader:
        frame = reader.frame(0, size=(reader.info.width // 10, reader.info.height // 10))
    assert frame.shape[:2] == (reader.info.height // 10, reader.info.width // 10)


@pytest.mark.parametrize("name", ["h265_bframes.mp4", "sample.avi", "test.prores.mov", "trim-buck-bunny.webm",
                                  "sample_av1.mp4"])
def test_corpus_random_reads_equal_sequential_reads(name, corpus):
    path = corpus("video/" + name)
    with FrameReader(path) as reader:
        size = (96, round(96 * reader.info.height / reader.info.width))
        sequential = [frame.copy() for frame in reader.frames(size=size)]
    order = list(range(len(sequential)))
    random.Random(5).shuffle(order)
    with FrameReader(path, cache_bytes=0) as reader:
        for index in order[:20]:
            assert np.array_equal(reader.frame(index, size=size), sequential[index]), f"{name} frame {index}"

