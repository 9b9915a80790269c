"""LTX-2 behind the engine contract: each mode is diffusers' LTX2ConditionPipeline called with the frame conditions
that mode means, picture and sound bit for bit, on tiny random parts built here (nothing downloads)."""
import numpy as np
import pytest
import torch
from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition
from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES

from engine import AnimateRequest, ExtendRequest, TransitionRequest, engine_info, load_engine
from engine.errors import EngineInputError, GenerationCancelled, WeightsNotFoundError
from engine.model_engine import to_uint8
from engine.testing import write_tiny_ltx2

pytestmark = pytest.mark.slow
SIZE = (32, 64)
SMALL = dict(size=SIZE, num_inference_steps=2, seed=3, prompt="waves over the sea", negative_prompt="city")
DRAFT = dict(audio_guidance_scale=7.0, stg_scale=0.0, audio_stg_scale=0.0, modality_scale=1.0,
             audio_modality_scale=1.0, spatio_temporal_guidance_blocks=None)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return str(write_tiny_ltx2(tmp_path_factory.mktemp("ltx2")))


@pytest.fixture(scope="module")
def engine(weights):
    return load_engine("ltx2", weights=weights, device="cpu")


def picture(rgb) -> np.ndarray:
    return np.full((*SIZE, 3), rgb, np.uint8)


def direct(engine, conditions, num_frames, steps=2, guidance=3.0, **extra):
    """The pipeline called by hand, as its documentation shows; picture as uint8 and sound as float32."""
    out = engine.pipeline(conditions=conditions, prompt=SMALL["prompt"], negative_prompt=SMALL["negative_prompt"],
                          height=SIZE[0], width=SIZE[1], num_frames=num_frames, frame_rate=24.0,
                          num_inference_steps=steps, guidance_scale=guidance, output_type="np",
                          generator=torch.Generator("cpu").manual_seed(3), **(extra or DRAFT))
    return to_uint8(out.frames[0]), out.audio[0].float().numpy()


def test_ltx2_describes_its_frame_grid_rate_canvas_sound_and_presets():
    info = engine_info("ltx2")
    assert (info.frame_step, info.native_frames, info.fps, info.canvas.multiple, info.sound) == (8, 481, 24.0, 32, True)
    assert info.canvas.buckets == ((512, 768), (768, 512), (640, 640), (480, 864), (864, 480))
    assert [(p.name, p.steps, p.guidance_scale) for p in info.presets] == \
        [("draft", 20, 3.0), ("final", 40, 3.0), ("distilled", 8, 1.0)]
    assert [o.name for o in info.options] == ["weights", "device", "dtype", "offload"]


def test_frames_for_a_duration_are_the_nearest_count_on_the_grid():
    info = engine_info("ltx2")
    assert [info.frames_for(n) for n in (2, 9, 13, 14, 26, 121, 900)] == [9, 9, 17, 17, 25, 121, 481]


def test_a_folder_that_is_not_ltx2_is_refused_by_name(tmp_path):
    with pytest.raises(WeightsNotFoundError, match=f"{tmp_path}: no readable model_index.json"):
        load_engine("ltx2", weights=str(tmp_path))


def test_a_transition_is_the_pipeline_with_the_first_frame_at_0_and_the_last_at_minus_1(engine):
    a, b = picture((200, 50, 40)), picture((30, 60, 210))
    made = engine.transition(a, b, TransitionRequest(num_frames=9, **SMALL))
    frames, sound = direct(engine, [LTX2VideoCondition(frames=a[None], index=0),
                                    LTX2VideoCondition(frames=b[None], index=-1)], 9)
    assert made.fps == 24.0 and made.frames.shape == (9, *SIZE, 3)
    assert np.array_equal(made.frames, frames)
    assert made.sound_rate == 16000 and np.array_equal(made.sound, np.clip(sound, -1, 1))


def test_an_extension_conditions_on_the_clips_last_8k_plus_1_frames_and_returns_what_follows(engine):
    clip = np.stack([picture((20 * k, 90, 120)) for k in range(11)])
    made = engine.extend(clip, ExtendRequest(num_frames=5, num_known=11, **SMALL))
    frames, sound = direct(engine, [LTX2VideoCondition(frames=clip[-9:], index=0)], 17)
    assert np.array_equal(made.frames, frames[9:14])
    start = round(9 / 24 * 16000)
    assert np.array_equal(made.sound, np.clip(sound, -1, 1)[:, start:start + round(5 / 24 * 16000)])


