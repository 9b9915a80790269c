"""Sound in the viewer: the feed carries exactly the mix of the played frames (read where it leaves for the
device), the picture follows the audio clock, and a machine without sound still plays the picture."""
from fractions import Fraction

import numpy as np
import pytest
from PySide6 import QtMultimedia

from seine_editor.media.synthetic import write_coded_video
from seine_editor.widgets.audio_playback import NO_DEVICE_NOTE, AudioFeed, interleave_int16

RATE, TONE_HZ, FRAMES = 48000, 375.0, 24
SAMPLES_PER_FRAME = RATE // 24


@pytest.fixture(scope="module")
def toned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toned")
    return str(write_coded_video(folder / "tone.mp4", frames=FRAMES, width=160, height=120, fps=Fraction(24),
                                 gop=6, bframes=0, audio_rate=RATE, tone_hz=TONE_HZ))


@pytest.fixture
def scored(window, toned):
    window.project.add_clip(toned, window.project.document.track_ids("video")[0], 0)
    return window


def mixer_of(window):
    from seine_editor.widgets.main_window import _audio_mixer

    return lambda: _audio_mixer(window.project.document.render_snapshot(), RATE)


def drain(feed: AudioFeed, qtbot) -> bytes:
    out = bytearray()
    qtbot.waitUntil(lambda: out.extend(feed.read(1 << 20)) or feed.exhausted, timeout=10000)
    return bytes(out)


class RecordingOutput:
    """A device whose playing the test drives: it holds `capacity` bytes and plays only when told to."""

    def __init__(self, capacity: int = 19200):
        self.capacity, self.received, self.played = capacity, bytearray(), 0
        self.closed = False

    def bytes_free(self) -> int:
        return self.capacity - (len(self.received) - self.played)

    def write(self, data: bytes) -> int:
        self.received += data
        return len(data)

    def play(self, seconds: float) -> None:
        self.played = min(len(self.received), self.played + int(seconds * RATE) * 4)

    def played_usecs(self) -> int:
        return self.played // 4 * 1_000_000 // RATE

    def failed(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


def test_the_feed_of_frames_6_to_18_is_their_samples_of_the_tone_in_phase(scored, qtbot):
    data = drain(AudioFeed(mixer_of(scored), 6, 18, channels=2), qtbot)
    samples = np.frombuffer(data, "<i2").reshape(-1, 2).astype(np.float64) / 32767
    assert samples.shape == (12 * SAMPLES_PER_FRAME, 2)
    assert np.array_equal(samples[:, 0], samples[:, 1])
    first = 6 * SAMPLES_PER_FRAME
    expected = 0.5 * np.sin(2 * np.pi * TONE_HZ * (first + np.arange(len(samples))) / RATE)
    inner = slice(500, -500)  # clear of the fades at the clip's ends
    assert np.corrcoef(samples[inner, 0], expected[inner])[0, 1] > 0.99


def test_a_clip_with_sound_is_heard_once_at_its_level(scored, qtbot):
    data = drain(AudioFeed(mixer_of(scored), 6, 18, channels=2), qtbot)
    samples = np.frombuffer(data, "<i2").reshape(-1, 2).astype(np.float64) / 32767
    assert np.sqrt(np.mean(samples[500:-500, 0] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.05)


def test_the_feed_bytes_are_the_timeline_mix_interleaved(scored, qtbot):
    mixer = mixer_of(scored)()
    try:
        expected = interleave_int16(mixer.mix_frames(3, 9))
    finally:
        mixer.close()
    assert drain(AudioFeed(mixer_of(scored), 3, 9, channels=2), qtbot) == expected


def test_playing_sends_the_device_exactly_the_played_range(scored, qtbot):
    device = RecordingOutput()
    scored.viewer.audio.output_factory = lambda rate, channels: (device, "")
    scored.viewer.seek(12)
    scored.viewer.play()
    while scored.viewer.playing:
        device.play(0.05)
        qtbot.wait(10)
    mixer = mixer_of(scored)()
    try:
        expected = interleave_int16(mixer.mix_frames(12, FRAMES))
    finally:
        mixer.close()
    assert len(device.received) == (FRAMES - 12) * SAMPLES_PER_FRAME * 4
    assert bytes(device.received) == expected
    assert scored.viewer.position == FRAMES - 1 and device.closed


def test_the_picture_waits_for_the_sound_and_follows_it(scored, qtbot):
    device = RecordingOutput(capacity=RATE * 4)  # room for a second: 0.25 s is queued well before it plays
    scored.viewer.audio.output_factory = lambda rate, channels: (device, "")
    scored.viewer.seek(4)
    scored.viewer.play()
    qtbot.wait(250)  # six frames of wall clock, but the device has played nothing
    assert scored.viewer.position == 4
    qtbot.waitUntil(lambda: len(device.received) >= RATE, timeout=3000)
    device.play(0.25)
    qtbot.waitUntil(lambda: scored.viewer.position == 10, timeout=2000)
    scored.viewer.stop()
    assert device.closed


def test_without_an_audio_device_the_picture_plays_on_the_wall_clock_with_a_note(scored, qtbot):
    if not QtMultimedia.QMediaDevices.defaultAudioOutput().isNull():
        pytest.skip("this machine has an audio output device")
    with qtbot.waitSignal(scored.viewer.note, timeout=2000) as note:
        scored.viewer.play()
    assert note.args == [NO_DEVICE_NOTE]
    qtbot.waitUntil(lambda: scored.viewer.position >= 3, timeout=3000)
    scored.viewer.stop()
    assert scored.statusBar().currentMessage() == NO_DEVICE_NOTE


def test_a_mix_that_fails_leaves_the_picture_playing_and_says_why(scored, qtbot):
    device = RecordingOutput()
    scored.viewer.audio.output_factory = lambda rate, channels: (device, "")

    def broken():
        raise OSError("tone.mp4: unreadable audio")
    scored.viewer.set_timeline(scored.viewer.source._factory, duration=FRAMES, rate=Fraction(24), size=(160, 120),
                               audio=broken, audio_rate=RATE)
    with qtbot.waitSignal(scored.viewer.note, timeout=3000) as note:
        scored.viewer.play()
    assert "tone.mp4: unreadable audio" in note.args[0]
    qtbot.waitUntil(lambda: scored.viewer.position >= 3, timeout=3000)  # wall clock now: no device playing
    scored.viewer.stop()
