"""generate(spec, ctx) headless, through the real reader, engine, conform and writer."""

import numpy as np
import pytest

from engine.classic import MorphEngine
from engine.errors import EngineInputError, GenerationCancelled, OutOfMemoryError
from seine_editor.jobs.context import HeadlessContext
from seine_editor.jobs.engines import EngineCache
from seine_editor.jobs.generate import GenerateSpec, GenerationParams, SourceFrames, generate
from seine_editor.jobs.media_io import read_frames
from seine_editor.media.probe import probe
from seine_editor.media.synthetic import read_frame_index, read_tint


class CountingMorph(MorphEngine):
    """The real morph engine, counting how often it is asked to generate."""

    def __init__(self, **options):
        super().__init__(**options)
        self.calls = 0

    def transition(self, *args, **kwargs):
        self.calls += 1
        return super().transition(*args, **kwargs)


class FailingMorph(MorphEngine):
    def transition(self, *args, **kwargs):
        raise OutOfMemoryError("needed 9.1 GiB, 6.0 GiB free: try the draft preset")


def engines_with(engine) -> EngineCache:
    cache = EngineCache()
    cache.put("morph", {}, engine)
    return cache


def transition_spec(coded_media, cache_dir, *, duration=12, seed=0, last_a=23, first_b=0):
    return GenerateSpec(
        kind="transition", item_id="t1",
        sources=(SourceFrames("left", str(coded_media.a), (last_a,)),
                 SourceFrames("right", str(coded_media.b), (first_b,))),
        params=GenerationParams(prompt="smooth transition", seed=seed, mode="bridge"),
        width=coded_media.width, height=coded_media.height, fps=coded_media.fps, duration_frames=duration, cache_dir=str(cache_dir),
        engine="morph")


def test_a_transition_lies_between_a_last_frame_and_b_first_frame_showing_neither(coded_media, tmp_path):
    result = generate(transition_spec(coded_media, tmp_path), HeadlessContext())
    frames = read_frames(result.path, range(12)).astype(int)
    a_last, b_first = (read_frames(path, [index])[0].astype(int)
                       for path, index in ((coded_media.a, 23), (coded_media.b, 0)))
    assert probe(result.path).frame_count == 12
    assert (read_frame_index(frames[0]), read_frame_index(frames[-1])) == (23, 100)  # it starts and ends beside them
    a_tint, b_tint = np.array(coded_media.a_tint), np.array(coded_media.b_tint)
    step = (b_tint - a_tint) / 13  # 12 frames strictly between the two: 13 steps
    assert _close(read_tint(frames[0]), a_tint + step, 6) and _close(read_tint(frames[-1]), b_tint - step, 6)
    assert np.abs(frames[0] - a_last).mean() > 1 and np.abs(frames[-1] - b_first).mean() > 1  # but holds neither
    assert np.abs(frames[0] - a_last).mean() < np.abs(frames[0] - b_first).mean()
    assert not result.from_cache and result.engine_identity == "morph/1"


def test_result_is_a_prores_movie_at_the_timeline_rate_with_provenance_tags(coded_media, tmp_path):
    result = generate(transition_spec(coded_media, tmp_path), HeadlessContext())
    info = probe(result.path)
    assert (info.codec, info.width, info.height, info.fps) == ("prores", coded_media.width, coded_media.height, coded_media.fps)
    import av
    with av.open(result.path) as container:
        assert container.metadata["seine_fingerprint"] == result.fingerprint
        assert '"seed": 0' in container.metadata["comment"]


def test_identical_request_is_served_from_the_cache_without_running_the_engine(coded_media, tmp_path):
    engine = CountingMorph()
    first = generate(transition_spec(coded_media, tmp_path), HeadlessContext(), engines_with(engine))
    second = generate(transition_spec(coded_media, tmp_path), HeadlessContext(), engines_with(engine))
    assert engine.calls == 1
    assert (second.path, second.fingerprint, second.from_cache) == (first.path, first.fingerprint, True)


@pytest.mark.parametrize("change", [dict(seed=1), dict(duration=10), dict(last_a=22)])
def test_a_different_seed_duration_or_source_frame_is_a_new_fingerprint(coded_media, tmp_path, change):
    engine = CountingMorph()
    base = generate(transition_spec(coded_media, tmp_path), HeadlessContext(), engines_with(engine))
    other = generate(transition_spec(coded_media, tmp_path, **change), HeadlessContext(), engines_with(engine))
    assert other.fingerprint != base.fingerprint and engine.calls == 2