def test_an_animation_is_the_pipeline_with_the_image_at_0(engine):
    image = picture((90, 160, 70))
    made = engine.animate(image, AnimateRequest(num_frames=17, **SMALL))
    frames, sound = direct(engine, [LTX2VideoCondition(frames=image[None], index=0)], 17)
    assert np.array_equal(made.frames, frames) and np.array_equal(made.sound, np.clip(sound, -1, 1))


def test_the_final_preset_adds_spatio_temporal_and_modality_guidance_at_the_last_block(engine):
    image = picture((90, 160, 70))
    made = engine.animate(image, AnimateRequest(num_frames=9, preset="final", **SMALL))
    frames, _ = direct(engine, [LTX2VideoCondition(frames=image[None], index=0)], 9,
                       audio_guidance_scale=7.0, stg_scale=1.0, audio_stg_scale=1.0, modality_scale=3.0,
                       audio_modality_scale=3.0, spatio_temporal_guidance_blocks=[1])
    assert np.array_equal(made.frames, frames)


def test_the_distilled_preset_runs_the_distilled_sigmas_unguided(engine):
    image = picture((90, 160, 70))
    request = AnimateRequest(num_frames=9, preset="distilled", **dict(SMALL, num_inference_steps=None))
    made = engine.animate(image, request)
    frames, _ = direct(engine, [LTX2VideoCondition(frames=image[None], index=0)], 9, steps=8, guidance=1.0,
                       **dict(DRAFT, audio_guidance_scale=1.0), sigmas=list(DISTILLED_SIGMA_VALUES))
    assert made.info["params"]["num_inference_steps"] == 8 and np.array_equal(made.frames, frames)


def test_progress_comes_every_step_and_cancel_stops_before_decoding(engine):
    steps = []
    engine.animate(picture(128), AnimateRequest(num_frames=9, **SMALL), on_step=steps.append)
    assert [(s.step, s.total) for s in steps] == [(1, 2), (2, 2)]
    with pytest.raises(GenerationCancelled, match="cancelled after step 1 of 2"):
        engine.animate(picture(128), AnimateRequest(num_frames=9, **SMALL), cancelled=lambda: True)


@pytest.mark.parametrize("count", [8, 5, 489])
def test_a_frame_count_off_the_8k_plus_1_grid_is_refused_with_the_rule(engine, count):
    with pytest.raises(EngineInputError, match=f"num_frames {count} is not allowed: LTX-2 makes 8k \\+ 1 frames, "
                                               "from 9 to 481"):
        engine.transition(picture(0), picture(255), TransitionRequest(num_frames=count, **SMALL))


def test_a_canvas_off_the_32_pixel_grid_is_refused(engine):
    with pytest.raises(EngineInputError, match="canvas 48×64 is not allowed: both sides must be positive multiples "
                                               "of 32"):
        engine.animate(np.zeros((48, 64, 3), np.uint8), AnimateRequest(num_frames=9, **dict(SMALL, size=(48, 64))))


def test_cpu_offload_is_refused_on_the_cpu_naming_what_it_needs(weights):
    with pytest.raises(EngineInputError, match="offload 'model' moves the model to the GPU part by part, so it needs "
                                               "device cuda, not cpu"):
        load_engine("ltx2", weights=weights, device="cpu", offload="model")


def test_running_out_of_memory_says_how_much_was_wanted_and_what_to_change(engine, monkeypatch):
    from engine.errors import OutOfMemoryError

    def exhausted(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 3.25 GiB. GPU 0 has a total capacity")

    monkeypatch.setattr(type(engine.pipeline), "__call__", exhausted)
    with pytest.raises(OutOfMemoryError, match="cpu ran out of memory generating 9 frames at 64x32 \\(it needed "
                                               "3.25 GiB more\\); try fewer frames, a smaller canvas, the distilled "
                                               "model, or CPU offload"):
        engine.animate(picture(0), AnimateRequest(num_frames=9, **SMALL))
