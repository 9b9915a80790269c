"""read_audio: exact sample counts, resampled to the project's rate and layout, silence past the end."""
import numpy as np
import pytest

from seine_editor.errors import MediaError
from seine_editor.media.audio import AudioReader, AudioReaderPool, read_audio


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


def test_a_negative_start_names_the_span_and_what_is_allowed(audio_only):
    with pytest.raises(MediaError, match=r"tone\.wav: audio span -0\.5 s \+ 1 s at 48000 Hz is not valid; "
                                         r"times must be >= 0"):
        read_audio(audio_only, -0.5, 1, rate=48000)


# ---------------------------------------------------------------------------------------- AudioReader
def count_restarts(monkeypatch) -> list:
    """Record every seek-and-restart an AudioReader makes."""
    calls: list[int] = []
    original = AudioReader._restart

    def spy(self, start):
        calls.append(start)
        original(self, start)

    monkeypatch.setattr(AudioReader, "_restart", spy)
    return calls


def test_forward_reads_decode_on_without_seeking_and_equal_one_read(audio_only, monkeypatch):
    restarts = count_restarts(monkeypatch)
    with AudioReader(audio_only, rate=48000, channels=1) as reader:
        blocks = [reader.read(start, 2000) for start in range(0, 80000, 2000)]
    assert restarts == []
    assert np.array_equal(np.concatenate(blocks, axis=1), read_audio(audio_only, 0, 80000 / 48000, rate=48000,
                                                                     channels=1))


def test_a_read_behind_the_decoder_seeks_once_and_gives_the_same_samples(audio_only, monkeypatch):
    restarts = count_restarts(monkeypatch)
    with AudioReader(audio_only, rate=22050, channels=1) as reader:
        late = reader.read(30000, 4000)
        early = reader.read(15000, 4000)
    assert restarts == [30000, 15000]  # the first read is far into the file too
    assert tone_phase_error(early[0], 22050, 15000 / 22050) < 0.01
    assert tone_phase_error(late[0], 22050, 30000 / 22050) < 0.01


def test_a_read_far_ahead_seeks_instead_of_decoding_through(audio_only, monkeypatch):
    restarts = count_restarts(monkeypatch)
    with AudioReader(audio_only, rate=22050, channels=1) as reader:
        reader.read(0, 1000)
        far = reader.read(40000, 2000)
    assert restarts == [40000]
    assert tone_phase_error(far[0], 22050, 40000 / 22050) < 0.01


def test_reads_past_the_end_are_silence_of_the_asked_length(audio_only):
    with AudioReader(audio_only, rate=22050, channels=2) as reader:
        tail = reader.read(44000, 1000)  # the file holds 44100 samples
        beyond = reader.read(50000, 500)
    assert tail.shape == (2, 1000) and np.abs(tail[:, :50]).max() > 0.05 and not tail[:, 200:].any()
    assert beyond.shape == (2, 500) and not beyond.any()


def test_pool_keeps_one_reader_per_place_a_file_is_heard(audio_only, monkeypatch):
    """A dissolve between two parts of one file reads both parts chunk by chunk without seeking each time."""
    restarts = count_restarts(monkeypatch)
    pool = AudioReaderPool()
    try:
        for step in range(0, 8000, 1000):
            first = pool(str(audio_only), step, 1000, 22050, 1)
            second = pool(str(audio_only), 30000 + step, 1000, 22050, 1)
    finally:
        pool.close()
    assert restarts == [30000]  # the second place got a reader of its own, which seeked there once
    assert tone_phase_error(first[0], 22050, 7000 / 22050) < 0.01
    assert tone_phase_error(second[0], 22050, 37000 / 22050) < 0.01


def test_pool_gives_none_for_missing_files_and_files_without_sound(tmp_path, bframes_long_gop):
    pool = AudioReaderPool()
    assert pool(str(tmp_path / "gone.wav"), 0, 100, 48000, 2) is None
    assert pool(str(bframes_long_gop), 0, 100, 48000, 2) is None
    pool.close()


def test_a_stream_that_is_not_audio_is_named(bframes_short_gop):
    with pytest.raises(MediaError, match=r"bframes_gop12\.mp4: stream 0 is not an audio stream; the audio streams "
                                         r"are 1"):
        read_audio(bframes_short_gop, 0, 0.1, rate=48000, stream_index=0)


@pytest.mark.parametrize("speed", [0.25, 0.5, 2.0, 3.0])
def test_time_stretch_plays_faster_or_slower_at_the_same_pitch(speed):
    from seine_editor.media.audio import time_stretch

    rate = 48000
    tone = (0.25 * np.sin(2 * np.pi * 1000 * np.arange(2 * rate) / rate)).astype(np.float32)[None, :]
    stretched = time_stretch(tone, rate, speed)[0]
    assert len(stretched) == round(2 * rate / speed)
    assert np.abs(stretched[-4800:]).max() > 0.2  # sound to the end, nothing held back
    spectrum = np.abs(np.fft.rfft(stretched * np.hanning(len(stretched))))
    assert abs(np.fft.rfftfreq(len(stretched), 1 / rate)[np.argmax(spectrum)] - 1000) <= 5


def test_time_stretch_refuses_a_speed_of_zero():
    from seine_editor.media.audio import time_stretch

    with pytest.raises(ValueError, match="time stretch needs a positive speed and 1 or 2 channels, got ×0"):
        time_stretch(np.zeros((2, 100), np.float32), 48000, 0)
