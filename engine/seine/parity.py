"""Replay a reference fixture and report how far this implementation is from it.

``python -m engine.seine.parity FIXTURE_DIR`` reads ``FIXTURE_DIR/manifest.json`` and, for whatever it lists
(any UNet config, mask types, DDIM or DDPM, any step count): reruns the UNet forward goldens, then every end-to-end
case with the case's stored random draws, compares every stored tensor, prints each error relative to the
reference's max, and exits 1 if any exceeds the manifest's suggested tolerances (in float32; ``--device`` and
``--dtype`` replay it elsewhere, half precision against :data:`HALF_PRECISION_TOLERANCES`).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from engine.seine.conditioning import LATENT_SCALE

DEFAULT_TOLERANCES = {"unet_forward": 1e-4, "vae_and_text_encoder": 1e-4, "e2e_step_tensors_and_final_latents": 1e-3}
DEFAULT_VIDEO_RULE = (1, 0.999, 2)  # |diff| <= 1 for >= 99.9 % of values, never more than 2
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
# About 3x the error of the same replay on the CPU in that precision (the tiny fixture, `--dtype` on cpu):
# fp16 unet 6.4e-3, vae/text 2.5e-3, steps 1.2e-2, video 0.06 % beyond 1 (max 2); bf16 (3 fewer mantissa bits, ~8x)
# unet 4.9e-2, vae/text 2.3e-2, steps 9.7e-2, video 0.3 % beyond 8 (max 22). Still far below what a broken
# path costs (manifest sensitivities: temporal attention 0.71, rel-pos bias 0.31, rotary 0.22, timestep 0.087
# -- which only fp16 can resolve).
HALF_PRECISION_TOLERANCES = {
    torch.float16: ({"unet_forward": 2e-2, "vae_and_text_encoder": 1e-2, "e2e_step_tensors_and_final_latents": 4e-2},
                    (1, 0.995, 6)),
    torch.bfloat16: ({"unet_forward": 1.5e-1, "vae_and_text_encoder": 6e-2,
                      "e2e_step_tensors_and_final_latents": 2e-1}, (8, 0.99, 40)),
}


@dataclass
class Comparison:
    name: str
    error: float  # relative to max|reference| (uint8: fraction of values beyond the allowed difference)
    tolerance: float
    passed: bool
    detail: str = ""

    def line(self) -> str:
        verdict = "ok  " if self.passed else "FAIL"
        return f"{verdict} {self.name:<58} {self.error:10.3e}  (tolerance {self.tolerance:.0e}) {self.detail}"


def parse_tolerances(manifest: dict) -> tuple[dict, tuple]:
    """The relative tolerances and the uint8 rule, read from the manifest's own wording where present."""
    suggested = manifest.get("determinism", {}).get("suggested_tolerances_for_a_reimplementation", {})
    tolerances = dict(DEFAULT_TOLERANCES)
    for key, text in suggested.items():
        match = re.search(r"<=\s*([0-9.eE+-]+)\s*\*\s*max", str(text))
        if match:
            tolerances[key] = float(match.group(1))
    video = re.search(r"<=\s*(\d+)\s*for\s*>=\s*([\d.]+)\s*%.*?never more than\s*(\d+)",
                      str(suggested.get("video_uint8", "")))
    rule = (int(video.group(1)), float(video.group(2)) / 100, int(video.group(3))) if video else DEFAULT_VIDEO_RULE
    return tolerances, rule


def compare(name: str, ours: torch.Tensor, ref: torch.Tensor, tolerance: float) -> Comparison:
    ours, ref = ours.detach().float().cpu(), ref.float()
    if tuple(ours.shape) != tuple(ref.shape):
        return Comparison(name, float("inf"), tolerance, False, f"shape {tuple(ours.shape)} != {tuple(ref.shape)}")
    scale = max(ref.abs().max().item(), 1e-12)
    error = (ours - ref).abs().max().item() / scale
    return Comparison(name, error, tolerance, error <= tolerance)


