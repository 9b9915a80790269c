"""The diffusers engines' transformers at full size: parameters and TFLOP per guided denoising step, counted on the
meta device (shapes, no data, no weights), and with CUDA the seconds one such step takes with random bf16 weights.

    .venv/bin/python bench/models.py          # the count (any machine, about a minute)
    python3 bench/models.py --gpu             # `make gpu-check`: adds seconds per step and the share of peak

Sizes are each model's own: LTX-2 at 768×512, 121 frames (5 s at 24 fps) with its 5 s of sound; Wan2.1 VACE
1.3B and 14B at 832×480, 81 frames (5 s at 16 fps). A guided step is one transformer call on the batch of two
(prompt and negative prompt), as the engines' draft presets run it; LTX-2's final preset adds two more calls (the
spatio-temporal and the modality-isolated ones), about twice the work. The text runs 1,024 tokens for LTX-2
(its default maximum) and 512 for Wan (its own).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.engine import peak_tflops, sync  # noqa: E402

BATCH = 2  # prompt and negative prompt in one call


@dataclass(frozen=True)
class Model:
    label: str
    size: str  # what one generation is
    build: Callable[[], torch.nn.Module]
    inputs: Callable[[torch.nn.Module, torch.device, torch.dtype], dict]


def ltx2():
    from diffusers import LTX2VideoTransformer3DModel

    return LTX2VideoTransformer3DModel()  # the defaults are LTX-2's own (48 blocks, 4,096 wide, 19B with sound)


def ltx2_inputs(model, device, dtype) -> dict:
    frames, height, width = (121 - 1) // 8 + 1, 512 // 32, 768 // 32  # the video VAE's latent grid
    sound = round(121 / 24 * 16000 / 160 / 4)  # the audio VAE's latent frames for 5 s
    text, width_text = 1024, model.config.caption_channels
    return dict(
        hidden_states=torch.randn(BATCH, frames * height * width, model.config.in_channels, device=device,
                                  dtype=dtype),
        audio_hidden_states=torch.randn(BATCH, sound, model.config.audio_in_channels, device=device, dtype=dtype),
        encoder_hidden_states=torch.randn(BATCH, text, width_text, device=device, dtype=dtype),
        audio_encoder_hidden_states=torch.randn(BATCH, text, width_text, device=device, dtype=dtype),
        timestep=torch.full((BATCH, frames * height * width), 500.0, device=device),
        audio_timestep=torch.full((BATCH,), 500.0, device=device), sigma=torch.full((BATCH,), 0.5, device=device),
        audio_sigma=torch.full((BATCH,), 0.5, device=device),
        encoder_attention_mask=torch.ones(BATCH, text, device=device),
        audio_encoder_attention_mask=torch.ones(BATCH, text, device=device),
        num_frames=frames, height=height, width=width, fps=24.0, audio_num_frames=sound,
        video_coords=model.rope.prepare_video_coords(BATCH, frames, height, width, device, fps=24.0),
        audio_coords=model.audio_rope.prepare_audio_coords(BATCH, sound, device), return_dict=False)


def wan(size: str):
    from diffusers import WanVACETransformer3DModel

    if size == "14B":
        return WanVACETransformer3DModel()  # the defaults are the 14B's
    return WanVACETransformer3DModel(num_attention_heads=12, ffn_dim=8960, num_layers=30,
                                     vace_layers=list(range(0, 30, 2)))


def wan_inputs(model, device, dtype) -> dict:
    frames, height, width = (81 - 1) // 4 + 1, 480 // 8, 832 // 8
    return dict(hidden_states=torch.randn(BATCH, 16, frames, height, width, device=device, dtype=dtype),
                control_hidden_states=torch.randn(BATCH, 96, frames, height, width, device=device, dtype=dtype),
                encoder_hidden_states=torch.randn(BATCH, 512, 4096, device=device, dtype=dtype),
                timestep=torch.full((BATCH,), 500.0, device=device), return_dict=False)


MODELS = (Model("LTX-2", "768×512×121 + sound", ltx2, ltx2_inputs),
          Model("Wan VACE 1.3B", "832×480×81", lambda: wan("1.3B"), wan_inputs),
          Model("Wan VACE 14B", "832×480×81", lambda: wan("14B"), wan_inputs))


def count(model: Model) -> tuple[float, float]:
    """(parameters, FLOP of one guided step), on the meta device."""
    from torch.utils.flop_counter import FlopCounterMode

    meta = torch.device("meta")
    with meta:
        module = model.build().to(torch.bfloat16)
        inputs = model.inputs(module, meta, torch.bfloat16)
    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        module(**inputs)
    return float(sum(p.numel() for p in module.parameters())), float(counter.get_total_flops())


def step_seconds(model: Model, repeats: int = 3) -> tuple[float, float]:
    """(seconds of one guided step, the best of ``repeats`` after a warm-up; peak GiB) with random bf16 weights."""
    device = torch.device("cuda")
    torch.cuda.reset_peak_memory_stats()
    with device:
        module = model.build().to(torch.bfloat16).eval()
        inputs = model.inputs(module, device, torch.bfloat16)
    best = float("inf")
    with torch.inference_mode():
        for _ in range(repeats + 1):
            sync()
            started = time.perf_counter()
            module(**inputs)
            sync()
            best = min(best, time.perf_counter() - started)
    peak = torch.cuda.max_memory_allocated() / 2 ** 30
    del module, inputs
    torch.cuda.empty_cache()
    return best, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu", action="store_true", help="also time one step on CUDA with random weights")
    args = parser.parse_args()
    from diffusers.utils import logging

    logging.set_verbosity_error()  # a random model cast to bf16 whole is what is measured here
    if args.gpu and not torch.cuda.is_available():
        print("--gpu needs CUDA", file=sys.stderr)
        return 2
    peak = peak_tflops() if args.gpu else None
    print(f"{'model':<15} {'one generation':<22} {'params':>8} {'TFLOP/step':>11}" +
          (f" {'step s':>8} {'TFLOP/s':>8} {'of peak':>8} {'peak GiB':>9}" if args.gpu else ""))
    for model in MODELS:
        params, flops = count(model)
        line = f"{model.label:<15} {model.size:<22} {params / 1e9:7.2f}B {flops / 1e12:11.1f}"
        if args.gpu:
            seconds, gib = step_seconds(model)
            share = f"{flops / seconds / 1e12 / peak:.1%}" if peak else "n/a"
            line += f" {seconds:8.3f} {flops / seconds / 1e12:8.1f} {share:>8} {gib:9.1f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
