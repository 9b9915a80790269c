"""SEINE engine speed: optimised path beside the naive one, measured in the same process; and what one denoising
step asks of a GPU, counted on the meta device.

    .venv/bin/python bench/engine.py [--dtype float16|bfloat16] [--compile] [--channels-last] [--final-steps 250]
                                     [--repeats 3]
    .venv/bin/python bench/engine.py --quick      # the GPU check: eager, compiled and channels-last, one run each
    .venv/bin/python bench/engine.py --audit-only # the step audit alone (no GPU needed)

Step audit (every run, first): for each official canvas, the full-size UNet's guided step on the meta device (shapes,
no data): aten kernels launched (views apart), host-to-device copies per DDPM step, and a roofline estimate of the
share of an H100's bf16 peak those kernels could reach (each kernel bound by compute or by HBM bandwidth, plus a
launch cost); then, on the tiny UNet, the graphs torch.compile makes for the canvas list over many steps of both
timestep kinds, and its graph breaks. Targets: <= 1000 kernels, 0 copies, >= 45 % of peak, one graph per canvas,
no break.

With CUDA: full-size SEINE (SD-1.4 UNet config, random weights) at 16 frames × 320×512, half precision, fused SDPA,
CFG batched in one forward; ``--compile`` adds the same with the UNet under ``torch.compile``. Without CUDA: the
tiny test configuration at 16 frames × 64×64 on the CPU, same table.
The naive peer: float32, unfused (math) attention, the two CFG halves as two forwards.
Figures: seconds per transition at the engine's `final` and `draft` presets, per-step UNet latency (one guided
step), peak GPU memory, UNet FLOP/s and its fraction of the device's peak dense bf16 (= fp16) FLOP/s.
``--channels-last`` adds the eager UNet with its convolution weights in channels-last layout (the frames then flow
NHWC through the convolutions and GroupNorms): the engine keeps the default layout unless this row is faster.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.seine.engine import PRESETS  # noqa: E402
from engine.seine.pipeline import SeinePipeline  # noqa: E402
from engine.seine.unet import UNet3DConditionModel, UNet3DConfig  # noqa: E402

SD14_UNET = {"attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280], "cross_attention_dim": 768,
             "layers_per_block": 2, "norm_num_groups": 32, "norm_eps": 1e-5}
PEAK_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "4090": 165.0}


H100_BF16_FLOPS, H100_HBM_BYTES_S = 989e12, 3.35e12
CANVASES = ((320, 512), (512, 512), (240, 560))


def step_audit_rows(frames: int = 16) -> list[dict]:
    """Kernels, copies and roofline share of one guided step of the full-size UNet, per official canvas."""
    from engine.seine.pipeline import GeneratorDraws
    from engine.seine.sampling import make_sampler
    from engine.seine.step_audit import audit

    with torch.device("meta"):
        unet = UNet3DConditionModel(UNet3DConfig.from_sd_config(SD14_UNET)).half()
    pipe = SeinePipeline(unet, None, None, None)
    pipe.device, pipe.dtype = torch.device("meta"), torch.float16
    text = torch.empty(2, 77, 768, device="meta", dtype=torch.float16)
    rows = []
    for height, width in CANVASES:
        latent = torch.empty(1, 4, frames, height // 8, width // 8, device="meta")
        mask = torch.empty(1, 1, frames, height // 8, width // 8, device="meta")
        sample = torch.empty(1, 9, frames, height // 8, width // 8, device="meta", dtype=torch.float16)
        with torch.inference_mode():
            unet.guided(sample, torch.zeros(1, device="meta"), text[:1], text[1:], 8.0)  # tables made once
            step = audit(lambda: unet.guided(sample, torch.zeros(1, device="meta"), text[:1], text[1:], 8.0))
        loops = [audit(lambda n=n: pipe.denoise(latent, make_sampler("ddpm", n), mask, latent, text, 8.0,
                                                GeneratorDraws(0))) for n in (2, 4)]
        rows.append({"canvas": f"{height}x{width}", "kernels": step.kernel_count, "views": step.views,
                     "copies_per_step": (loops[1].host_to_device - loops[0].host_to_device) / 2,
                     "tflop": sum(f for _, f, _ in step.flops) / 1e12,
                     "roofline": step.roofline_fraction(H100_BF16_FLOPS, H100_HBM_BYTES_S)})
    return rows


def compile_audit(steps: int = 4) -> tuple[int, int]:
    """(graphs, graph breaks) of the tiny UNet under torch.compile over every official canvas, ``steps`` DDPM
    (integer) and solver (float) timesteps each, as the pipeline passes them (float32 tensors)."""
    from torch._dynamo.utils import counters

    from engine.testing import tiny_unet

    torch._dynamo.reset()
    counters.clear()
    model = tiny_unet(seed=0)
    compiled = torch.compile(model.forward, backend="eager", dynamic=False)
    text = torch.randn(2, 77, model.config.cross_attention_dim)
    with torch.inference_mode():
        for height, width in CANVASES:
            sample = torch.randn(2, 9, 16, height // 8, width // 8)
            for t in [999.0 - 250 * i for i in range(steps)] + [981.3 - 250 * i for i in range(steps)]:
                compiled(sample, torch.tensor([t, t]), text)
    return int(counters["stats"]["unique_graphs"]), int(sum(counters["graph_break"].values()))


def print_step_audit() -> None:
    print("# step audit on the meta device: full-size UNet, 16 frames, fp16, one guided step (CFG batch 2)")
    print(f"{'canvas':<9} {'kernels':>8} {'views':>6} {'H2D/step':>9} {'TFLOP':>7} {'H100 roofline':>14}")
    for row in step_audit_rows():
        print(f"{row['canvas']:<9} {row['kernels']:8d} {row['views']:6d} {row['copies_per_step']:9.0f} "
              f"{row['tflop']:7.2f} {row['roofline']:14.1%}")
    graphs, breaks = compile_audit()
    print(f"# torch.compile (tiny UNet, eager backend): {graphs} graph(s) for {len(CANVASES)} canvases over DDPM and "
          f"solver timesteps, {breaks} graph break(s)")


def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def peak_tflops() -> float | None:
    if not torch.cuda.is_available():
        return None
    name = torch.cuda.get_device_name()
    return next((v for k, v in PEAK_BF16_TFLOPS.items() if k in name), None)


def full_size_pipeline(dtype) -> SeinePipeline:
    from diffusers import AutoencoderKL
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    from engine.testing import write_tiny_tokenizer

    unet = UNet3DConditionModel(UNet3DConfig.from_sd_config(SD14_UNET))
    vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), down_block_types=("DownEncoderBlock2D",) * 4,
                        up_block_types=("UpDecoderBlock2D",) * 4, layers_per_block=2, latent_channels=4)
    text = CLIPTextModel(CLIPTextConfig(vocab_size=514, hidden_size=768, intermediate_size=3072,
                                        num_hidden_layers=12, num_attention_heads=12, hidden_act="quick_gelu"))
    tokenizer = CLIPTokenizer.from_pretrained(write_tiny_tokenizer(Path(tempfile.mkdtemp()) / "tok"))
    return SeinePipeline(unet.eval(), vae.eval(), text.eval(), tokenizer).to("cuda", dtype)


def tiny_pipeline() -> SeinePipeline:
    from engine.testing import tiny_pipeline as make

    return make(Path(tempfile.mkdtemp()) / "w")


def unbatched_guided(unet):
    """The naive CFG: conditional and unconditional halves as two forwards."""
    def guided(sample, timesteps, cond, uncond, scale):
        e_cond, e_uncond = unet(sample, timesteps, cond), unet(sample, timesteps, uncond)
        return e_uncond + scale * (e_cond - e_uncond)
    return guided


@contextlib.contextmanager
def naive_mode(pipe: SeinePipeline):
    from torch.nn.attention import SDPBackend, sdpa_kernel

    dtype = pipe.dtype
    pipe.to(dtype=torch.float32)
    pipe.unet.guided = unbatched_guided(pipe.unet)
    try:
        with sdpa_kernel(SDPBackend.MATH):
            yield
    finally:
        del pipe.unet.guided
        pipe.to(dtype=dtype)


def guided_step_inputs(pipe: SeinePipeline, frames: int, hw: tuple[int, int]):
    x = torch.randn(1, 9, frames, hw[0] // 8, hw[1] // 8, device=pipe.device, dtype=pipe.dtype)
    text = pipe.encode_prompt("a boat").to(pipe.dtype)
    return x, torch.tensor([500], device=pipe.device), text, text, 8.0


def guided_step_flops(pipe: SeinePipeline, frames: int, hw: tuple[int, int]) -> float:
    """FLOPs of one guided UNet step, counted on the eager model (a dispatch mode would upset a compiled one)."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.inference_mode(), FlopCounterMode(display=False) as counter:
        pipe.unet.guided(*guided_step_inputs(pipe, frames, hw))
    return float(counter.get_total_flops())


