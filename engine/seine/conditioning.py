"""SEINE's conditioning, as pure tensor functions (SEINE.md §3 and §5).

Mask convention: 1 = frame to generate, 0 = known frame. The UNet input is ``[x_t (4), mask (1), masked
latents (4)]``. Generated frames enter the VAE as mid-grey (0.0 in [-1, 1]); the masked latents are a *sample* of
the VAE posterior times 0.18215. Known frames are a condition only: nothing here pastes them back.
"""
from __future__ import annotations

import re

import numpy as np
import torch
import torch.nn.functional as F

from engine.errors import EngineInputError

LATENT_SCALE = 0.18215  # hard-coded by SEINE; the VAE config's scaling_factor is not read
VAE_FACTOR = 8
MASK_TYPES = ("first{N}", "onelast{N}", "all")
_MASK_PATTERN = re.compile(r"^(first|onelast)(\d+)$")


def frame_mask(mask_type: str, num_frames: int) -> torch.Tensor:
    """``(num_frames,)`` float32 per-frame mask for ``first{N}``, ``onelast{N}`` or ``all``."""
    if num_frames < 1:
        raise EngineInputError(f"num_frames {num_frames} is out of range: allowed >= 1")
    mask = torch.ones(num_frames, dtype=torch.float32)
    if mask_type == "all":
        return mask
    match = _MASK_PATTERN.match(mask_type)
    if not match:
        raise EngineInputError(f"mask type {mask_type!r} is not one of {', '.join(MASK_TYPES)}")
    kind, known = match.group(1), int(match.group(2))
    known_total = known * (2 if kind == "onelast" else 1)
    if known < 1 or known_total >= num_frames:
        raise EngineInputError(f"mask {mask_type!r} with {num_frames} frames leaves no frame to generate: allowed "
                               f"1 <= N and {'2N' if kind == 'onelast' else 'N'} < num_frames")
    mask[:known] = 0.0
    if kind == "onelast":
        mask[-known:] = 0.0
    return mask


def known_positions(mask: torch.Tensor) -> list[int]:
    return [int(i) for i in torch.nonzero(mask == 0).flatten()]


def preprocess_frames(frames, size: tuple[int, int]) -> torch.Tensor:
    """uint8 ``(n, H, W, 3)`` RGB -> ``(n, 3, h, w)`` float32 in [-1, 1].

    The official transform: /255, bilinear resize (align_corners=False, no antialias, aspect not preserved), then
    (x − 0.5) / 0.5.
    """
    array = torch.as_tensor(np.asarray(frames)) if not isinstance(frames, torch.Tensor) else frames
    if array.dtype != torch.uint8 or array.ndim != 4 or array.shape[-1] != 3:
        raise EngineInputError(f"frames must be uint8 RGB arrays of shape (n, H, W, 3); got {array.dtype} "
                               f"{tuple(array.shape)} (convert images with alpha to RGB first)")
    video = array.permute(0, 3, 1, 2).float() / 255.0
    video = F.interpolate(video, size=tuple(size), mode="bilinear", align_corners=False, antialias=False)
    return (video - 0.5) / 0.5


def masked_video(known_frames: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``(f, 3, h, w)``: the known frames at the mask's 0 positions, grey (0.0) at the frames to generate.

    ``known_frames`` holds one normalised frame per known position, in order. Generated frames start as black
    (−1) like the official uint8 zero frames, and masking turns them into 0.0.
    """
    positions = known_positions(mask)
    if known_frames.shape[0] != len(positions):
        raise EngineInputError(f"the mask has {len(positions)} known frame(s) but {known_frames.shape[0]} were given")
    video = torch.full((mask.shape[0], *known_frames.shape[1:]), -1.0, dtype=known_frames.dtype,
                       device=known_frames.device)
    video[positions] = known_frames
    return video * (mask == 0).to(video.dtype).view(-1, 1, 1, 1)


def posterior_std(logvar: torch.Tensor) -> torch.Tensor:
    """The VAE posterior's std, with the diagonal Gaussian's clamp of the log-variance."""
    return torch.exp(0.5 * torch.clamp(logvar, -30.0, 20.0))


def posterior_sample_latents(mean: torch.Tensor, logvar: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """VAE posterior sample × 0.18215, ``(f, 4, h, w)`` -> ``(1, 4, f, h, w)``."""
    return ((mean + posterior_std(logvar) * noise) * LATENT_SCALE).permute(1, 0, 2, 3).unsqueeze(0)


def latent_mask(mask: torch.Tensor, latent_hw: tuple[int, int]) -> torch.Tensor:
    """Per-frame mask -> ``(1, 1, f, h/8, w/8)`` (nearest downsampling of a per-frame constant)."""
    return mask.view(1, 1, -1, 1, 1).expand(1, 1, mask.shape[0], *latent_hw).contiguous()


def pack_model_input(x_t: torch.Tensor, mask: torch.Tensor, masked_latents: torch.Tensor) -> torch.Tensor:
    """``[x_t, mask, masked_latents]`` on channels, 9 in all (trap 5)."""
    batch = x_t.shape[0]
    return torch.cat([x_t, mask.expand(batch, -1, -1, -1, -1).to(x_t.dtype),
                      masked_latents.expand(batch, -1, -1, -1, -1).to(x_t.dtype)], dim=1)


def postprocess(decoded: torch.Tensor) -> np.ndarray:
    """VAE output ``(f, 3, H, W)`` in [-1, 1] -> uint8 ``(f, H, W, 3)``: ``(x·0.5 + 0.5)·255 + 0.5``, truncated."""
    pixels = ((decoded.float() * 0.5 + 0.5) * 255.0 + 0.5).clamp(0, 255).to(torch.uint8)
    return pixels.permute(0, 2, 3, 1).cpu().numpy()