def compare_exact(name: str, ours, ref: torch.Tensor) -> Comparison:
    ours = torch.as_tensor(ours).cpu().reshape(ref.shape) if torch.as_tensor(ours).numel() == ref.numel() else None
    same = ours is not None and torch.equal(ours.to(ref.dtype), ref)
    return Comparison(name, 0.0 if same else 1.0, 0.0, same, "" if same else "values differ")


def compare_uint8(name: str, ours: np.ndarray, ref: torch.Tensor, rule: tuple) -> Comparison:
    allowed, fraction, ceiling = rule
    if tuple(ours.shape) != tuple(ref.shape):
        return Comparison(name, float("inf"), 1 - fraction, False, f"shape {ours.shape} != {tuple(ref.shape)}")
    diff = np.abs(ours.astype(np.int16) - ref.numpy().astype(np.int16))
    beyond = float((diff > allowed).mean())
    passed = beyond <= 1 - fraction + 1e-12 and int(diff.max()) <= ceiling
    return Comparison(name, beyond, 1 - fraction, passed, f"max |diff| {int(diff.max())} (allowed {ceiling})")


class ReplayDraws:
    """The reference run's stored random tensors, handed out in the official order."""

    def __init__(self, tensors: dict):
        self.tensors = tensors

    def _take(self, key: str, shape, index: Optional[int] = None) -> torch.Tensor:
        if key not in self.tensors:
            raise KeyError(f"the fixture case stores no {key!r}, but the sampler needs it")
        value = self.tensors[key] if index is None else self.tensors[key][index]
        return value.reshape(tuple(shape))

    def initial_noise(self, shape):
        return self._take("z_init", shape)

    def posterior_noise(self, shape):
        return self._take("vae_posterior_noise", shape)

    def step_noise(self, step_index, shape):
        return self._take("step_noise", shape, step_index)


def unet_comparisons(pipe, fixture: Path, manifest: dict, tolerance: float) -> list[Comparison]:
    from safetensors.torch import load_file

    section = manifest.get("unet_forward_golden")
    if not section:
        return []
    golden = load_file(str(fixture / section["file"]))
    cfg_scale = float(manifest.get("config", {}).get("cfg_scale", 8.0))
    results = []
    with torch.inference_mode():
        for case in sorted({name.rsplit(".", 1)[0] for name in golden}):
            x, t, text = (golden[f"{case}.{k}"].to(pipe.device) for k in ("x", "timesteps", "encoder_hidden_states"))
            x, text = x.to(pipe.dtype), text.to(pipe.dtype)
            if case.endswith("with_cfg"):
                out = pipe.unet.forward_with_cfg(x, t, text, cfg_scale)
            else:
                out = pipe.unet(x, t, text)
            results.append(compare(f"unet/{case}.out", out, golden[f"{case}.out"], tolerance))
            if f"{case}.time_embedding" in golden:
                temb = pipe.unet.time_embed(t, x.shape[0], pipe.dtype)
                results.append(compare(f"unet/{case}.time_embedding", temb, golden[f"{case}.time_embedding"],
                                       tolerance))
    return results


def _run_case(pipe, case: dict, ref: dict, trace: dict):
    frames = ref["input_frames_uint8"].numpy()
    mask_type = case["mask_type"]
    known = list(frames)
    if mask_type.startswith("onelast"):  # the two images stand for N copies each
        n = int(mask_type[len("onelast"):])
        known = [frames[0]] * n + [frames[-1]] * n
    elif mask_type.startswith("first") and len(known) == 1:
        known = known * int(mask_type[len("first"):])
    height, width = case["image_size_hw"]
    return pipe(known, mask_type, case["final_prompt"], case.get("negative_prompt", ""),
                num_frames=int(case["num_frames"]), height=int(height), width=int(width),
                num_inference_steps=int(case["num_sampling_steps"]), guidance_scale=float(case["cfg_scale"]),
                sampler=case["sample_method"], eta=float(case.get("eta") or 0.0), draws=ReplayDraws(ref),
                trace=trace)