def step_seconds(pipe: SeinePipeline, frames: int, hw: tuple[int, int], repeats: int) -> float:
    """Seconds per guided UNet step: the minimum, least disturbed by other processes on a shared machine."""
    inputs = guided_step_inputs(pipe, frames, hw)
    times = []
    with torch.inference_mode():
        for _ in range(repeats + 1):  # the first run warms caches (and compiles) and is not counted
            sync()
            started = time.perf_counter()
            pipe.unet.guided(*inputs)
            sync()
            times.append(time.perf_counter() - started)
    return min(times[1:])


def transition_seconds(pipe: SeinePipeline, preset, steps: int, frames: int, hw: tuple[int, int]) -> float:
    image = np.full((hw[0], hw[1], 3), 128, np.uint8)
    sync()
    started = time.perf_counter()
    pipe([image, image], "onelast1", "a boat", num_frames=frames, height=hw[0], width=hw[1],
         num_inference_steps=steps, sampler=preset.sampler, guidance_scale=preset.guidance_scale, seed=0)
    sync()
    return time.perf_counter() - started


def measure(pipe, label, frames, hw, final_steps, repeats, flops) -> dict:
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    step_s = step_seconds(pipe, frames, hw, repeats)
    row = {"mode": label, "step_s": step_s, "tflops_per_step": flops / 1e12,
           "draft_s": transition_seconds(pipe, PRESETS["draft"], PRESETS["draft"].steps, frames, hw),
           "final_s": transition_seconds(pipe, PRESETS["final"], final_steps, frames, hw)}
    row["peak_gib"] = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else float("nan")
    peak = peak_tflops()
    row["achieved_tflops"] = flops / step_s / 1e12
    row["peak_fraction"] = row["achieved_tflops"] / peak if peak else float("nan")
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", choices=("float16", "bfloat16"), default="float16",
                        help="CUDA precision (float16, the engine's default, or bfloat16)")
    parser.add_argument("--compile", action="store_true", help="also measure the UNet under torch.compile")
    parser.add_argument("--channels-last", action="store_true",
                        help="also measure the eager UNet with channels-last convolution weights")
    parser.add_argument("--final-steps", type=int, default=PRESETS["final"].steps, help="DDPM steps of `final`")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="the GPU check: compiled and channels-last beside eager, one run each, final at 25 "
                             "steps")
    parser.add_argument("--audit-only", action="store_true", help="print the step audit and stop")
    args = parser.parse_args()
    print_step_audit()
    if args.audit_only:
        return 0
    if args.quick:
        args.compile, args.channels_last, args.repeats, args.final_steps = True, True, 1, 25
    frames = 16
    if torch.cuda.is_available():
        hw, pipe = (320, 512), full_size_pipeline(getattr(torch, args.dtype))
        where = f"CUDA {torch.cuda.get_device_name()}, full-size SEINE, {args.dtype}"
    else:
        hw, pipe = (64, 64), tiny_pipeline()
        where = f"CPU ({torch.get_num_threads()} threads), no CUDA: tiny configuration, float32"
    draft = PRESETS["draft"]
    print(f"# {where}; {frames} frames at {hw[1]}x{hw[0]}; final = {PRESETS['final'].sampler} {args.final_steps}, "
          f"draft = {draft.sampler} {draft.steps}")
    flops = guided_step_flops(pipe, frames, hw)
    rows = [measure(pipe, "optimised", frames, hw, args.final_steps, args.repeats, flops)]
    if args.compile:
        pipe.compile()
        started = time.perf_counter()
        with torch.inference_mode():
            pipe.unet.guided(*guided_step_inputs(pipe, frames, hw))  # the compile itself, kept out of the figures
        sync()
        print(f"# torch.compile warm-up: {time.perf_counter() - started:.1f} s")
        rows.append(measure(pipe, "compiled", frames, hw, args.final_steps, args.repeats, flops))
        del pipe.unet.forward  # back to eager for the naive peer
    if args.channels_last:
        pipe.unet.to(memory_format=torch.channels_last)
        rows.append(measure(pipe, "chan-last", frames, hw, args.final_steps, args.repeats, flops))
        pipe.unet.to(memory_format=torch.contiguous_format)
    with naive_mode(pipe):
        rows.append(measure(pipe, "naive", frames, hw, args.final_steps, args.repeats,
                            guided_step_flops(pipe, frames, hw)))
    print(f"{'mode':<10} {'step s':>9} {'TFLOP/step':>11} {'TFLOP/s':>9} {'of peak':>8} {'draft s':>9} "
          f"{'final s':>9} {'peak GiB':>9}")
    for row in rows:
        fraction = "n/a" if row["peak_fraction"] != row["peak_fraction"] else format(row["peak_fraction"], ".1%")
        print(f"{row['mode']:<10} {row['step_s']:9.4f} {row['tflops_per_step']:11.4f} {row['achieved_tflops']:9.3f} "
              f"{fraction:>8} {row['draft_s']:9.2f} {row['final_s']:9.2f} {row['peak_gib']:9.2f}")
    naive = rows[-1]
    for row in rows[:-1]:
        print(f"{row['mode']}/naive speed-up: step {naive['step_s'] / row['step_s']:.2f}x, "
              f"draft {naive['draft_s'] / row['draft_s']:.2f}x, final {naive['final_s'] / row['final_s']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
