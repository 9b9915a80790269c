"""A denoising step ready for a GPU, checked without one: what it dispatches on the meta device (shapes, no data)."""
import pytest
import torch

from engine.seine.pipeline import GeneratorDraws, SeinePipeline
from engine.seine.sampling import make_sampler
from engine.seine.step_audit import audit
from engine.seine.unet import UNet3DConditionModel, UNet3DConfig
from engine.testing import tiny_unet

SD14_UNET = {"act_fn": "silu", "attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280],
             "cross_attention_dim": 768, "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
             "downsample_padding": 1, "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 4,
             "layers_per_block": 2, "norm_eps": 1e-5, "norm_num_groups": 32, "out_channels": 4,
             "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3}


def on_meta(unet, dtype=torch.float32) -> SeinePipeline:
    pipe = SeinePipeline(unet.to("meta", dtype), None, None, None)
    pipe.device, pipe.dtype = torch.device("meta"), dtype
    return pipe


def denoise_audit(pipe, sampler: str, steps: int, latent_hw=(8, 8), text_dim=32):
    latents = torch.empty(1, 4, 16, *latent_hw, device="meta")
    mask = torch.empty(1, 1, 16, *latent_hw, device="meta")
    text = torch.empty(2, 77, text_dim, device="meta", dtype=pipe.dtype)
    sampler = make_sampler(sampler, steps)
    return audit(lambda: pipe.denoise(latents, sampler, mask, latents, text, 8.0, GeneratorDraws(0)))


@pytest.mark.parametrize("sampler", ["ddpm", "ddim", "dpm++"])
def test_no_step_copies_anything_from_the_host(sampler):
    pipe = on_meta(tiny_unet(seed=0))
    # what crosses before the loop (timesteps, step noise, the schedule's tables) does not grow with the steps
    assert denoise_audit(pipe, sampler, 2).host_to_device == denoise_audit(pipe, sampler, 4).host_to_device


def test_rotary_and_bias_tables_are_made_once_per_clip_length_not_in_every_block():
    model = tiny_unet(seed=0)
    x, text = torch.randn(1, 9, 16, 8, 8), torch.randn(1, 77, 32)
    with torch.inference_mode():
        model.guided(x, torch.tensor([500.0]), text, text, 8.0)
        again = audit(lambda: model.guided(x, torch.tensor([400.0]), text, text, 8.0))
    # the one arange left is the timestep embedding's; no block rebuilds its rotary angles or relative-position bias
    assert (again.kernels["aten.arange"], again.kernels["aten.embedding"], again.kernels["aten.cos"]) == (1, 0, 1)


def test_a_full_size_guided_step_at_320x512x16_launches_at_most_1000_kernels():
    with torch.device("meta"):
        model = UNet3DConditionModel(UNet3DConfig.from_sd_config(SD14_UNET)).half()
    x, text = torch.empty(1, 9, 16, 40, 64, dtype=torch.half), torch.empty(1, 77, 768, dtype=torch.half)
    x, text = x.to("meta"), text.to("meta")
    with torch.device("meta"), torch.inference_mode():  # as the pipeline runs it
        model.guided(x, torch.tensor([500.0]), text, text, 8.0)  # the tables are made on the first step
        step = audit(lambda: model.guided(x, torch.zeros(1), text, text, 8.0))
    assert step.kernel_count <= 1000, step.kernels.most_common(10)


@pytest.mark.slow
def test_the_unet_traces_to_one_graph_with_no_break():
    model = tiny_unet(seed=0)
    x, text = torch.randn(1, 9, 16, 8, 8), torch.randn(1, 77, 32)
    torch._dynamo.reset()
    with torch.inference_mode():
        explained = torch._dynamo.explain(model.guided)(x, torch.tensor([500.0]), text, text, 8.0)
    assert (explained.graph_count, explained.graph_break_count) == (1, 0), explained.break_reasons
