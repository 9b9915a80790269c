"""Sampler accuracy per UNet call on SEINE's schedule, measured against an exact reference.

    .venv/bin/python bench/samplers.py [--elements 4096] [--seed 0]

No trained weights are needed: the UNet is replaced by the exact epsilon-prediction E[eps | x_t] of a known data
distribution, so every error left is the sampler's own. Each sampler is driven the way `SeinePipeline.denoise`
drives it (init_noise_sigma, scale_model_input, one oracle call per step at the noise level the solver assumes,
step), so steps are UNet calls and error vs steps is error vs cost.

Data, per element: (a) a Gaussian N(0.5, 0.5^2), whose probability-flow ODE has a closed-form endpoint;
(b) a three-mode Gaussian mixture with narrow modes, whose ODE is nonlinear and is solved by RK4 in float64.
The sampler arithmetic is float32, as in the pipeline; the oracle and the references are float64.

What it prints, errors relative to the data std:
- the endpoint error (RMS and max over elements) of the deterministic samplers as the engine configures them
  (ddim = the official DDIM, eta 0; DPM-Solver++(2M), UniPC and Euler from diffusers) vs the exact ODE endpoint
  from the same start;
- the same for candidate diffusers step spacings the engine does not use (log-SNR uniform, Karras);
- the fewest steps each one needs to match DPM++ at the draft and preview step counts;
- the output distribution on the Gaussian, exactly, for every sampler including the stochastic DDPM (the chain is
  affine there), as the W2 distance to the data distribution: the one figure that puts `final` and `draft` side
  by side.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.seine.engine import PRESETS  # noqa: E402
from engine.seine.sampling import DiffusersSampler, OfficialSampler, make_sampler  # noqa: E402

STEPS = (5, 8, 10, 15, 20, 25, 35, 50, 100, 250)
DETERMINISTIC = ("ddim", "dpm++", "unipc", "euler")
SEARCH_STEPS = range(2, 61)
# diffusers options that move steps towards low noise, where the default "linspace" spacing leaves a gap:
# its last evaluation is at t = 999/steps and the final step jumps from there to sigma = 0 at first order.
# These spacings round their timesteps to integers but keep the unrounded sigmas; the oracle follows the sigmas.
# An oracle at the rounded t (what a UNet would see) raised their errors by at most 30% at 8..25 steps.
CANDIDATES = {
    "dpm++ logsnr": ("dpm++", {"use_lu_lambdas": True}),
    "dpm++ karras": ("dpm++", {"use_karras_sigmas": True}),
    "unipc logsnr": ("unipc", {"use_exponential_sigmas": True}),
    "unipc karras": ("unipc", {"use_karras_sigmas": True}),
}


class Mixture:
    """Per-element data x0 ~ sum_k w_k N(mu_k, s_k^2); one component is the plain Gaussian."""

    def __init__(self, weights, means, stds):
        self.w, self.mu, self.s = (torch.tensor(v, dtype=torch.float64) for v in (weights, means, stds))
        self.mean = float((self.w * self.mu).sum())
        self.std = math.sqrt(float((self.w * (self.s ** 2 + self.mu ** 2)).sum()) - self.mean ** 2)

    def eps_at_sigma(self, y: torch.Tensor, sigma: float) -> torch.Tensor:
        """E[eps | y] with y = x0 + sigma*eps (= x_t / sqrt(abar)): posterior-weighted per-mode Gaussian answers."""
        y = y.to(torch.float64)[..., None]
        var = self.s ** 2 + sigma ** 2
        log_r = torch.log(self.w) - 0.5 * torch.log(var) - 0.5 * (y - self.mu) ** 2 / var
        r = torch.exp(log_r - log_r.amax(-1, keepdim=True))  # by hand: torch.softmax is slow on a last dim of 3
        r = r / r.sum(-1, keepdim=True)
        return (r * sigma * (y - self.mu) / var).sum(-1)

    def eps(self, x: torch.Tensor, abar: float) -> torch.Tensor:
        """The UNet's ideal answer at x_t = sqrt(abar) x0 + sqrt(1-abar) eps."""
        return self.eps_at_sigma(x.to(torch.float64) / math.sqrt(abar), math.sqrt((1 - abar) / abar))

    def gaussian_endpoint(self, y_start: torch.Tensor, sigma_start: float) -> torch.Tensor:
        """Closed-form ODE endpoint for one component: (y - mu)/sqrt(s^2 + sigma^2) is constant along the flow."""
        assert len(self.w) == 1, "closed form only for a single Gaussian"
        mu, s = float(self.mu[0]), float(self.s[0])
        return mu + s * (y_start.to(torch.float64) - mu) / math.sqrt(s ** 2 + sigma_start ** 2)

    def ode_endpoint(self, y_start: torch.Tensor, sigma_start: float, intervals: int = 1000) -> torch.Tensor:
        """Probability-flow ODE dy/dsigma = E[eps | y] by RK4, sigma geometric down to 1e-6, then one step to 0."""
        grid = list(np.geomspace(sigma_start, 1e-6, intervals)) + [0.0]
        y = y_start.to(torch.float64)
        for a, b in zip(grid[:-1], grid[1:]):
            h, mid = b - a, 0.5 * (a + b)
            k1 = self.eps_at_sigma(y, a)
            k2 = self.eps_at_sigma(y + 0.5 * h * k1, mid)
            k3 = self.eps_at_sigma(y + 0.5 * h * k2, mid)
            k4 = self.eps_at_sigma(y + h * k3, b)
            y = y + h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        return y


