"""A second model engine through the editor's job: Wan VACE's frames for the item's span at 16 fps (4k + 1) on a
canvas named by the project, conformed to the timeline with neither neighbour held; the editor reads all of it from
the engine's description."""
import pytest

from seine_editor.jobs.context import HeadlessContext
from seine_editor.jobs.engines import EngineCache
from seine_editor.jobs.generate import GenerateSpec, GenerationParams, SourceFrames, generate
from seine_editor.jobs.media_io import read_frames
from seine_editor.media.probe import probe

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    from engine.testing import write_tiny_wan_vace

    return str(write_tiny_wan_vace(tmp_path_factory.mktemp("wan")))


def test_a_wan_vace_transition_lands_on_the_timeline_at_its_rate_and_size(coded_media, weights, tmp_path):
    spec = GenerateSpec("transition", "t1", (SourceFrames("left", str(coded_media.a), (23,)),
                                             SourceFrames("right", str(coded_media.b), (0,))),
                        GenerationParams(prompt="smooth transition", seed=2, steps=2), coded_media.width,
                        coded_media.height, coded_media.fps, 24, str(tmp_path), engine="wan_vace",
                        engine_options={"weights": weights, "device": "cpu"}, model_size=(16, 32))
    result = generate(spec, HeadlessContext(), EngineCache())
    assert (probe(result.path).frame_count, result.engine_identity.startswith("wan_vace:")) == (24, True)
    assert read_frames(result.path, [0]).shape == (1, coded_media.height, coded_media.width, 3)
    # 24 frames between two neighbours span 25/24 s: 17 intervals at 16 fps, 18 frames, 17 on Wan's 4k + 1 grid
    assert result.info["engine_info"]["params"]["num_frames"] == 17
