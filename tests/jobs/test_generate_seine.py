"""generate() end to end on the real SEINE engine with the tiny random weights of ../shared/fixtures/seine_tiny."""
from pathlib import Path

import pytest

from seine_editor.jobs.context import HeadlessContext
from seine_editor.jobs.engines import EngineCache
from seine_editor.jobs.generate import GenerateSpec, GenerationParams, SourceFrames, generate
from seine_editor.jobs.media_io import read_frames
from seine_editor.media.probe import probe
from seine_editor.media.synthetic import read_frame_index

TINY = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "seine_tiny"
pytestmark = pytest.mark.skipif(not (TINY / "seine.pt").is_file(),
                                reason="the tiny SEINE weights (../shared/fixtures/seine_tiny) are absent")


def seine_spec(coded_media, cache_dir, kind="transition", duration=12, seed=0):
    sources = {"transition": (SourceFrames("left", str(coded_media.a), (23,)),
                              SourceFrames("right", str(coded_media.b), (0,))),
               "extend": (SourceFrames("tail", str(coded_media.a), (20, 21, 22, 23)),)}[kind]
    return GenerateSpec(kind=kind, item_id="s", sources=sources,
                        params=GenerationParams(prompt="smooth transition", seed=seed, steps=2),
                        width=coded_media.width, height=coded_media.height, fps=coded_media.fps,
                        duration_frames=duration, cache_dir=str(cache_dir), engine="seine",
                        engine_options={"weights": str(TINY), "device": "cpu"}, model_size=(48, 64))


@pytest.fixture(scope="module")
def engines():
    return EngineCache()


def test_seine_transition_keeps_the_true_boundary_frames_and_is_then_reused(coded_media, tmp_path, engines):
    reports = []
    result = generate(seine_spec(coded_media, tmp_path), HeadlessContext(reports.append), engines)
    frames = read_frames(result.path, range(12))
    assert probe(result.path).frame_count == 12
    assert (read_frame_index(frames[0]), read_frame_index(frames[-1])) == (23, 100)
    assert result.engine_identity.startswith("seine:")
    assert [p.message for p in reports if p.message.startswith("seine denoise")][-1] == "seine denoise 2/2"
    again = generate(seine_spec(coded_media, tmp_path), HeadlessContext(), engines)
    assert (again.from_cache, again.path) == (True, result.path)


def test_seine_extension_makes_exactly_the_frames_asked_for(coded_media, tmp_path, engines):
    # 1 s at 24 fps = 8 new frames at SEINE's 8 fps, retimed to 24 timeline frames
    result = generate(seine_spec(coded_media, tmp_path, kind="extend", duration=24), HeadlessContext(), engines)
    assert probe(result.path).frame_count == 24
    assert result.info["engine_info"]["params"]["num_frames"] == 8
