"""The SEINE schedule, respacing and samplers."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.errors import EngineInputError
from engine.seine.sampling import OfficialSampler, RespacedSchedule, make_sampler, respaced_timesteps, schedule_table

SCHEDULE = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "seine_tiny" / "schedule.json"


@pytest.mark.skipif(not SCHEDULE.is_file(), reason="shared/fixtures/seine_tiny/schedule.json is absent")
@pytest.mark.parametrize("steps", ["4", "5", "250"])
def test_respaced_schedule_equals_the_official_tables(steps):
    reference = json.loads(SCHEDULE.read_text())[steps]
    ours = schedule_table(int(steps))
    assert ours["timestep_map"] == reference["timestep_map"]
    np.testing.assert_allclose(ours["betas"], reference["betas"], rtol=1e-12, atol=0)


def test_respacing_examples_from_the_design_doc():
    assert respaced_timesteps(5) == [0, 250, 500, 749, 999]
    assert respaced_timesteps(4) == [0, 333, 666, 999]
    assert respaced_timesteps(1000) == list(range(1000))


def test_base_schedule_is_linear_1e4_to_002_not_sd_scaled_linear():
    schedule = RespacedSchedule(1000)
    assert schedule.betas[0] == pytest.approx(1e-4, rel=1e-9)
    assert schedule.betas[-1] == pytest.approx(0.02, rel=1e-9)
    assert schedule.alphas_cumprod[-1] == pytest.approx(np.prod(1 - np.linspace(1e-4, 0.02, 1000)), rel=1e-12)


@pytest.mark.parametrize("steps", [0, 1001])
def test_step_counts_outside_1_to_1000_are_refused_with_the_range(steps):
    with pytest.raises(EngineInputError, match=f"num_inference_steps {steps} .*1..1000"):
        respaced_timesteps(steps)


def test_unknown_sampler_names_the_allowed_ones():
    with pytest.raises(EngineInputError, match="'heun'.*ddpm, ddim, dpm\\+\\+, unipc, euler"):
        make_sampler("heun", 10)


def test_ddim_with_the_true_noise_recovers_x0_in_one_step_from_any_step_count():
    x0 = torch.randn(1, 4, 2, 3, 3)
    eps = torch.randn_like(x0)
    for steps in (3, 7, 33):
        sampler = OfficialSampler("ddim", steps)
        k = len(sampler.schedule) - 1
        abar = float(sampler.schedule.alphas_cumprod[k])
        x_t = (abar ** 0.5) * x0 + ((1 - abar) ** 0.5) * eps
        x = x_t
        for i in range(len(sampler.timesteps)):  # the exact ε at every step keeps the DDIM path on x0
            k_i = len(sampler.schedule) - 1 - i
            a = float(sampler.schedule.alphas_cumprod[k_i])
            eps_i = (x - a ** 0.5 * x0) / (1 - a) ** 0.5
            x = sampler.step(eps_i, i, x)
        assert torch.allclose(x, x0, atol=1e-4)


def test_ddpm_uses_beta_as_variance_and_no_noise_on_the_last_step():
    sampler = OfficialSampler("ddpm", 4)
    x, eps = torch.zeros(1, 4, 1, 2, 2), torch.zeros(1, 4, 1, 2, 2)
    noise = torch.ones_like(x)
    assert sampler.needs_noise(0) and not sampler.needs_noise(3)
    first = sampler.step(eps, 0, x, noise)
    assert torch.allclose(first, torch.full_like(x, float(sampler.schedule.betas[-1]) ** 0.5), rtol=1e-6)
    assert torch.equal(sampler.step(eps, 3, x, None), torch.zeros_like(x))


@pytest.mark.parametrize("name", ["dpm++", "unipc", "euler"])
def test_fast_samplers_use_the_seine_betas_and_converge_to_the_clean_sample(name):
    x0 = torch.full((1, 4, 2, 4, 4), 0.7)
    sampler = make_sampler(name, 20)
    assert float(sampler.scheduler.betas[0]) == pytest.approx(1e-4)
    assert float(sampler.scheduler.betas[-1]) == pytest.approx(0.02)
    x = torch.randn(1, 4, 2, 4, 4, generator=torch.Generator().manual_seed(0)) * sampler.init_noise_sigma
    for i, t in enumerate(sampler.timesteps):
        x_in = sampler.scale_model_input(x, i)
        abar = float(sampler.scheduler.alphas_cumprod[int(round(t))])
        eps = (x_in - abar ** 0.5 * x0) / (1 - abar) ** 0.5  # an oracle denoiser that knows x0
        x = sampler.step(eps, i, x)
    assert (x - x0).abs().max() < 0.05
