"""SeinePipeline and SeineEngine on tiny random weights (64×64, few steps)."""
import numpy as np
import pytest
import torch

from engine.api import AnimateRequest, ExtendRequest, TransitionRequest
from engine.errors import EngineInputError, GenerationCancelled
from engine.seine import PRESETS, SeineEngine, model_size_for_aspect
from engine.testing import write_tiny_weights

SMALL = dict(size=(64, 64), num_inference_steps=2, scheduler="ddim", num_frames=8)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    return write_tiny_weights(tmp_path_factory.mktemp("w"))


@pytest.fixture(scope="module")
def engine(weights):
    return SeineEngine(weights, device="cpu")


@pytest.fixture(scope="module")
def pipe(engine):
    return engine.pipeline


def _image(value):
    return np.full((48, 80, 3), value, np.uint8)


@pytest.mark.parametrize("width, height, canvas", [
    (1920, 1080, (320, 512)), (1440, 1080, (320, 512)), (1998, 1080, (320, 512)), (512, 320, (320, 512)),
    (2048, 858, (240, 560)), (1080, 1080, (512, 512)), (1080, 1920, (512, 512)), (1080, 1350, (512, 512)),
])
def test_a_source_takes_the_official_canvas_nearest_its_aspect(width, height, canvas):
    assert model_size_for_aspect(width, height) == canvas


def test_a_source_without_a_picture_size_is_refused():
    with pytest.raises(EngineInputError, match="0x720"):
        model_size_for_aspect(0, 720)


@pytest.mark.parametrize("kwargs, message", [
    (dict(height=60), "height 60 is not allowed: use a multiple of 8"),
    (dict(num_frames=1), "num_frames 1 is out of range: allowed 2..128"),
    (dict(num_inference_steps=0), "num_inference_steps 0 is out of range"),
    (dict(guidance_scale=-1.0), "guidance_scale -1.0 is out of range"),
    (dict(sampler="plms"), "sampler 'plms' is unknown"),
    (dict(num_frames=2), "onelast1.*2 frames leaves no frame"),
])
def test_check_inputs_names_the_bad_value_and_the_allowed_range(pipe, kwargs, message):
    args = dict(num_frames=16, height=64, width=64, num_inference_steps=2, sampler="ddim")
    args.update(kwargs)
    with pytest.raises(EngineInputError, match=message):
        pipe([_image(0), _image(255)], "onelast1", "x", **args)


def test_known_frame_count_must_match_the_mask(pipe):
    with pytest.raises(EngineInputError, match="needs 2 known frame\\(s\\), got 1"):
        pipe([_image(0)], "onelast1", "x", num_frames=16, height=64, width=64, num_inference_steps=2)


def test_prompt_embeddings_are_cached_per_prompt_and_empty_negative_is_encoded(pipe):
    first = pipe.encode_prompt("a quiet harbour")
    assert pipe.encode_prompt("a quiet harbour") is first
    empty = pipe.encode_prompt("")
    assert empty.shape == (1, 77, 32) and empty.abs().sum() > 0  # "" is BOS, EOS and padding, not zeros
    ids = pipe.tokenize([""])[0].tolist()
    assert ids == [512] + [513] * 76  # padded with <|endoftext|>