DATASETS = {
    "gaussian": Mixture((1.0,), (0.5,), (0.5,)),
    "mixture": Mixture((0.25, 0.5, 0.25), (-1.0, 0.0, 1.2), (0.15, 0.25, 0.1)),
}


def build(label: str, steps: int):
    """A sampler by table label: an engine sampler name or a CANDIDATES key."""
    if label in CANDIDATES:
        name, options = CANDIDATES[label]
        return DiffusersSampler(name, steps, **options)
    return make_sampler(label, steps)


def noise_level(sampler, i: int) -> float:
    """alphas_cumprod the solver assumes at step i: the official table, or the diffusers scheduler's own sigma."""
    if isinstance(sampler, OfficialSampler):
        return float(sampler.schedule.alphas_cumprod[len(sampler.schedule) - 1 - i])
    sigma = float(sampler.scheduler.sigmas[i])
    return 1.0 / (1.0 + sigma * sigma)


def drive(sampler, data: Mixture, noise: torch.Tensor, step_noise=None):
    """The pipeline's denoise loop with the oracle as UNet. Returns (start y, start sigma, float32 endpoint)."""
    x = noise * sampler.init_noise_sigma
    start = None
    for i in range(len(sampler.timesteps)):
        model_input = sampler.scale_model_input(x, i)
        abar = noise_level(sampler, i)
        if start is None:  # the VP state the solver starts from, as y = x_t / sqrt(abar)
            start = (model_input.to(torch.float64) / math.sqrt(abar), math.sqrt((1 - abar) / abar))
        eps = data.eps(model_input, abar).to(torch.float32)
        x = sampler.step(eps, i, x, step_noise(i) if sampler.needs_noise(i) else None)
    return start[0], start[1], x


_REFERENCES: dict = {}


def exact_endpoint(data: Mixture, y_start: torch.Tensor, sigma_start: float) -> torch.Tensor:
    """The exact ODE endpoint from a sampler's start; RK4 results are kept, samplers of one kind share a start."""
    if len(data.w) == 1:
        return data.gaussian_endpoint(y_start, sigma_start)
    # Starts equal to float32 precision share one reference: the official respacings' alphas_cumprod at t = 999
    # differ in the last float64 bits, 1e-13 relative, far below any error measured here.
    key = (id(data), f"{sigma_start:.7g}", hash(y_start.to(torch.float32).numpy().tobytes()))
    if key not in _REFERENCES:
        _REFERENCES[key] = data.ode_endpoint(y_start, sigma_start)
    return _REFERENCES[key]


