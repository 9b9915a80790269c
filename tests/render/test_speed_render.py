"""A clip at another speed plays the media frames its speed gives, in the viewer's compositor and in the export
alike, and its sound keeps its pitch and its sync with the picture."""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from seine_editor.media.info import AudioStreamInfo, MediaInfo
from seine_editor.media.probe import probe
from seine_editor.media.synthetic import read_frame_index
from seine_editor.render.audio import STRETCH_BLOCK_S, AudioMixer
from seine_editor.render.compositor import Compositor
from seine_editor.render.export import ExportSpec, export
from seine_editor.render.plan import plan_of
from seine_editor.timeline.document import TimelineDocument

RATE = 48000  # 2000 samples a frame at 24 fps
SIZE = (320, 240)
CLICK_S = 1.0


class ToneReader:
    """Every file is a 440 Hz tone with a loud 2 ms click at CLICK_S (source time)."""

    def __call__(self, path, start, count, rate, channels):
        t = np.arange(start, start + count) / rate
        samples = 0.2 * np.sin(2 * np.pi * 440 * t)
        samples[(t >= CLICK_S) & (t < CLICK_S + 0.002)] = 0.95
        return np.repeat(samples[None, :].astype(np.float32), channels, axis=0)


@pytest.fixture
def sped(media):
    """Media a (frames 0..47, 440 Hz) placed from its frame 4 for 40 frames, then set to ``speed``."""
    def make(speed, frames=40):
        document = TimelineDocument(rate=Fraction(24))
        clip = document.insert_clip(probe(media["a"]), document.track_ids("video")[0], 0, duration_frames=frames,
                                    source_start_frame=4).ids[0]
        document.set_speed(clip, speed)
        return document
    return make


class NoContext:
    def progress(self, done: int, total: int) -> None:
        pass

    def cancelled(self) -> bool:
        return False


def toned(speed, frames: int) -> TimelineDocument:
    """A 30-second recording (its sound from ToneReader) placed from its frame 4 for ``frames``, set to ``speed``."""
    info = MediaInfo(path="/media/tone.mp4", kind="video", width=64, height=48, coded_width=64, coded_height=48,
                     fps=Fraction(24), frame_count=720, duration_s=30.0,
                     audio=(AudioStreamInfo(1, "aac", RATE, 2, "stereo", 30.0),))
    document = TimelineDocument(rate=Fraction(24))
    clip = document.insert_clip(info, document.track_ids("video")[0], 0, duration_frames=frames,
                                source_start_frame=4).ids[0]
    document.set_speed(clip, speed)
    return document


def shown(snapshot, frames) -> list[int]:
    with Compositor(snapshot, size=SIZE) as compositor:
        return [read_frame_index(compositor.frame(f)) for f in frames]


def mixed(document, first=0, end=None) -> np.ndarray:
    plan = plan_of(document.render_snapshot())
    mixer = AudioMixer(plan, rate=RATE, reader=ToneReader())
    return mixer.mix_frames(first, plan.duration_frames if end is None else end)


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / RATE)[np.argmax(spectrum)])


def test_the_viewer_shows_every_second_media_frame_at_double_speed(sped):
    assert shown(sped(2).render_snapshot(), range(0, 20, 3)) == [4, 10, 16, 22, 28, 34, 40]


def test_the_export_shows_the_frames_the_viewer_shows_at_half_speed(sped, tmp_path):
    document = sped(Fraction(1, 2), frames=20)
    export(ExportSpec(document.render_snapshot(), tmp_path / "slow", size=SIZE), NoContext())
    with_export = []
    for path in sorted((tmp_path / "slow").iterdir()):
        with av.open(str(path)) as container:
            with_export.append(read_frame_index(next(container.decode(video=0)).to_ndarray(format="rgb24")))
    assert with_export == shown(document.render_snapshot(), range(40)) == [4 + f // 2 for f in range(40)]


@pytest.mark.parametrize("speed", [2, Fraction(1, 2), 4])
def test_sped_sound_keeps_its_pitch(speed):
    samples = mixed(toned(speed, frames=96))[0]
    assert abs(dominant_hz(samples[2000:-2000]) - 440) <= 5


@pytest.mark.parametrize("speed", [2, Fraction(1, 2)])
def test_sped_sound_stays_in_sync_with_the_picture(speed):
    """The click at source second 1 is heard when the picture shows source second 1, within 25 ms (the stretcher
    sounds a transient up to about 20 ms early at half speed: its window starts before the click)."""
    document = toned(speed, frames=96)
    samples = np.abs(mixed(document)[0])
    heard_s = np.argmax(samples > 0.6) / RATE
    seen_s = (CLICK_S - 4 / 24) / float(speed)  # the clip starts at media frame 4
    assert abs(heard_s - seen_s) <= 0.025


def test_sped_sound_is_the_same_whichever_spans_are_asked_for():
    """Playback asks in small chunks, the export in others: the same samples, block seams included."""
    document = toned(Fraction(1, 2), frames=300)
    plan = plan_of(document.render_snapshot())
    whole = AudioMixer(plan, rate=RATE, reader=ToneReader()).mix_frames(200, 300)
    chunked = AudioMixer(plan, rate=RATE, reader=ToneReader())
    pieces = [chunked.mix_frames(f, min(300, f + 7)) for f in range(200, 300, 7)]
    assert 200 < STRETCH_BLOCK_S * 24 < 300  # the span crosses a block seam
    np.testing.assert_array_equal(np.concatenate(pieces, axis=1), whole)


def test_block_seams_do_not_click():
    samples = mixed(toned(Fraction(1, 2), frames=300))[0]
    seam = STRETCH_BLOCK_S * RATE
    around = samples[seam - 2000:seam + 2000]
    assert np.abs(np.diff(around)).max() <= 2 * 0.2 * 2 * np.pi * 440 / RATE * 1.5  # no step beyond the tone's


def test_a_freeze_frame_is_silent(media):
    import opentimelineio as otio

    document = TimelineDocument(rate=Fraction(24))
    document.insert_clip(probe(media["a"]), document.track_ids("video")[0], 0, duration_frames=24)
    timeline = document.timeline.deepcopy()
    for clip in timeline.find_clips():
        clip.effects.append(otio.schema.FreezeFrame())
    frozen = TimelineDocument(timeline)
    assert not mixed(frozen).any()
    assert set(shown(frozen.render_snapshot(), range(0, 24, 5))) == {0}
