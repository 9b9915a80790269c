"""Mask types, masked-video building, channel packing, pre/post-processing."""
import numpy as np
import pytest
import torch

from engine.errors import EngineInputError
from engine.seine import conditioning as cond


def test_mask_types_mark_generated_frames_with_one():
    assert cond.frame_mask("first1", 5).tolist() == [0, 1, 1, 1, 1]
    assert cond.frame_mask("first4", 6).tolist() == [0, 0, 0, 0, 1, 1]
    assert cond.frame_mask("onelast2", 6).tolist() == [0, 0, 1, 1, 0, 0]
    assert cond.frame_mask("all", 3).tolist() == [1, 1, 1]


@pytest.mark.parametrize("mask_type, message", [("last1", "'last1' is not one of"),
                                                 ("onelast8", "onelast8.*16 frames leaves no frame"),
                                                 ("first16", "first16.*leaves no frame"),
                                                 ("first0", "first0.*leaves no frame")])
def test_bad_masks_are_refused_naming_the_value(mask_type, message):
    with pytest.raises(EngineInputError, match=message):
        cond.frame_mask(mask_type, 16)


def test_masked_video_puts_known_frames_in_place_and_grey_elsewhere():
    mask = cond.frame_mask("onelast1", 4)
    known = torch.stack([torch.full((3, 2, 2), 0.5), torch.full((3, 2, 2), -0.25)])
    video = cond.masked_video(known, mask)
    assert video[0].unique().tolist() == [0.5]
    assert video[3].unique().tolist() == [-0.25]
    assert video[1:3].abs().max() == 0.0  # black frames masked to 0.0 = mid-grey, not -1


def test_masked_video_refuses_a_wrong_number_of_known_frames():
    with pytest.raises(EngineInputError, match="2 known frame\\(s\\) but 1 were given"):
        cond.masked_video(torch.zeros(1, 3, 2, 2), cond.frame_mask("onelast1", 4))


def test_channels_are_packed_noise_mask_then_masked_latents():
    x = torch.full((2, 4, 3, 2, 2), 1.0)
    mask = cond.latent_mask(cond.frame_mask("first1", 3), (2, 2))
    latents = torch.full((1, 4, 3, 2, 2), 7.0)
    packed = cond.pack_model_input(x, mask, latents)
    assert packed.shape == (2, 9, 3, 2, 2)
    assert packed[:, :4].unique().tolist() == [1.0]
    assert packed[0, 4, :, 0, 0].tolist() == [0.0, 1.0, 1.0]
    assert packed[:, 5:].unique().tolist() == [7.0]


def test_posterior_sample_is_mean_plus_clamped_std_times_noise_scaled_by_0_18215():
    mean, logvar, noise = torch.ones(2, 4, 1, 1), torch.full((2, 4, 1, 1), 50.0), torch.ones(2, 4, 1, 1)
    out = cond.posterior_sample_latents(mean, logvar, noise)
    assert out.shape == (1, 4, 2, 1, 1)
    assert torch.allclose(out, torch.full_like(out, (1 + np.exp(10.0)) * 0.18215))  # logvar clamped to 20


def test_preprocess_is_bilinear_without_antialias_to_minus_one_one():
    frame = np.zeros((1, 4, 4, 3), np.uint8)
    frame[0, :, 2:] = 255
    out = cond.preprocess_frames(frame, (2, 2))
    assert out.shape == (1, 3, 2, 2)
    assert out[0, 0].tolist() == [[-1.0, 1.0], [-1.0, 1.0]]  # a 2x downscale samples between pixel pairs


def test_preprocess_refuses_alpha_images_naming_the_shape():
    with pytest.raises(EngineInputError, match=r"\(1, 4, 4, 4\).*alpha"):
        cond.preprocess_frames(np.zeros((1, 4, 4, 4), np.uint8), (8, 8))


def test_postprocess_rounds_by_adding_half_then_truncating():
    decoded = torch.tensor([-1.0, -0.999, 0.0, 1.0, 1.5]).view(1, 1, 1, 5).expand(1, 3, 1, 5)
    out = cond.postprocess(decoded)
    assert out.shape == (1, 1, 5, 3)
    assert out[0, 0, :, 0].tolist() == [0, 0, 128, 255, 255]  # 127.5 + 0.5 -> 128; clamp above
