"""Sampler accuracy on SEINE's schedule against an exact reference (bench/samplers.py has the full tables).

For per-element data x0 ~ N(MU, S^2) the ideal UNet is known in closed form, E[eps | x_t] =
sqrt(1-abar) (x_t - sqrt(abar) MU) / v with v = abar S^2 + 1 - abar, and the probability-flow ODE keeps
(x_t - sqrt(abar) MU) / sqrt(v) constant, so its exact endpoint from any start is known too. Errors are relative to
S. Tolerances are the measured errors (1024 elements, seed 0) with about 25% margin.
"""
import math

import numpy as np
import pytest
import torch

from engine.seine.engine import PRESETS
from engine.seine.sampling import FAST_SAMPLERS, OfficialSampler, make_sampler

MU, S = 0.5, 0.5


def gaussian_eps(x: torch.Tensor, abar: float) -> torch.Tensor:
    x = x.to(torch.float64)
    return (math.sqrt(1 - abar) * (x - math.sqrt(abar) * MU) / (abar * S ** 2 + 1 - abar)).to(torch.float32)


def exact_endpoint(x_start: torch.Tensor, abar: float) -> torch.Tensor:
    v = abar * S ** 2 + 1 - abar
    return MU + S * (x_start.to(torch.float64) - math.sqrt(abar) * MU) / math.sqrt(v)


def noise_level(sampler, i: int) -> float:
    """The alphas_cumprod the solver itself assumes at step i."""
    if isinstance(sampler, OfficialSampler):
        return float(sampler.schedule.alphas_cumprod[len(sampler.schedule) - 1 - i])
    sigma = float(sampler.scheduler.sigmas[i])
    return 1.0 / (1.0 + sigma * sigma)


def run(sampler, noise: torch.Tensor, step_noise=None):
    """SeinePipeline.denoise with the exact eps as UNet; returns (the VP start state and its abar, the endpoint)."""
    x = noise * sampler.init_noise_sigma
    start = None
    for i in range(len(sampler.timesteps)):
        model_input = sampler.scale_model_input(x, i)
        abar = noise_level(sampler, i)
        if start is None:
            start = (model_input, abar)
        x = sampler.step(gaussian_eps(model_input, abar), i, x, step_noise(i) if sampler.needs_noise(i) else None)
    return start, x


def endpoint_error(name: str, steps: int) -> tuple[float, float]:
    """(RMS, max) distance to the exact ODE endpoint from the same start, over S."""
    noise = torch.randn(1, 4, 256, generator=torch.Generator().manual_seed(0))  # UniPC needs batch and channels
    (x_start, abar), x = run(make_sampler(name, steps), noise)
    err = (x.to(torch.float64) - exact_endpoint(x_start, abar)).abs()
    return float(err.pow(2).mean().sqrt()) / S, float(err.max()) / S


def test_the_closed_form_endpoint_is_where_a_fine_rk4_on_the_flow_lands():
    abar = np.cumprod(1 - np.linspace(1e-4, 0.02, 1000))[-1]
    sigma_start = math.sqrt((1 - abar) / abar)
    y = torch.linspace(-3, 3, 7, dtype=torch.float64) / math.sqrt(abar)  # y = x_t / sqrt(abar) = x0 + sigma eps

    def dy(y, sigma):  # dy/dsigma = E[eps | y]
        return sigma * (y - MU) / (S ** 2 + sigma ** 2)

    grid = list(np.geomspace(sigma_start, 1e-6, 2000)) + [0.0]
    for a, b in zip(grid[:-1], grid[1:]):
        h = b - a
        k1 = dy(y, a)
        k2 = dy(y + h / 2 * k1, a + h / 2)
        k3 = dy(y + h / 2 * k2, a + h / 2)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + dy(y + h * k3, b))
    expected = exact_endpoint(torch.linspace(-3, 3, 7, dtype=torch.float64), abar)
    assert float((y - expected).abs().max()) < 1e-8


def test_ddim_at_all_1000_steps_lands_on_the_exact_flow_endpoint():
    rms, worst = endpoint_error("ddim", 1000)  # measured 3.1e-3, 1.2e-2: first order, so not to float precision
    assert rms < 4e-3
    assert worst < 1.6e-2


def test_ddim_is_first_order_four_times_the_steps_a_quarter_of_the_error():
    ratio = endpoint_error("ddim", 250)[0] / endpoint_error("ddim", 1000)[0]  # measured 3.79
    assert 3.5 < ratio < 4.5


def test_the_draft_preset_lands_within_3_2e_2_rms_of_the_exact_endpoint():
    rms, worst = endpoint_error(PRESETS["draft"].sampler, PRESETS["draft"].steps)  # dpm++ 25: 2.5e-2, 1.0e-1
    assert rms < 3.2e-2
    assert worst < 1.3e-1


def test_the_preview_preset_lands_within_0_25_rms_of_the_exact_endpoint():
    rms, worst = endpoint_error(PRESETS["preview"].sampler, PRESETS["preview"].steps)  # dpm++ 10: 0.20, 0.79
    assert rms < 0.25
    assert worst < 1.0


@pytest.mark.parametrize("name", ("ddim",) + FAST_SAMPLERS)
def test_every_deterministic_sampler_error_shrinks_as_steps_grow(name):
    errors = [endpoint_error(name, steps)[0] for steps in (5, 10, 25, 50)]
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < errors[0] / 8


def test_the_final_preset_ddpm_reproduces_the_data_mean_and_std():
    """DDPM is stochastic but affine here: one run over probe elements gives its exact output mean and std.

    Element 0 starts at x_T = 0 with no noise (the mean), element 1 at x_T = 1 (the gain on x_T), element 2+j
    gets z = 1 at the j-th noised step only.
    """
    sampler = make_sampler(PRESETS["final"].sampler, PRESETS["final"].steps)
    noised = [i for i in range(len(sampler.timesteps)) if sampler.needs_noise(i)]
    probe = torch.zeros(1, 1, 2 + len(noised))
    probe[..., 1] = 1.0

    def one_hot_noise(i):
        z = torch.zeros_like(probe)
        z[..., 2 + noised.index(i)] = 1.0
        return z

    out = run(sampler, probe, one_hot_noise)[1].to(torch.float64).flatten()
    mean, std = float(out[0]), math.sqrt(float(((out[1:] - out[0]) ** 2).sum()))
    assert abs(mean - MU) / S < 1e-4  # measured 1.0e-5
    assert abs(std / S - 1) < 1e-2  # measured +6.7e-3: 250 steps of FIXED_LARGE variance widen it slightly
