"""read_audio: exact sample counts, resampled to the project's rate and layout, silence past the end."""
import numpy as np
import pytest

from seine_editor.errors import MediaError
from seine_editor.media.audio import read_audio


def tone_phase_error(samples: np.ndarray, rate: int, start_s: float, hz: float = 1000.0, amplitude=0.25) -> float:
    """Largest difference from the 1 kHz tone the fixture holds, sampled at ``rate`` from ``start_s``."""
    t = start_s + np.arange(samples.shape[-1]) / rate
    return float(np.abs(samples - amplitude * np.sin(2 * np.pi * hz * t)).max())


def test_exact_sample_count_at_the_asked_rate(audio_only):
    audio = read_audio(audio_only, 0.25, 0.5, rate=48000, channels=2)
    assert audio.shape == (2, 24000) and audio.dtype == np.float32


def test_resampled_tone_lines_up_with_the_source_time(audio_only):
    audio = read_audio(audio_only, 1.1, 0.3, rate=48000, channels=1)
    # Skip the resampler's filter edges; the middle must be the same tone at the same phase.
    assert tone_phase_error(audio[0, 200:-200], 48000, 1.1 + 200 / 48000) < 0.01


def test_mono_source_fills_both_stereo_channels(audio_only):
    audio = read_audio(audio_only, 0.5, 0.1, rate=22050, channels=2)
    assert np.allclose(audio[0], audio[1])
    assert np.abs(audio).max() > 0.1


def test_past_the_end_is_silence(audio_only):
    audio = read_audio(audio_only, 1.9, 0.2, rate=22050, channels=1)
    assert audio.shape == (1, 4410)
    assert np.abs(audio[0, :2000]).max() > 0.1
    assert not audio[0, 2300:].any()


def test_compressed_audio_in_a_video_file(bframes_short_gop):
    audio = read_audio(bframes_short_gop, 1.0, 0.5, rate=48000, channels=2)
    assert audio.shape == (2, 24000)
    assert 0.4 < np.abs(audio).max() < 0.6  # the fixture's 0.5 amplitude tone


def test_video_without_audio_gives_silence(bframes_long_gop):
    assert not read_audio(bframes_long_gop, 0, 0.1, rate=48000).any()


def test_unsupported_channel_count_names_the_value(audio_only):
    with pytest.raises(MediaError, match=r"tone\.wav: 6 audio channels asked for; 1 \(mono\) or 2 \(stereo\)"):
        read_audio(audio_only, 0, 1, rate=48000, channels=6)