def endpoint_error(label: str, steps: int, data: Mixture, noise: torch.Tensor) -> tuple[float, float]:
    """(RMS, max) of |sampler endpoint - exact ODE endpoint from the same start| / data std."""
    y_start, sigma_start, x = drive(build(label, steps), data, noise)
    err = (x.to(torch.float64) - exact_endpoint(data, y_start, sigma_start)).abs()
    return float(err.pow(2).mean().sqrt()) / data.std, float(err.max()) / data.std


def output_moments(label: str, steps: int, data: Mixture) -> tuple[float, float]:
    """Exact mean and std of a sampler's output on Gaussian data, through the sampler's own float32 steps.

    With a Gaussian the oracle is affine, so the whole chain is affine in (x_T, z_1..z_n). One run over a probe
    vector reads off every coefficient: element 0 has x_T = 0 and no noise (the mean), element 1 has x_T = 1
    (the gain on x_T), element 2+j gets z = 1 at the j-th noised step only (DDPM).
    """
    sampler = build(label, steps)
    noised = [i for i in range(len(sampler.timesteps)) if sampler.needs_noise(i)]
    probe = torch.zeros(1, 1, 2 + len(noised))
    probe[..., 1] = 1.0

    def step_noise(i):
        z = torch.zeros_like(probe)
        z[..., 2 + noised.index(i)] = 1.0
        return z

    _, _, out = drive(sampler, data, probe, step_noise)
    out = out.to(torch.float64).flatten()
    return float(out[0]), math.sqrt(float(((out[1:] - out[0]) ** 2).sum()))


def w2_to_data(mean: float, std: float, data: Mixture) -> float:
    """W2 distance between N(mean, std^2) and the (Gaussian) data, relative to the data std."""
    return math.hypot(mean - data.mean, std - data.std) / data.std


def fewest_steps(rms_by_steps: dict[int, float], target: float) -> int | None:
    return next((steps for steps, rms in sorted(rms_by_steps.items()) if rms <= target), None)


def print_table(title: str, rows: dict[str, list[float]], columns) -> None:
    print(f"\n{title}")
    print(f"{'':<22}" + "".join(f"{c:>9}" for c in columns))
    for label, values in rows.items():
        print(f"{label:<22}" + "".join(f"{v:9.1e}" for v in values))