def test_same_seed_same_frames_other_seed_other_frames(engine):
    a = engine.transition(_image(30), _image(220), TransitionRequest(seed=3, **SMALL)).frames
    b = engine.transition(_image(30), _image(220), TransitionRequest(seed=3, **SMALL)).frames
    c = engine.transition(_image(30), _image(220), TransitionRequest(seed=4, **SMALL)).frames
    assert a.shape == (8, 64, 64, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_cancel_raises_before_decoding(engine, pipe, monkeypatch):
    decoded = []
    monkeypatch.setattr(pipe, "decode", lambda *a, **k: decoded.append(1))
    calls = iter([False, False, True])
    with pytest.raises(GenerationCancelled, match="step 3"):
        engine.transition(_image(0), _image(255), TransitionRequest(**dict(SMALL, num_inference_steps=4)),
                          cancelled=lambda: next(calls))
    assert decoded == []


def test_step_reports_count_every_step_and_info_records_the_parameters(engine):
    steps = []
    result = engine.animate(_image(90), AnimateRequest(prompt="waves", **SMALL), on_step=steps.append)
    assert [(s.step, s.total) for s in steps] == [(1, 2), (2, 2)]
    assert result.frames.shape == (8, 64, 64, 3) and result.fps == 8.0
    params = result.info["params"]
    assert params["mask_type"] == "first1" and params["prompt"] == "waves, slow motion." and params["sampler"] == "ddim"
    assert result.info["weights"] == engine.identity and engine.identity.startswith("seine:")


def test_explicit_request_fields_override_the_preset(engine):
    resolved = engine.resolve(TransitionRequest(preset="final", num_inference_steps=7), (720, 1280, 3))
    assert (resolved["sampler"], resolved["num_inference_steps"]) == ("ddpm", 7)
    assert (resolved["height"], resolved["width"]) == model_size_for_aspect(1280, 720)
    assert PRESETS["final"].steps == 250 and PRESETS["final"].sampler == "ddpm"
    with pytest.raises(EngineInputError, match="preset 'fast' is not one of seine's presets: draft, preview, final"):
        engine.resolve(TransitionRequest(preset="fast"), (64, 64, 3))


def test_zero_steps_is_refused_not_replaced_by_the_preset(engine):
    with pytest.raises(EngineInputError, match="num_inference_steps 0 is out of range: allowed 1..1000"):
        engine.transition(_image(0), _image(255), TransitionRequest(**dict(SMALL, num_inference_steps=0)))


def test_an_empty_transition_prompt_is_the_official_transition_configs_prompt(engine):
    result = engine.transition(_image(0), _image(255), TransitionRequest(**SMALL))
    assert result.info["params"]["prompt"] == "smooth transitionsmooth transition."


def test_extend_makes_any_number_of_new_frames_in_chained_chunks(engine, pipe, monkeypatch):
    contexts = []
    original = pipe.__class__.__call__

    def spy(self, known, mask_type, *args, **kwargs):
        contexts.append((mask_type, [np.asarray(k).copy() for k in known]))
        return original(self, known, mask_type, *args, **kwargs)

    monkeypatch.setattr(pipe.__class__, "__call__", spy)
    clip = np.stack([_image(v) for v in (10, 20, 30, 40, 50)])
    request = ExtendRequest(**dict(SMALL, num_frames=20, num_known=4, num_inference_steps=1))
    result = engine.extend(clip, request)
    assert result.frames.shape == (20, 64, 64, 3)  # 12 new frames per 16-frame chunk -> 2 chunks, trimmed to 20
    assert [c[0] for c in contexts] == ["first4"] * 2
    assert [k[0, 0, 0] for k in contexts[0][1]] == [20, 30, 40, 50]  # the clip's last 4 frames
    # the next chunk is conditioned on the last 4 frames generated by the previous one
    assert np.array_equal(np.stack(contexts[1][1]), result.frames[8:12])
    assert result.info["params"]["chunks"] == 2


def test_images_that_are_not_rgb_uint8_are_refused_naming_the_shape(engine):
    with pytest.raises(EngineInputError, match="first must be a uint8 H×W×3 RGB image, got uint8 \\(4, 4, 4\\)"):
        engine.transition(np.zeros((4, 4, 4), np.uint8), _image(0), TransitionRequest(**SMALL))


def test_decoding_in_chunks_equals_decoding_all_frames_at_once(pipe):
    latents = torch.randn(1, 4, 5, 8, 8, generator=torch.Generator().manual_seed(0))
    assert np.abs(pipe.decode(latents, 2).astype(int) - pipe.decode(latents, 5).astype(int)).max() <= 1


def test_missing_weights_fail_at_construction_naming_the_folder(tmp_path):
    from engine.errors import WeightsNotFoundError

    with pytest.raises(WeightsNotFoundError, match=str(tmp_path / "none")):
        SeineEngine(tmp_path / "none")


# Mean |difference| in levels, about 3x what the same precision gives on the CPU (fp16 0.11, bf16 0.86).
HALF_PRECISION_MEAN_LEVELS = {"float16": 0.35, "bfloat16": 2.5}


@pytest.mark.parametrize("dtype", sorted(HALF_PRECISION_MEAN_LEVELS))
def test_a_half_precision_transition_stays_within_a_few_levels_of_float32(engine, weights, dtype):
    request = TransitionRequest(seed=1, **SMALL)
    full = engine.transition(_image(0), _image(255), request).frames
    half = SeineEngine(weights, device="cpu", dtype=dtype).transition(_image(0), _image(255), request)
    assert half.info["dtype"] == dtype
    assert np.abs(full.astype(int) - half.frames.astype(int)).mean() < HALF_PRECISION_MEAN_LEVELS[dtype]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("dtype", sorted(HALF_PRECISION_MEAN_LEVELS))
def test_a_cuda_transition_stays_within_a_few_levels_of_the_cpu_twin(engine, weights, dtype):
    request = TransitionRequest(seed=1, **SMALL)
    cpu = engine.transition(_image(0), _image(255), request).frames
    gpu = SeineEngine(weights, device="cuda", dtype=dtype).transition(_image(0), _image(255), request)
    assert gpu.info["device"].startswith("cuda")
    assert np.abs(cpu.astype(int) - gpu.frames.astype(int)).mean() < HALF_PRECISION_MEAN_LEVELS[dtype]


def test_the_vae_encodes_each_distinct_frame_once_in_chunks_with_the_same_posterior(pipe, monkeypatch):
    first, last = torch.rand(3, 64, 64) * 2 - 1, torch.rand(3, 64, 64) * 2 - 1
    grey = torch.zeros(3, 64, 64)
    video = torch.stack([first, first, grey, grey, grey, grey, last, last])
    batches, encode = [], pipe.vae.encode
    monkeypatch.setattr(pipe.vae, "encode", lambda x: batches.append(x.shape[0]) or encode(x))
    mean, logvar = pipe.encode_video(video, chunk_frames=2)
    assert batches == [2, 1]  # first and grey, then last
    with torch.inference_mode():
        every_frame = encode(video).latent_dist
    assert torch.allclose(mean, every_frame.mean, atol=1e-5)
    assert torch.allclose(logvar, every_frame.logvar, atol=1e-5)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_a_compiled_cuda_engine_makes_the_frames_of_the_eager_one(weights):
    request = TransitionRequest(seed=1, **SMALL)
    eager = SeineEngine(weights, device="cuda").transition(_image(0), _image(255), request).frames
    compiled = SeineEngine(weights, device="cuda", compile=True).transition(_image(0), _image(255), request).frames
    assert np.abs(eager.astype(int) - compiled.astype(int)).mean() < HALF_PRECISION_MEAN_LEVELS["float16"]


def test_running_out_of_memory_says_how_much_was_wanted_and_what_to_change(pipe, monkeypatch):
    from engine.errors import OutOfMemoryError

    def exhausted(*args):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.50 GiB. GPU 0 has a total capacity")

    monkeypatch.setattr(pipe.unet, "guided", exhausted)
    image = np.zeros((64, 64, 3), np.uint8)
    with pytest.raises(OutOfMemoryError) as caught:
        pipe([image, image], "onelast1", "a prompt", num_frames=8, height=64, width=64, num_inference_steps=2,
             sampler="ddim")
    assert str(caught.value) == ("cpu ran out of memory generating 8 frames at 64x64 (it needed 2.50 GiB more); try "
                                 "a smaller size or fewer frames, float16/bfloat16, or close other GPU programs")


@pytest.mark.parametrize("mode, prompt, source, built", [
    ("transition", "", "", "smooth transitionsmooth transition."),
    ("transition", "a red balloon", "", "a red balloonsmooth transition."),
    ("animate", "a boat at sunset", "x.png", "a boat at sunset, slow motion."),
    ("animate", "", "quiet_harbour_at_dawn.png", "quiet harbour at dawn, slow motion."),
    ("extend", "", "city_walk.mp4", "city walk, slow motion."),
])
def test_prompts_are_built_as_the_official_script_builds_them(mode, prompt, source, built):
    from engine.seine.engine import official_prompt

    assert official_prompt(mode, prompt, source) == built


def test_an_animation_without_prompt_is_prompted_by_its_files_name(engine):
    result = engine.animate(_image(90), AnimateRequest(**SMALL, source_name="red_kite.png"))
    assert result.info["params"]["prompt"] == "red kite, slow motion."


def test_guidance_never_runs_a_batch_of_two_for_identical_prompts(engine, pipe, monkeypatch):
    batches = []
    original = pipe.unet.forward

    def counting(sample, *args, **kwargs):
        batches.append(sample.shape[0])
        return original(sample, *args, **kwargs)
    monkeypatch.setattr(pipe.unet, "forward", counting)
    same = "smooth transitionsmooth transition."
    engine.transition(_image(0), _image(255), TransitionRequest(**SMALL, negative_prompt=same))
    engine.transition(_image(0), _image(255), TransitionRequest(**SMALL))
    assert batches == [1, 1, 2, 2]  # two steps unguided (cond = uncond), then two guided steps
