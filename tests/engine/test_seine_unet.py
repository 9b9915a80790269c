"""UNet3D building blocks: each trap of SEINE.md §10 checked on its own."""
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from engine.seine.unet import (UNet3DConditionModel, UNet3DConfig, apply_rotary, joint_group_norm,
                               relative_position_buckets, rotary_frequencies)

FULL_KEYS = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "seine_tiny" / \
    "full_size_state_dict_keys.json"
SD14_UNET = {"act_fn": "silu", "attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280],
             "cross_attention_dim": 768, "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
             "downsample_padding": 1, "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 4,
             "layers_per_block": 2, "norm_eps": 1e-5, "norm_num_groups": 32, "out_channels": 4,
             "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3}


def test_relative_position_buckets_match_the_t5_rule_for_16_frames():
    buckets = relative_position_buckets(16)
    # row 0 is the query at frame 0: keys after it get the +16 offset, log buckets from distance 8
    assert buckets[0].tolist() == [0] + [16 + d for d in range(1, 8)] + [16 + b for b in (8, 8, 9, 9, 10, 10, 11, 11)]
    assert buckets[15, :8].tolist() == [11, 11, 10, 10, 9, 9, 8, 8]  # keys before the query: no offset
    assert torch.equal(buckets.diagonal(), torch.zeros(16, dtype=torch.long))


def test_relative_position_buckets_cap_at_15_for_long_distances():
    assert int(relative_position_buckets(200)[199, 0]) == 15
    assert int(relative_position_buckets(200)[0, 199]) == 31


def test_rotary_frequencies_are_the_checkpoint_constants():
    assert torch.allclose(rotary_frequencies(), torch.tensor([10000 ** (-2 * i / 32) for i in range(16)]), rtol=1e-6)


def test_rotary_rotates_interleaved_pairs_of_the_first_32_features_only():
    x = torch.randn(1, 1, 3, 40)
    out = apply_rotary(x, rotary_frequencies())
    assert torch.equal(out[..., 32:], x[..., 32:])  # partial rotation: features 32..39 untouched
    assert torch.equal(out[..., 0, :], x[..., 0, :])  # position 0: angle 0
    theta = 2 * 10000 ** (-2 * 3 / 32)  # frame 2, pair 3 = features 6 and 7
    x0, x1 = x[0, 0, 2, 6], x[0, 0, 2, 7]
    assert torch.allclose(out[0, 0, 2, 6], x0 * math.cos(theta) - x1 * math.sin(theta), atol=1e-6)
    assert torch.allclose(out[0, 0, 2, 7], x1 * math.cos(theta) + x0 * math.sin(theta), atol=1e-6)


def test_resnet_group_norm_pools_all_frames_of_a_sample():
    torch.manual_seed(0)
    norm = nn.GroupNorm(2, 4, eps=1e-5)
    x5 = torch.randn(2, 4, 3, 5, 6) * torch.tensor([1.0, 5.0, 0.2])[None, None, :, None, None]  # frames differ
    folded = x5.permute(0, 2, 1, 3, 4).reshape(6, 4, 5, 6)
    ours = joint_group_norm(folded, 3, norm).reshape(2, 3, 4, 5, 6).permute(0, 2, 1, 3, 4)
    assert torch.allclose(ours, norm(x5), atol=1e-5)  # GroupNorm on the 5-D tensor
    per_frame = norm(folded).reshape(2, 3, 4, 5, 6).permute(0, 2, 1, 3, 4)
    assert not torch.allclose(ours, per_frame, atol=1e-2)


def test_config_from_sd14_gives_the_official_830_keys_and_shapes():
    import json

    if not FULL_KEYS.is_file():
        pytest.skip(f"{FULL_KEYS} is absent")
    with torch.device("meta"):
        model = UNet3DConditionModel(UNet3DConfig.from_sd_config(SD14_UNET))
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert ours == json.loads(FULL_KEYS.read_text())
    assert sum(p.numel() for p in model.parameters()) == 909_138_756


@pytest.mark.parametrize("latent_hw, tflop", [((40, 64), 16.22), ((64, 64), 27.37), ((30, 70), 13.49)])
def test_one_full_size_guided_step_costs_the_flops_of_the_official_forward(latent_hw, tflop):
    """SEINE.md's counts (flop_counter on the official code, 16 frames, CFG batch 2), which bench/engine.py uses."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        model = UNet3DConditionModel(UNet3DConfig.from_sd_config(SD14_UNET)).half()
        x = torch.empty(1, 9, 16, *latent_hw, dtype=torch.half)
        text = torch.empty(1, 77, 768, dtype=torch.half)
        with FlopCounterMode(display=False) as counter:
            model.guided(x, torch.tensor([500]), text, text, 8.0)
    assert counter.get_total_flops() / 1e12 == pytest.approx(tflop, abs=0.005)


def test_a_head_size_below_the_rotary_width_is_rejected_with_the_numbers():
    with pytest.raises(ValueError, match="block width 64 with 4 heads"):
        UNet3DConfig.from_sd_config(dict(SD14_UNET, block_out_channels=[64, 64, 64, 64], attention_head_dim=4,
                                         norm_num_groups=16))


def test_temporal_attention_makes_frames_depend_on_each_other_and_on_their_order():
    from engine.testing import tiny_unet

    model = tiny_unet(seed=1)
    x = torch.randn(1, 9, 4, 8, 8)
    text = torch.randn(1, 77, 32)
    with torch.no_grad():
        base = model(x, torch.tensor([500]), text)
        changed = x.clone()
        changed[:, :, 3] += 1.0  # alter only the last frame
        other = model(changed, torch.tensor([500]), text)
        flipped = model(x.flip(2), torch.tensor([500]), text).flip(2)
    assert (other[:, :, 0] - base[:, :, 0]).abs().max() > 1e-3
    assert (flipped - base).abs().max() > 1e-3  # rotary + relative bias break frame-order symmetry


def test_guided_is_one_batched_forward_equal_to_the_official_cfg():
    from engine.testing import tiny_unet

    model = tiny_unet(seed=2)
    x = torch.randn(1, 9, 3, 8, 8)
    cond, uncond = torch.randn(1, 77, 32), torch.randn(1, 77, 32)
    calls = []
    model.register_forward_pre_hook(lambda module, args: calls.append(args[0].shape[0]))
    with torch.no_grad():
        guided = model.guided(x, torch.tensor([10]), cond, uncond, 8.0)
        e_cond = model(x, torch.tensor([10]), cond)
        e_uncond = model(x, torch.tensor([10]), uncond)
    assert calls[0] == 2  # [cond, uncond] in ONE forward
    assert torch.allclose(guided, e_uncond + 8.0 * (e_cond - e_uncond), atol=1e-4)
