"""Sound an engine makes with its frames: written into the generated movie under the pictures, following the same
time map as the conform (so it stays in sync), exactly the item's length at 48 kHz. The stripes test engine's sound
is a level of (k + 1) / 10 under each of its frames k, so where each step lands shows the map."""
import av
import numpy as np
import pytest

from engine import registry
from seine_editor.jobs.context import HeadlessContext
from seine_editor.jobs.engines import EngineCache
from seine_editor.jobs.generate import GenerateSpec, GenerationParams, SourceFrames, generate
from seine_editor.media.probe import probe

RATE = 48000  # 2000 samples per frame at 24 fps


@pytest.fixture(autouse=True)
def stripes(monkeypatch):
    monkeypatch.setitem(registry._ENGINES, "stripes", ("engine.testing_engines", "StripesEngine"))


def run(coded_media, tmp_path, kind, duration, levels=True):
    sources = {"transition": (SourceFrames("left", str(coded_media.a), (23,)),
                              SourceFrames("right", str(coded_media.b), (0,))),
               "extend": (SourceFrames("tail", str(coded_media.a), (23,)),)}[kind]
    spec = GenerateSpec(kind, "g1", sources, GenerationParams(seed=1), coded_media.width, coded_media.height,
                        coded_media.fps, duration, str(tmp_path), engine="stripes", engine_options={"levels": levels})
    return generate(spec, HeadlessContext(), EngineCache())


def sound_of(path) -> np.ndarray:
    """Every sample of the movie's sound, as written (16-bit PCM, here as float channels×samples)."""
    to_float = av.AudioResampler(format="fltp", layout="stereo", rate=RATE)
    with av.open(str(path)) as container:
        frames = [out for frame in container.decode(audio=0) for out in to_float.resample(frame)]
    return np.concatenate([frame.to_ndarray() for frame in frames], axis=1)


def steps(sound) -> dict[int, float]:
    """Where the level rises past each half step inside the sound (sample index, rounded to 10) and the level
    after it. A step the sound ends on is not in it."""
    level = sound[0]
    found = {}
    for k in range(1, 10):
        crossing = np.flatnonzero((level[:-11] < (k + 0.5) / 10) & (level[1:-10] >= (k + 0.5) / 10))
        if crossing.size:
            at = int(crossing[0])
            found[round(at, -1)] = round(float(level[min(at + 200, len(level) - 1)]), 2)
    return found


def test_a_transition_hears_the_moment_its_picture_shows(coded_media, tmp_path):
    # six frames at 12 fps over nine at 24 between two neighbours: output frame j shows frame (j + 1) / 2, so the
    # sound of frame k starts at output frame 2k - 1
    result = run(coded_media, tmp_path, "transition", 9)
    sound = sound_of(result.path)
    assert result.sound is True
    assert steps(sound) == {2000: 0.2, 6000: 0.3, 10000: 0.4, 14000: 0.5}
    assert sound[0, 1000] == pytest.approx(0.1, abs=1e-3)  # frame 0's sound, before frame 1 is shown


def test_the_sound_lasts_exactly_the_items_frames_at_48_khz(coded_media, tmp_path):
    path = run(coded_media, tmp_path, "transition", 9).path
    assert (probe(path).audio_rate, sound_of(path).shape) == (RATE, (2, 18000))


def test_a_retimed_transition_varispeeds_its_sound_with_its_picture(coded_media, tmp_path):
    # six frames over four between neighbours: output frame j shows frame j + 1, at twice the speed
    assert steps(sound_of(run(coded_media, tmp_path, "transition", 4).path)) == {2000: 0.3, 4000: 0.4, 6000: 0.5}


def test_an_extensions_sound_starts_with_its_first_new_frame(coded_media, tmp_path):
    # twelve frames at 24 fps are six new ones at 12, the first shown at output frame 1 (frame 0 is half way from
    # the clip's last frame): new frame k sounds from output frame 2k + 1
    sound = sound_of(run(coded_media, tmp_path, "extend", 12).path)
    assert steps(sound) == {6000: 0.2, 10000: 0.3, 14000: 0.4, 18000: 0.5, 22000: 0.6}
    assert (sound[0, 1000], sound[0, 4000]) == (0.0, pytest.approx(0.1, abs=1e-3))


def test_an_engine_that_makes_no_sound_leaves_the_movie_silent(coded_media, tmp_path):
    result = run(coded_media, tmp_path, "transition", 9, levels=False)
    assert (result.sound, probe(result.path).has_audio) == (False, False)


def test_a_cache_hit_says_whether_its_movie_has_sound(coded_media, tmp_path):
    run(coded_media, tmp_path, "transition", 9)
    again = run(coded_media, tmp_path, "transition", 9)
    assert (again.from_cache, again.sound) == (True, True)