def reference_checks(noise: torch.Tensor) -> str:
    """RK4 against the closed form on the Gaussian, and RK4 against twice the intervals on the mixture."""
    gauss, mix = DATASETS["gaussian"], DATASETS["mixture"]
    abar_start = noise_level(make_sampler("ddim", 1000), 0)
    s0 = math.sqrt(1 / abar_start - 1)
    y0 = noise.flatten()[:512].to(torch.float64) / math.sqrt(abar_start)  # a subset: RK4 is the slow part
    vs_closed = float((gauss.ode_endpoint(y0, s0) - gauss.gaussian_endpoint(y0, s0)).abs().max()) / gauss.std
    doubled = float((mix.ode_endpoint(y0, s0) - mix.ode_endpoint(y0, s0, 2000)).abs().max()) / mix.std
    return (f"# reference checks (max / data std): gaussian RK4 vs closed form {vs_closed:.1e}; "
            f"mixture RK4 1000 vs 2000 intervals {doubled:.1e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=4096, help="independent elements (latent values) per run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    # latent-shaped (batch, channels, elements): UniPC's update needs the batch and channel dimensions
    noise = torch.randn(1, 4, args.elements // 4, generator=torch.Generator().manual_seed(args.seed))
    draft, preview = PRESETS["draft"], PRESETS["preview"]
    print(f"# {args.elements} elements, seed {args.seed}; sampler arithmetic float32, oracle and references float64; "
          f"presets: draft = {draft.sampler} {draft.steps}, preview = {preview.sampler} {preview.steps}")
    for label, data in DATASETS.items():
        modes = " + ".join(f"{w:g} N({m:g}, {s:g}^2)" for w, m, s in zip(*(t.tolist() for t in
                                                                           (data.w, data.mu, data.s))))
        print(f"# {label}: {modes}; mean {data.mean:.4f}, std {data.std:.4f}")
    print(reference_checks(noise))

    labels = DETERMINISTIC + tuple(CANDIDATES)
    errors = {(d, s): [endpoint_error(s, n, DATASETS[d], noise) for n in STEPS] for d in DATASETS for s in labels}
    engine_rows = [(d, s) for d in DATASETS for s in DETERMINISTIC]
    print_table("Endpoint error, RMS / data std, vs steps (= UNet calls); samplers as the engine configures them",
                {f"{d} {s}": [e[0] for e in errors[d, s]] for d, s in engine_rows}, STEPS)
    print_table("Endpoint error, max / data std, vs steps",
                {f"{d} {s}": [e[1] for e in errors[d, s]] for d, s in engine_rows}, STEPS)
    ddim_full = {d: endpoint_error("ddim", 1000, data, noise) for d, data in DATASETS.items()}
    print("ddim at all 1000 steps (RMS, max): " + "; ".join(f"{d} {r:.1e}, {m:.1e}" for d, (r, m) in
                                                             ddim_full.items()))
    candidate_rows = [(d, s) for d in DATASETS for s in CANDIDATES]
    print_table("Candidates (diffusers step spacings the engine does not use): RMS / data std",
                {f"{d} {s}": [e[0] for e in errors[d, s]] for d, s in candidate_rows}, STEPS)
    print_table("Candidates: max / data std",
                {f"{d} {s}": [e[1] for e in errors[d, s]] for d, s in candidate_rows}, STEPS)

    print(f"\nFewest steps whose RMS error is at most that of {draft.sampler} {draft.steps} (draft) / "
          f"{preview.sampler} {preview.steps} (preview), searched {SEARCH_STEPS.start}..{SEARCH_STEPS.stop - 1}")
    columns = [(d, preset) for d in DATASETS for preset in ("draft", "preview")]
    print(f"{'':<22}" + "".join(f"{d + ' ' + preset:>18}" for d, preset in columns))
    targets = {(d, preset): endpoint_error(PRESETS[preset].sampler, PRESETS[preset].steps, DATASETS[d], noise)[0]
               for d, preset in columns}
    print(f"{'target RMS':<22}" + "".join(f"{targets[column]:18.1e}" for column in columns))
    for label in labels:
        curves = {d: {n: endpoint_error(label, n, data, noise)[0] for n in SEARCH_STEPS}
                  for d, data in DATASETS.items()}
        found = [fewest_steps(curves[d], targets[d, preset]) for d, preset in columns]
        print(f"{label:<22}" + "".join(f"{'>' + str(SEARCH_STEPS.stop - 1) if n is None else n:>18}" for n in found))

    gauss = DATASETS["gaussian"]
    print_table("Output distribution on the gaussian, exact: W2 to the data / data std (ddpm = the stochastic "
                "official loop)", {s: [w2_to_data(*output_moments(s, n, gauss), gauss) for n in STEPS]
                                   for s in ("ddpm",) + labels}, STEPS)
    s0 = math.sqrt(1 / noise_level(make_sampler("ddim", 1000), 0) - 1)
    floor = w2_to_data(gauss.mean - gauss.std * gauss.mean / math.hypot(gauss.std, s0),
                       gauss.std * math.sqrt(1 + s0 ** 2) / math.hypot(gauss.std, s0), gauss)
    print(f"ddpm at 1000 steps: {w2_to_data(*output_moments('ddpm', 1000, gauss), gauss):.1e}; floor of the "
          f"deterministic samplers, the exact ODE map of the N(0, 1) start (not N(sqrt(abar_T) mu, v_T)): {floor:.1e}")
    print(f"\n# {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