def test_cancel_mid_run_raises_and_writes_nothing(coded_media, tmp_path):
    ctx = cancelling_after_engine_steps(3)
    with pytest.raises(GenerationCancelled):
        generate(transition_spec(coded_media, tmp_path), ctx)
    assert ctx.engine_steps == 3
    assert list((tmp_path / "generated").iterdir()) == []


def cancelling_after_engine_steps(steps: int) -> HeadlessContext:
    """A context whose user presses Cancel once the engine has reported ``steps`` frames."""
    def on_progress(progress):
        if progress.message.startswith("morph frame"):
            ctx.engine_steps += 1
            if ctx.engine_steps == steps:
                ctx.cancel()
    ctx = HeadlessContext(on_progress)
    ctx.engine_steps = 0
    return ctx


def test_an_engine_error_propagates_and_writes_nothing(coded_media, tmp_path):
    with pytest.raises(OutOfMemoryError, match="needed 9.1 GiB"):
        generate(transition_spec(coded_media, tmp_path), HeadlessContext(), engines_with(FailingMorph()))
    assert list((tmp_path / "generated").iterdir()) == []


def test_progress_rises_to_one_with_an_eta(coded_media, tmp_path):
    reports = []
    generate(transition_spec(coded_media, tmp_path), HeadlessContext(reports.append))
    fractions = [p.fraction for p in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(p.eta_s is not None and p.eta_s > 0 for p in reports if p.message.startswith("morph frame"))


def test_extend_by_two_seconds_makes_48_new_frames_continuing_the_clip(coded_media, tmp_path):
    spec = GenerateSpec(kind="extend", item_id="e1", sources=(SourceFrames("tail", str(coded_media.a),
                                                                           (20, 21, 22, 23)),),
                        params=GenerationParams(), width=coded_media.width, height=coded_media.height, fps=coded_media.fps, duration_frames=48,
                        cache_dir=str(tmp_path), engine="morph")
    result = generate(spec, HeadlessContext())
    frames = read_frames(result.path, [0, 47])
    assert probe(result.path).frame_count == 48
    assert all(_close(read_tint(f), coded_media.a_tint) for f in frames)


def test_animate_a_still_starts_on_the_still(coded_media, tmp_path):
    spec = GenerateSpec(kind="animate", item_id="s1", sources=(SourceFrames("still", str(coded_media.still),
                                                                            (0,)),),
                        params=GenerationParams(prompt="leaves in the wind"), width=coded_media.width,
                        height=coded_media.height, fps=coded_media.fps, duration_frames=24, cache_dir=str(tmp_path),
                        engine="morph")
    result = generate(spec, HeadlessContext())
    first = read_frames(result.path, [0])[0]
    assert probe(result.path).frame_count == 24
    assert read_frame_index(first) == 7 and _close(read_tint(first), coded_media.still_tint)


def test_a_frame_past_the_end_of_the_source_is_refused_naming_the_file(coded_media, tmp_path):
    spec = transition_spec(coded_media, tmp_path, last_a=24)
    with pytest.raises(IndexError, match=f"{coded_media.a}: has 24 frames, frame 24 was asked for"):
        generate(spec, HeadlessContext())


def test_a_transition_needs_a_left_and_a_right_source(coded_media, tmp_path):
    spec = transition_spec(coded_media, tmp_path)
    spec = GenerateSpec(**{**spec.__dict__, "sources": spec.sources[:1]})
    with pytest.raises(EngineInputError, match="a transition needs sources left, right, got left"):
        generate(spec, HeadlessContext())


def test_a_one_frame_transition_is_refused(coded_media, tmp_path):
    with pytest.raises(EngineInputError, match="a transition of 1 frame"):
        generate(transition_spec(coded_media, tmp_path, duration=1), HeadlessContext())


def _close(a, b, tolerance=12):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def test_the_result_and_the_movie_say_what_the_engine_resolved_and_a_cache_hit_reads_it_back(coded_media, tmp_path):
    made = generate(transition_spec(coded_media, tmp_path), HeadlessContext())
    reused = generate(transition_spec(coded_media, tmp_path), HeadlessContext())
    assert made.resolved == {"preset": None, "steps": 14, "scheduler": None, "guidance": None}  # a step a frame
    assert (reused.from_cache, reused.resolved) == (True, made.resolved)
