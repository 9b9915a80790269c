"""SEINE's noise schedule and samplers (SEINE.md §6).

The official loops (``ddpm``, ``ddim``) reproduce the reference Gaussian-diffusion code exactly: linear betas
1e-4..0.02 over 1000 steps in float64, respaced to N steps, every coefficient cast to float32 before it touches a
tensor, epsilon prediction, no x0 clipping, FIXED_LARGE variance. The fast paths wrap diffusers' multistep solvers
configured to the same linear betas. Every sampler exposes the same small interface, used by the pipeline::

    sampler.timesteps            # original timesteps (0..999) to feed the UNet, in sampling order
    sampler.init_noise_sigma     # scale of the initial noise
    sampler.scale_model_input(x, i)
    sampler.needs_noise(i)       # whether step i consumes a fresh N(0, 1) draw
    sampler.step(eps, i, x, noise=None) -> x_prev
"""
from __future__ import annotations

from typing import Optional, Protocol, Sequence

import numpy as np
import torch

from engine.errors import EngineInputError

NUM_TRAIN_TIMESTEPS = 1000
BETA_START, BETA_END = 1e-4, 0.02
OFFICIAL_SAMPLERS = ("ddpm", "ddim")
FAST_SAMPLERS = ("dpm++", "unipc", "euler")
SAMPLERS = OFFICIAL_SAMPLERS + FAST_SAMPLERS


def linear_betas() -> np.ndarray:
    return np.linspace(BETA_START, BETA_END, NUM_TRAIN_TIMESTEPS, dtype=np.float64)


def respaced_timesteps(num_steps: int) -> list[int]:
    """Kept original timesteps, ascending: the official evenly strided walk with round-half-to-even."""
    if not 1 <= num_steps <= NUM_TRAIN_TIMESTEPS:
        raise EngineInputError(f"num_inference_steps {num_steps} is out of range: allowed 1..{NUM_TRAIN_TIMESTEPS}")
    stride = 1 if num_steps <= 1 else (NUM_TRAIN_TIMESTEPS - 1) / (num_steps - 1)
    kept, position = [], 0.0
    for _ in range(num_steps):  # accumulated, not i·stride: that is what the reference does
        kept.append(round(position))
        position += stride
    return sorted(set(kept))


