"""Wan2.1 VACE behind the engine contract: each mode is diffusers' WanVACEPipeline called with the control video and
mask that mode means, bit for bit, on tiny random parts built here (nothing downloads)."""
import numpy as np
import pytest
import torch
from PIL import Image

from engine import AnimateRequest, ExtendRequest, TransitionRequest, engine_info, load_engine
from engine.errors import EngineInputError, GenerationCancelled, WeightsNotFoundError
from engine.testing import write_tiny_wan_vace
from engine.model_engine import to_uint8
from engine.wan_vace.engine import GREY

pytestmark = pytest.mark.slow
SIZE = (16, 32)
SMALL = dict(size=SIZE, num_inference_steps=2, seed=3, prompt="a red kite over the sea")


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return str(write_tiny_wan_vace(tmp_path_factory.mktemp("wan")))


@pytest.fixture(scope="module")
def engine(weights):
    return load_engine("wan_vace", weights=weights, device="cpu")


def picture(rgb) -> np.ndarray:
    return np.full((*SIZE, 3), rgb, np.uint8)


def direct(engine, frames, keep, steps=2, guidance=5.0, prompt=SMALL["prompt"]):
    """The pipeline called by hand: kept frames as given, the others grey; the mask black where kept."""
    video = [Image.fromarray(f if f is not None else np.full((*SIZE, 3), GREY, np.uint8)) for f in frames]
    mask = [Image.new("L", SIZE[::-1], 0 if k else 255) for k in keep]
    out = engine.pipeline(prompt=prompt, negative_prompt="", video=video, mask=mask, height=SIZE[0], width=SIZE[1],
                          num_frames=len(frames), num_inference_steps=steps, guidance_scale=guidance,
                          generator=torch.Generator("cpu").manual_seed(3), output_type="np")
    return to_uint8(out.frames[0])


def test_wan_vace_describes_its_frames_rate_canvas_and_presets():
    info = engine_info("wan_vace")
    assert (info.native_frames, info.fps, info.canvas.buckets, info.canvas.multiple) == \
        (81, 16.0, ((480, 832), (832, 480), (624, 624)), 16)
    assert [(p.name, p.steps, p.guidance_scale) for p in info.presets] == [("draft", 20, 5.0), ("final", 50, 5.0)]
    assert info.required == (("weights",),)


def test_a_folder_that_is_not_wan_vace_is_refused_by_name(tmp_path):
    with pytest.raises(WeightsNotFoundError, match=f"{tmp_path}: no readable model_index.json"):
        load_engine("wan_vace", weights=str(tmp_path))


def test_a_transition_is_the_pipeline_with_both_ends_kept(engine):
    a, b = picture((200, 50, 40)), picture((30, 60, 210))
    made = engine.transition(a, b, TransitionRequest(num_frames=9, **SMALL))
    expected = direct(engine, [a] + [None] * 7 + [b], [True] + [False] * 7 + [True])
    assert made.fps == 16.0 and made.frames.shape == (9, *SIZE, 3)
    assert np.array_equal(made.frames, expected)


def test_an_extension_is_the_pipeline_with_the_clip_kept_and_returns_only_new_frames(engine):
    clip = np.stack([picture((40 * k, 90, 120)) for k in range(4)])
    made = engine.extend(clip, ExtendRequest(num_frames=5, num_known=4, **SMALL))
    expected = direct(engine, list(clip) + [None] * 5, [True] * 4 + [False] * 5)
    assert np.array_equal(made.frames, expected[4:])


def test_an_animation_is_the_pipeline_with_its_first_frame_kept(engine):
    image = picture((90, 160, 70))
    made = engine.animate(image, AnimateRequest(num_frames=5, **SMALL))
    assert np.array_equal(made.frames, direct(engine, [image] + [None] * 4, [True] + [False] * 4))


def test_progress_comes_every_step_and_cancel_stops_before_decoding(engine):
    steps = []
    engine.animate(picture(128), AnimateRequest(num_frames=5, **SMALL), on_step=steps.append)
    assert [(s.step, s.total) for s in steps] == [(1, 2), (2, 2)]
    with pytest.raises(GenerationCancelled, match="cancelled after step 1 of 2"):
        engine.animate(picture(128), AnimateRequest(num_frames=5, **SMALL), cancelled=lambda: True)


def test_a_frame_count_that_is_not_4k_plus_1_is_refused_with_the_rule(engine):
    with pytest.raises(EngineInputError, match="num_frames 8 is not allowed: Wan makes 4k \\+ 1 frames"):
        engine.transition(picture(0), picture(255), TransitionRequest(num_frames=8, **SMALL))


def test_frames_that_are_not_uint8_rgb_are_refused_not_cast(engine):
    with pytest.raises(EngineInputError, match="first must be an H×W×3 uint8 RGB array, got float64"):
        engine.transition(picture(0).astype(float), picture(255), TransitionRequest(num_frames=9, **SMALL))


def test_an_unknown_precision_is_refused_naming_the_allowed_ones(weights):
    with pytest.raises(EngineInputError, match="option dtype = 'int8' is not allowed"):
        load_engine("wan_vace", weights=weights, dtype="int8")
