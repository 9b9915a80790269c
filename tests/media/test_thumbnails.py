"""Thumbnails keep the picture and its aspect; filmstrips spread evenly; waveforms follow the audio."""
import numpy as np

from seine_editor.media.reader import FrameReader
from seine_editor.media.synthetic import read_frame_index
from seine_editor.media.thumbnails import filmstrip, thumbnail, waveform_peaks


def test_thumbnail_keeps_display_aspect_and_frame(anamorphic_clip):
    with FrameReader(anamorphic_clip) as reader:
        small = thumbnail(reader, 5, width=80)
    assert small.shape == (48, 80, 3)
    assert read_frame_index(small) == 5


def test_thumbnail_of_a_rotated_clip_is_upright(rotated_clip):
    with FrameReader(rotated_clip) as reader:
        small = thumbnail(reader, 11, width=64)
    assert small.shape == (38, 64, 3)
    assert read_frame_index(small) == 11


def test_filmstrip_spreads_from_first_to_last_frame(bframes_short_gop):
    with FrameReader(bframes_short_gop) as reader:
        strip = filmstrip(reader, 4, width=64)
    assert [read_frame_index(t) for t in strip] == [0, 16, 31, 47]


def test_filmstrip_of_a_still_repeats_it(still_png):
    with FrameReader(still_png) as reader:
        assert [read_frame_index(t) for t in filmstrip(reader, 3, width=80)] == [77, 77, 77]


def test_waveform_peaks_follow_the_tone_and_the_silence_after_it(audio_only):
    peaks = waveform_peaks(audio_only, 4, duration_s=4.0)
    assert peaks.shape == (4, 2)
    assert np.allclose(peaks[:2], [[-0.25, 0.25]] * 2, atol=0.02)
    assert not peaks[2:].any()