class RespacedSchedule:
    """The float64 coefficient tables of the respaced diffusion, indexed by the respaced step k."""

    def __init__(self, num_steps: int):
        self.timestep_map = np.array(respaced_timesteps(num_steps), dtype=np.int64)
        base_cumprod = np.cumprod(1.0 - linear_betas())
        kept = base_cumprod[self.timestep_map]
        self.betas = 1.0 - kept / np.append(1.0, kept[:-1])
        alphas = 1.0 - self.betas
        self.alphas_cumprod = np.cumprod(alphas)
        self.alphas_cumprod_prev = np.append(1.0, self.alphas_cumprod[:-1])
        self.sqrt_recip_alphas_cumprod = np.sqrt(1.0 / self.alphas_cumprod)
        self.sqrt_recipm1_alphas_cumprod = np.sqrt(1.0 / self.alphas_cumprod - 1)
        posterior_variance = self.betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        self.posterior_mean_coef1 = self.betas * np.sqrt(self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        self.posterior_mean_coef2 = (1.0 - self.alphas_cumprod_prev) * np.sqrt(alphas) / (1.0 - self.alphas_cumprod)
        # FIXED_LARGE: variance β_k, except index 0 which takes the posterior variance of index 1 (never used).
        first = posterior_variance[1] if len(posterior_variance) > 1 else self.betas[0]
        self.fixed_large_log_variance = np.log(np.append(first, self.betas[1:]))
        self._on_device: dict[tuple[int, torch.device], torch.Tensor] = {}

    def __len__(self) -> int:
        return len(self.timestep_map)

    def coefficient(self, table: np.ndarray, k: int, device) -> torch.Tensor:
        """One float64 table entry as a float32 tensor, the way the reference extracts it. The whole table crosses
        to the device once; a step then indexes it there (no host-to-device copy, no sync)."""
        key = (id(table), torch.device(device))
        if key not in self._on_device:
            self._on_device[key] = torch.from_numpy(table).to(torch.float32).to(device)
        return self._on_device[key][k]

    def predict_x0(self, x_t: torch.Tensor, eps: torch.Tensor, k: int) -> torch.Tensor:
        c = self.coefficient
        return c(self.sqrt_recip_alphas_cumprod, k, x_t.device) * x_t - \
            c(self.sqrt_recipm1_alphas_cumprod, k, x_t.device) * eps


class Sampler(Protocol):
    timesteps: list
    init_noise_sigma: float

    def scale_model_input(self, x: torch.Tensor, i: int) -> torch.Tensor: ...

    def prepare(self, device: torch.device) -> None:
        """Move what the steps read to ``device`` now, so no step copies from the host."""

    def needs_noise(self, i: int) -> bool: ...

    def step(self, eps: torch.Tensor, i: int, x: torch.Tensor, noise: Optional[torch.Tensor] = None) -> torch.Tensor:
        ...


class OfficialSampler:
    """The reference DDPM (``p_sample``) or DDIM (``ddim_sample``) loop on the respaced schedule."""

    init_noise_sigma = 1.0

    def __init__(self, method: str, num_steps: int, eta: float = 0.0):
        if method not in OFFICIAL_SAMPLERS:
            raise EngineInputError(f"sampler {method!r} is not an official SEINE sampler: allowed {OFFICIAL_SAMPLERS}")
        self.method, self.eta = method, float(eta)
        self.schedule = RespacedSchedule(num_steps)
        self.timesteps = [int(t) for t in self.schedule.timestep_map[::-1]]

    def _k(self, i: int) -> int:
        return len(self.schedule) - 1 - i

    def prepare(self, device: torch.device) -> None:
        s = self.schedule
        for table in (s.sqrt_recip_alphas_cumprod, s.sqrt_recipm1_alphas_cumprod, s.posterior_mean_coef1,
                      s.posterior_mean_coef2, s.fixed_large_log_variance, s.alphas_cumprod, s.alphas_cumprod_prev):
            s.coefficient(table, 0, device)

    def scale_model_input(self, x: torch.Tensor, i: int) -> torch.Tensor:
        return x

    def needs_noise(self, i: int) -> bool:
        if self._k(i) == 0:
            return False
        return self.method == "ddpm" or self.eta > 0

    def step(self, eps: torch.Tensor, i: int, x: torch.Tensor, noise: Optional[torch.Tensor] = None) -> torch.Tensor:
        k, s = self._k(i), self.schedule
        x0 = s.predict_x0(x, eps, k)
        if self.method == "ddpm":
            mean = s.coefficient(s.posterior_mean_coef1, k, x.device) * x0 + \
                s.coefficient(s.posterior_mean_coef2, k, x.device) * x
            if not self.needs_noise(i):
                return mean
            log_variance = s.coefficient(s.fixed_large_log_variance, k, x.device)
            return mean + torch.exp(0.5 * log_variance) * noise
        return self._ddim_step(x0, k, x, noise if self.needs_noise(i) else None)

    def _ddim_step(self, x0: torch.Tensor, k: int, x: torch.Tensor, noise: Optional[torch.Tensor]) -> torch.Tensor:
        s, dev = self.schedule, x.device
        eps = (s.coefficient(s.sqrt_recip_alphas_cumprod, k, dev) * x - x0) / \
            s.coefficient(s.sqrt_recipm1_alphas_cumprod, k, dev)
        alpha_bar, alpha_bar_prev = s.coefficient(s.alphas_cumprod, k, dev), s.coefficient(s.alphas_cumprod_prev, k, dev)
        sigma = self.eta * torch.sqrt((1 - alpha_bar_prev) / (1 - alpha_bar)) * \
            torch.sqrt(1 - alpha_bar / alpha_bar_prev)
        mean = x0 * torch.sqrt(alpha_bar_prev) + torch.sqrt(1 - alpha_bar_prev - sigma ** 2) * eps
        return mean if noise is None else mean + sigma * noise


def diffusers_scheduler(name: str, num_steps: int, **options):
    """A diffusers multistep scheduler on SEINE's own linear betas (not SD's scaled-linear ones); ``options`` are
    further scheduler settings (step spacing, ...) for comparing candidates."""
    import diffusers  # ~4 s: only when a fast path is used

    common = dict(num_train_timesteps=NUM_TRAIN_TIMESTEPS, beta_start=BETA_START, beta_end=BETA_END,
                  beta_schedule="linear", prediction_type="epsilon", **options)
    if name == "dpm++":
        scheduler = diffusers.DPMSolverMultistepScheduler(**common, algorithm_type="dpmsolver++", solver_order=2)
    elif name == "unipc":
        scheduler = diffusers.UniPCMultistepScheduler(**common, solver_order=2)
    elif name == "euler":
        scheduler = diffusers.EulerDiscreteScheduler(**common)
    else:
        raise EngineInputError(f"unknown fast sampler {name!r}: allowed {FAST_SAMPLERS}")
    scheduler.set_timesteps(num_steps)
    return scheduler


class DiffusersSampler:
    """Adapter from a deterministic diffusers scheduler to the sampler interface."""

    def __init__(self, name: str, num_steps: int, **options):
        if num_steps < 1:
            raise EngineInputError(f"num_inference_steps {num_steps} is out of range: allowed >= 1")
        self.name = name
        self.scheduler = diffusers_scheduler(name, num_steps, **options)
        self.init_noise_sigma = float(self.scheduler.init_noise_sigma)
        self._scheduler_timesteps = list(self.scheduler.timesteps)
        self.timesteps = [float(t) for t in self._scheduler_timesteps]

    def scale_model_input(self, x: torch.Tensor, i: int) -> torch.Tensor:
        return self.scheduler.scale_model_input(x, self._scheduler_timesteps[i])

    def prepare(self, device: torch.device) -> None:
        """diffusers keeps its step tables on the host and reads them as Python numbers."""

    def needs_noise(self, i: int) -> bool:
        return False

    def step(self, eps: torch.Tensor, i: int, x: torch.Tensor, noise: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.scheduler.step(eps, self._scheduler_timesteps[i], x).prev_sample


def make_sampler(name: str, num_steps: int, eta: float = 0.0) -> Sampler:
    if name in OFFICIAL_SAMPLERS:
        return OfficialSampler(name, num_steps, eta)
    if name in FAST_SAMPLERS:
        return DiffusersSampler(name, num_steps)
    raise EngineInputError(f"unknown sampler {name!r}: allowed {', '.join(SAMPLERS)}")


def schedule_table(num_steps: int) -> dict[str, Sequence]:
    """The respaced timestep map and betas, in the layout of the fixture's schedule.json."""
    schedule = RespacedSchedule(num_steps)
    return {"timestep_map": schedule.timestep_map.tolist(), "betas": schedule.betas.tolist()}
