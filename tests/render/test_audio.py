"""The audio mix: exact sync, gain, cut fades, dissolve cross-fades, generative items' own sound or the silence
under a soundless bridge."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from seine_editor.render.audio import AudioMixer, frame_sample
from seine_editor.render.plan import plan_of

RATE = 48000  # 2000 samples per frame at 24 fps


class ConstantReader:
    """Each file plays a constant level (its DC value) for ``length`` samples, then ends."""

    def __init__(self, levels: dict[str, float], length: int = 10 ** 9):
        self.levels, self.length, self.calls = levels, length, []

    def __call__(self, path, start, count, rate, channels):
        self.calls.append((path, start, count))
        available = max(0, min(count, self.length - start))
        return np.full((channels, available), self.levels[str(path)], np.float32)


def test_frame_sample_spans_are_exact_after_an_hour_at_29_97():
    rate = Fraction(30000, 1001)
    hour = 107892  # frames in an hour of 29.97
    assert frame_sample(hour, RATE, rate) == 172799827  # floor(107892 * 1601.6)
    spans = [frame_sample(n + 1, RATE, rate) - frame_sample(n, RATE, rate) for n in range(hour - 5, hour)]
    assert set(spans) <= {1601, 1602} and frame_sample(5, RATE, rate) == 8008


def test_cut_has_short_fades_so_nothing_clicks(tools, tmp_path):
    a, b = str(tmp_path / "a.wav"), str(tmp_path / "b.wav")
    plan = plan_of(tools.timeline([tools.clip("A", a, 0, 10), tools.clip("B", b, 0, 10)]))
    mix = AudioMixer(plan, rate=RATE, reader=ConstantReader({a: 0.5, b: -0.5})).mix_frames(0, 20)
    cut = 10 * 2000
    assert mix.shape == (2, 40000)
    assert mix[0, 1000] == pytest.approx(0.5) and mix[0, 30000] == pytest.approx(-0.5)
    assert abs(mix[0, cut - 1]) < 0.01 and abs(mix[0, cut]) < 0.01  # both sides ramp to silence at the cut
    assert mix[0, cut - 240] == pytest.approx(0.5, abs=0.01)  # the ramp is 5 ms = 240 samples long
    assert abs(mix[0, 0]) < 0.01  # and the very first sample too


def test_gain_from_clip_metadata_scales_the_clip(tools, tmp_path):
    a = str(tmp_path / "a.wav")
    clip = tools.clip("A", a, 0, 10, metadata={"seine": {"gain_db": -6.0206}})
    mix = AudioMixer(plan_of(tools.timeline([clip])), rate=RATE,
                     reader=ConstantReader({a: 0.8})).mix_frames(0, 10)
    assert mix[0, 5000] == pytest.approx(0.4, abs=1e-3)


def test_dissolve_cross_fades_the_sound(tools, tmp_path):
    a, b = str(tmp_path / "a.wav"), str(tmp_path / "b.wav")
    timeline = tools.timeline([tools.clip("A", a, 0, 10), tools.dissolve(2, 2), tools.clip("B", b, 4, 10)])
    mix = AudioMixer(plan_of(timeline), rate=RATE, reader=ConstantReader({a: 1.0, b: 0.0})).mix_frames(0, 20)
    start, end = 8 * 2000, 12 * 2000  # frames 8..11 are the dissolve
    assert mix[0, start - 10] == pytest.approx(1.0)
    assert mix[0, (start + end) // 2] == pytest.approx(0.5, abs=1e-3)
    assert mix[0, end + 10] == pytest.approx(0.0)


def test_sound_is_read_from_the_clips_source_position(tools, tmp_path):
    a = str(tmp_path / "a.wav")
    reader = ConstantReader({a: 0.1})
    plan = plan_of(tools.timeline([tools.clip("A", a, 7, 10)]))
    AudioMixer(plan, rate=RATE, reader=reader).mix_frames(2, 4)
    assert reader.calls == [(a, (7 + 2) * 2000, 4000)]


def test_audio_shorter_than_its_clip_is_padded_with_silence(tools, tmp_path):
    a = str(tmp_path / "a.wav")
    plan = plan_of(tools.timeline([tools.clip("A", a, 0, 10)]))
    mix = AudioMixer(plan, rate=RATE, reader=ConstantReader({a: 0.5}, length=6000)).mix_frames(0, 10)
    assert mix.shape == (2, 20000)
    assert mix[0, 3000] == pytest.approx(0.5) and not mix[:, 6000:].any()


def test_generative_bridge_is_silent_and_an_overlap_transition_cross_fades_the_neighbours(tools, tmp_path):
    from seine_editor.timeline import generated

    a, b = str(tmp_path / "a.wav"), str(tmp_path / "b.wav")

    def mix_for(mode):
        params = generated.normalize_params(generated.TRANSITION, {"mode": mode})
        bridge = generated.make_placeholder(generated.TRANSITION, 4, Fraction(24), params, [])
        timeline = tools.timeline([tools.clip("A", a, 0, 10), bridge, tools.clip("B", b, 10, 10)])
        return AudioMixer(plan_of(timeline), rate=RATE, reader=ConstantReader({a: 1.0, b: 1.0})).mix_frames(0, 24)

    bridge_mix, overlap_mix = mix_for("bridge"), mix_for("overlap")
    assert not bridge_mix[:, 20000:28000].any()  # frames 10..13: the generated shot, no sound
    assert overlap_mix[0, 24000] == pytest.approx(1.0, abs=1e-3)  # A fading out + B fading in
    assert overlap_mix[0, 21000] == pytest.approx(1.0, abs=1e-3)


def _transition_with_take(tools, tmp_path, mode: str, sound: bool, switched_on: bool = True):
    from seine_editor.timeline import generated

    a, b, made = (str(tmp_path / name) for name in ("a.wav", "b.wav", "made.mov"))
    params = generated.normalize_params(generated.TRANSITION, {"mode": mode})
    item = generated.make_placeholder(generated.TRANSITION, 4, Fraction(24), params, [])
    generated.attach_take(item, made, 4, Fraction(24), provenance={"engine": "ltx2", "sound": sound})
    generated.set_sound(item, switched_on)
    timeline = tools.timeline([tools.clip("A", a, 0, 10), item, tools.clip("B", b, 10, 10)])
    reader = ConstantReader({a: 0.25, b: 0.25, made: -0.5})
    return AudioMixer(plan_of(timeline), rate=RATE, reader=reader).mix_frames(0, 24)


def test_a_transition_generated_with_sound_plays_it_in_place_of_the_bridge_silence(tools, tmp_path):
    mix = _transition_with_take(tools, tmp_path, "bridge", sound=True)
    assert mix[0, 24000] == pytest.approx(-0.5) and mix[1, 27000] == pytest.approx(-0.5)  # frames 10..13: its sound
    assert mix[0, 19000] == pytest.approx(0.25) and mix[0, 29000] == pytest.approx(0.25)  # A before, B after


def test_an_overlap_transition_with_sound_plays_it_instead_of_cross_fading_its_neighbours(tools, tmp_path):
    mix = _transition_with_take(tools, tmp_path, "overlap", sound=True)
    assert mix[0, 21000] == pytest.approx(-0.5) and mix[0, 24000] == pytest.approx(-0.5)


def test_switching_the_generated_sound_off_brings_back_the_silence_or_cross_fade(tools, tmp_path):
    bridge = _transition_with_take(tools, tmp_path, "bridge", sound=True, switched_on=False)
    overlap = _transition_with_take(tools, tmp_path, "overlap", sound=True, switched_on=False)
    assert not bridge[:, 20000:28000].any()
    assert overlap[0, 24000] == pytest.approx(0.25, abs=1e-3)  # A fading out + B fading in


def test_a_take_made_without_sound_keeps_the_bridge_silent_whatever_its_file_holds(tools, tmp_path):
    assert not _transition_with_take(tools, tmp_path, "bridge", sound=False)[:, 20000:28000].any()


def test_real_file_sound_is_decoded_in_sync(media, tools):
    """Through the real decoder: the coded clips carry a 440 Hz sine starting at their first frame."""
    plan = plan_of(tools.timeline([tools.clip("A", media["a"], 12, 12)]))
    mixer = AudioMixer(plan, rate=RATE)
    mix = mixer.mix_frames(0, 12)
    mixer.close()
    t = (np.arange(mix.shape[1]) + 12 * 2000) / RATE
    expected = 0.5 * np.sin(2 * np.pi * 440 * t)
    assert np.abs(mix[0, 500:-500] - expected[500:-500]).max() < 0.03