def e2e_comparisons(pipe, fixture: Path, case: dict, tolerances: dict, rule: tuple) -> list[Comparison]:
    from safetensors.torch import load_file

    ref = load_file(str(fixture / case["file"]))
    trace: dict = {}
    output = _run_case(pipe, case, ref, trace)
    ours = dict(trace, final_latents=output.latents, step_timesteps=torch.tensor(trace["step_timesteps"]))
    io_tol, step_tol = tolerances["vae_and_text_encoder"], tolerances["e2e_step_tensors_and_final_latents"]
    prefix, results = case["id"], []
    for key in ("text_input_ids", "step_timesteps", "mask_frames", "mask_latent"):
        if key in ref:
            results.append(compare_exact(f"{prefix}/{key}", ours[key], ref[key]))
    for key in ("text_embeddings", "video_input_known_frames", "vae_posterior_mean", "vae_posterior_std",
                "masked_latents"):
        if key in ref:
            results.append(compare(f"{prefix}/{key}", ours[key], ref[key], io_tol))
    for key in ("step_x_t", "step_eps_cfg"):
        for k, step in enumerate(ours.get(key, [])):
            if key in ref and k < ref[key].shape[0]:
                results.append(compare(f"{prefix}/{key}[{k}]", step[0], ref[key][k], step_tol))
    results.append(compare(f"{prefix}/final_latents", output.latents, ref["final_latents"], step_tol))
    if "decoded_frame_indices" in ref:
        indices = ref["decoded_frame_indices"].tolist()
        with torch.inference_mode():
            latents = output.latents[0].permute(1, 0, 2, 3)[indices] / LATENT_SCALE
            decoded = pipe.vae.decode(latents.to(pipe.dtype)).sample
        results.append(compare(f"{prefix}/decoded_video_float_subset", decoded, ref["decoded_video_float_subset"],
                               step_tol))
    results.append(compare_uint8(f"{prefix}/video_uint8", output.frames, ref["video_uint8"], rule))
    return results


@contextlib.contextmanager
def exact_float32_kernels():
    """CUDA may run float32 matmuls and convolutions as TF32 (10-bit mantissa); parity needs true float32."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def run_parity(fixture_dir, out=sys.stdout, device="cpu", dtype: torch.dtype = torch.float32) -> list[Comparison]:
    """Replay ``fixture_dir`` on ``device`` in ``dtype``; float32 is held to the manifest's tolerances, a half
    precision to :data:`HALF_PRECISION_TOLERANCES`."""
    from engine.seine.pipeline import SeinePipeline

    fixture = Path(fixture_dir)
    manifest = json.loads((fixture / "manifest.json").read_text())
    tolerances, rule = parse_tolerances(manifest)
    if dtype != torch.float32:
        tolerances, rule = HALF_PRECISION_TOLERANCES[dtype]
    torch.manual_seed(0)
    print(f"# {fixture} on {device} in {str(dtype).replace('torch.', '')}", file=out)
    with exact_float32_kernels():
        pipe = SeinePipeline.from_pretrained(fixture, device=device, dtype=dtype)
        results = unet_comparisons(pipe, fixture, manifest, tolerances["unet_forward"])
        for case in manifest.get("e2e_cases", []):
            results.extend(e2e_comparisons(pipe, fixture, case, tolerances, rule))
    for result in results:
        print(result.line(), file=out)
    failed = [r for r in results if not r.passed]
    print(f"{len(results) - len(failed)}/{len(results)} comparisons within tolerance", file=out)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.seine.parity", description=__doc__.splitlines()[0])
    parser.add_argument("fixture_dir", help="folder with manifest.json, seine.pt, the SD folder and the goldens")
    parser.add_argument("--device", default="cpu", help="torch device to replay on (default: cpu)")
    parser.add_argument("--dtype", default="float32", choices=sorted(DTYPES),
                        help="precision of the weights and activations (default: float32)")
    args = parser.parse_args(argv)
    if not (Path(args.fixture_dir) / "manifest.json").is_file():
        print(f"error: {args.fixture_dir} has no manifest.json", file=sys.stderr)
        return 2
    results = run_parity(args.fixture_dir, device=args.device, dtype=DTYPES[args.dtype])
    return 0 if results and all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
