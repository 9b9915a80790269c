"""SeinePipeline: known frames + prompt -> video, in the numbered steps of a diffusers pipeline.

1. check inputs  2. encode prompt  3. prepare conditioning  4. timesteps  5. denoise loop  6. decode.

Random draws happen in the official order (initial noise, VAE posterior noise, one per step that needs it) and come
from an injectable :class:`RandomDraws`, so the parity runner can replay a reference run's stored noise.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol, Sequence

import numpy as np
import torch

from engine.devices import out_of_memory_error
from engine.errors import EngineInputError, GenerationCancelled
from engine.seine import conditioning as cond
from engine.seine.sampling import SAMPLERS, make_sampler
from engine.seine.unet import UNet3DConditionModel

MAX_FRAMES = 128
MAX_SIDE = 2048
GUIDANCE_RANGE = (0.0, 50.0)
TEXT_CACHE_SIZE = 32


class RandomDraws(Protocol):
    def initial_noise(self, shape: Sequence[int]) -> torch.Tensor: ...

    def posterior_noise(self, shape: Sequence[int]) -> torch.Tensor: ...

    def step_noise(self, step_index: int, shape: Sequence[int]) -> torch.Tensor: ...


class GeneratorDraws:
    """Standard normal draws from one seeded CPU generator: the same numbers on every device."""

    def __init__(self, seed: int = 0, generator: Optional[torch.Generator] = None):
        self.generator = generator or torch.Generator("cpu").manual_seed(int(seed))

    def _draw(self, shape) -> torch.Tensor:
        return torch.randn(tuple(shape), generator=self.generator, dtype=torch.float32)

    def initial_noise(self, shape):
        return self._draw(shape)

    def posterior_noise(self, shape):
        return self._draw(shape)

    def step_noise(self, step_index, shape):
        return self._draw(shape)


@dataclass
class SeinePipelineOutput:
    frames: Optional[np.ndarray]  # (f, H, W, 3) uint8, None when output_type="latent"
    latents: torch.Tensor  # (1, 4, f, h, w) float32, the sampler's final state
    timings: dict = field(default_factory=dict)


StepCallback = Callable[["SeinePipeline", int, float, dict], Optional[dict]]


class SeinePipeline:
    """Owns UNet, VAE, CLIP text encoder and tokenizer; moved to the device once with :meth:`to`."""

    def __init__(self, unet: UNet3DConditionModel, vae, text_encoder, tokenizer):
        self.unet, self.vae, self.text_encoder, self.tokenizer = unet, vae, text_encoder, tokenizer
        self.device, self.dtype = torch.device("cpu"), torch.float32
        self._text_cache: OrderedDict[str, torch.Tensor] = OrderedDict()

    @classmethod
    def from_pretrained(cls, path_or_paths=None, *, checkpoint=None, sd_path=None, device="cpu",
                        dtype=torch.float32) -> "SeinePipeline":
        """A weights folder (see :mod:`engine.seine.weights`) or ``(checkpoint, sd_path)``."""
        from diffusers import AutoencoderKL
        from diffusers.utils import logging as diffusers_logging
        from transformers import CLIPTextModel, CLIPTokenizer
        from transformers.utils import logging as transformers_logging

        from engine.seine.weights import load_unet, locate_weights

        if isinstance(path_or_paths, (tuple, list)):
            checkpoint, sd_path = path_or_paths
            path_or_paths = None
        location = locate_weights(path_or_paths, checkpoint=checkpoint, sd_path=sd_path)
        diffusers_logging.set_verbosity_error()  # loading chatter (accelerate hints, progress bars)
        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
        unet = load_unet(location)
        vae = AutoencoderKL.from_pretrained(location.sd_path / "vae", torch_dtype=torch.float32)
        text_encoder = CLIPTextModel.from_pretrained(location.sd_path / "text_encoder", dtype=torch.float32)
        tokenizer = CLIPTokenizer.from_pretrained(location.sd_path / "tokenizer")
        pipe = cls(unet, vae.eval().requires_grad_(False), text_encoder.eval().requires_grad_(False), tokenizer)
        pipe.location = location
        return pipe.to(device, dtype)

    def to(self, device=None, dtype: Optional[torch.dtype] = None) -> "SeinePipeline":
        self.device = torch.device(device) if device is not None else self.device
        self.dtype = dtype or self.dtype
        for module in (self.unet, self.vae, self.text_encoder):
            module.to(device=self.device, dtype=self.dtype)
        self._text_cache.clear()
        return self

    def compile(self, warm_canvases: Sequence[tuple[int, int]] = (), frames: int = 16) -> None:
        """Compile the UNet forward (CUDA): one static graph per canvas size (`dynamic=False`: the fastest kernels),
        reused by every step, DDPM's and the solvers' alike (timesteps reach it as a float32 tensor). Canvases in
        ``warm_canvases`` are compiled now, one guided step each, instead of on a job's first step."""
        import torch._dynamo

        # every official canvas, a few of the person's, CFG and unguided: more graphs than dynamo's default keeps
        torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 32)
        self.unet.forward = torch.compile(self.unet.forward, dynamic=False)
        text = torch.zeros(1, 77, self.unet.config.cross_attention_dim, device=self.device, dtype=self.dtype)
        with torch.inference_mode():
            for height, width in warm_canvases:
                sample = torch.zeros(1, 9, frames, height // cond.VAE_FACTOR, width // cond.VAE_FACTOR,
                                     device=self.device, dtype=self.dtype)
                self.unet.guided(sample, torch.zeros(1, device=self.device), text, text, 8.0)

    # 1. check inputs ---------------------------------------------------------------------------------------------
    def check_inputs(self, known_frames, mask_type: str, prompt: str, negative_prompt: str, num_frames: int,
                     height: int, width: int, num_inference_steps: int, guidance_scale: float, sampler: str):
        for name, value in (("height", height), ("width", width)):
            if not isinstance(value, int) or value < 8 or value > MAX_SIDE or value % cond.VAE_FACTOR:
                raise EngineInputError(f"{name} {value!r} is not allowed: use a multiple of 8 from 8 to {MAX_SIDE}")
        if not isinstance(num_frames, int) or not 2 <= num_frames <= MAX_FRAMES:
            raise EngineInputError(f"num_frames {num_frames!r} is out of range: allowed 2..{MAX_FRAMES}")
        if not isinstance(num_inference_steps, int) or not 1 <= num_inference_steps <= 1000:
            raise EngineInputError(f"num_inference_steps {num_inference_steps!r} is out of range: allowed 1..1000")
        low, high = GUIDANCE_RANGE
        if not low <= float(guidance_scale) <= high:
            raise EngineInputError(f"guidance_scale {guidance_scale!r} is out of range: allowed {low}..{high}")
        if sampler not in SAMPLERS:
            raise EngineInputError(f"sampler {sampler!r} is unknown: allowed {', '.join(SAMPLERS)}")
        for name, text in (("prompt", prompt), ("negative_prompt", negative_prompt)):
            if not isinstance(text, str):
                raise EngineInputError(f"{name} must be a string, got {type(text).__name__}")
        mask = cond.frame_mask(mask_type, num_frames)
        known = 0 if known_frames is None else len(known_frames)
        if known != int((mask == 0).sum()):
            raise EngineInputError(f"mask {mask_type!r} over {num_frames} frames needs {int((mask == 0).sum())} "
                                   f"known frame(s), got {known}")
        return mask

    # 2. encode prompt ----------------------------------------------------------------------------------------------
    def tokenize(self, prompts: list[str]) -> torch.Tensor:
        return self.tokenizer(prompts, max_length=77, padding="max_length", truncation=True,
                              return_tensors="pt").input_ids

    @torch.inference_mode()
    def encode_prompt(self, prompt: str) -> torch.Tensor:
        """``(1, 77, D)`` last_hidden_state of every token position, no attention mask; cached per prompt."""
        if prompt in self._text_cache:
            self._text_cache.move_to_end(prompt)
            return self._text_cache[prompt]
        ids = self.tokenize([prompt]).to(self.device)
        embedding = self.text_encoder(input_ids=ids).last_hidden_state
        self._text_cache[prompt] = embedding
        if len(self._text_cache) > TEXT_CACHE_SIZE:
            self._text_cache.popitem(last=False)
        return embedding

    # 3. prepare conditioning ---------------------------------------------------------------------------------------
    @torch.inference_mode()
    def encode_video(self, video: torch.Tensor, chunk_frames: int = 4) -> tuple[torch.Tensor, torch.Tensor]:
        """VAE posterior ``(mean, logvar)`` in float32 of ``(f, 3, H, W)``, each distinct frame encoded once.

        A transition's 16 frames are mostly the same grey frame and N copies of each scene; the encoder works on
        each image alone, so encoding the distinct ones (in chunks, for bounded memory) gives the same posterior.
        """
        distinct, index = [], []
        for frame in video:
            found = next((k for k, seen in enumerate(distinct) if torch.equal(seen, frame)), None)
            if found is None:
                distinct.append(frame)
                found = len(distinct) - 1
            index.append(found)
        means, logvars = [], []
        for chunk in torch.stack(distinct).split(max(1, chunk_frames)):
            posterior = self.vae.encode(chunk.to(self.device, self.dtype)).latent_dist
            means.append(posterior.mean.float())
            logvars.append(posterior.logvar.float())
        picks = torch.tensor(index, device=self.device)
        return torch.cat(means)[picks], torch.cat(logvars)[picks]

    @torch.inference_mode()
    def prepare_conditioning(self, known_frames, mask: torch.Tensor, height: int, width: int, draws: RandomDraws,
                             trace: Optional[dict] = None, chunk_frames: int = 4):
        """(latent mask (1,1,f,h,w), masked latents (1,4,f,h,w) float32)."""
        normalised = torch.cat([cond.preprocess_frames(np.asarray(frame)[None], (height, width))
                                for frame in known_frames]) if known_frames is not None else \
            torch.zeros(0, 3, height, width)
        mean, logvar = self.encode_video(cond.masked_video(normalised, mask), chunk_frames)
        noise = draws.posterior_noise(mean.shape).to(self.device, torch.float32)
        masked_latents = cond.posterior_sample_latents(mean, logvar, noise)
        mask_latent = cond.latent_mask(mask, (height // cond.VAE_FACTOR, width // cond.VAE_FACTOR)).to(self.device)
        if trace is not None:
            trace.update(video_input_known_frames=normalised, vae_posterior_mean=mean,
                         vae_posterior_std=cond.posterior_std(logvar),
                         masked_latents=masked_latents, mask_frames=mask, mask_latent=mask_latent)
        return mask_latent, masked_latents

    # 5. denoise loop -----------------------------------------------------------------------------------------------
    @torch.inference_mode()
    def denoise(self, latents, sampler, mask_latent, masked_latents, text: torch.Tensor, guidance_scale: float,
                draws: RandomDraws, callback_on_step_end: Optional[StepCallback] = None,
                cancelled: Optional[Callable[[], bool]] = None, trace: Optional[dict] = None) -> torch.Tensor:
        cond_text, uncond_text = text[:1], text[1:]  # one row only: unguided (both prompts are the same text)
        # Everything a step needs from the host crosses once, before the loop: the timesteps and the step noise,
        # drawn in step order from the CPU generator (so the numbers match the reference), then moved together.
        timesteps = torch.tensor(sampler.timesteps, device=self.device, dtype=torch.float32)  # one graph for all
        sampler.prepare(self.device)
        noisy = [i for i in range(len(sampler.timesteps)) if sampler.needs_noise(i)]
        noises = torch.stack([draws.step_noise(i, latents.shape) for i in noisy]).to(self.device) if noisy else None
        noise_of = {i: n for n, i in enumerate(noisy)}
        for i, t in enumerate(sampler.timesteps):
            if cancelled is not None and cancelled():
                raise GenerationCancelled(f"cancelled before step {i + 1} of {len(sampler.timesteps)}")
            model_input = cond.pack_model_input(sampler.scale_model_input(latents, i), mask_latent, masked_latents)
            timestep = timesteps[i:i + 1]
            eps = (self.unet.guided(model_input.to(self.dtype), timestep, cond_text, uncond_text, guidance_scale)
                   if len(uncond_text) else self.unet(model_input.to(self.dtype), timestep, cond_text)).float()
            noise = noises[noise_of[i]] if i in noise_of else None
            if trace is not None:
                trace.setdefault("step_x_t", []).append(latents.clone())
                trace.setdefault("step_eps_cfg", []).append(eps.clone())
                trace.setdefault("step_timesteps", []).append(t)
            latents = sampler.step(eps, i, latents, noise)
            if callback_on_step_end is not None:
                replaced = callback_on_step_end(self, i, t, {"latents": latents})
                latents = (replaced or {}).get("latents", latents)
        if cancelled is not None and cancelled():
            raise GenerationCancelled("cancelled after the last step; nothing was decoded")
        return latents

    # 6. decode -------------------------------------------------------------------------------------------------------
    @torch.inference_mode()
    def decode(self, latents: torch.Tensor, chunk_frames: int = 4) -> np.ndarray:
        """VAE-decode ``(1, 4, f, h, w)`` in chunks of frames (bounded memory) -> uint8 ``(f, H, W, 3)``."""
        per_frame = latents[0].permute(1, 0, 2, 3) / cond.LATENT_SCALE
        pieces = [cond.postprocess(self.vae.decode(chunk.to(self.dtype)).sample)
                  for chunk in per_frame.split(max(1, chunk_frames))]
        return np.concatenate(pieces)

    def __call__(self, known_frames, mask_type: str, prompt: str = "", negative_prompt: str = "", *,
                 num_frames: int = 16, height: int = 320, width: int = 512, num_inference_steps: int = 250,
                 guidance_scale: float = 8.0, sampler: str = "ddpm", eta: float = 0.0, seed: int = 0,
                 draws: Optional[RandomDraws] = None, callback_on_step_end: Optional[StepCallback] = None,
                 cancelled: Optional[Callable[[], bool]] = None, output_type: str = "uint8",
                 vae_chunk_frames: int = 4, trace: Optional[dict] = None) -> SeinePipelineOutput:
        """``known_frames``: uint8 ``(H, W, 3)`` RGB images for the mask's known positions, in frame order."""
        try:
            return self._run(known_frames, mask_type, prompt, negative_prompt, num_frames, height, width,
                             num_inference_steps, guidance_scale, sampler, eta, draws or GeneratorDraws(seed),
                             callback_on_step_end, cancelled, output_type, vae_chunk_frames, trace)
        except torch.OutOfMemoryError as error:
            raise out_of_memory_error(self.device, height, width, num_frames, error) from error

    def _run(self, known_frames, mask_type, prompt, negative_prompt, num_frames, height, width, steps, guidance,
             sampler_name, eta, draws, callback, cancelled, output_type, chunk, trace) -> SeinePipelineOutput:
        timings, started = {}, time.perf_counter()
        mask = self.check_inputs(known_frames, mask_type, prompt, negative_prompt, num_frames, height, width,
                                 steps, guidance, sampler_name)  # 1
        # 2: [cond, uncond]; the same text twice would make guidance a batch of two computing one result
        text = self.encode_prompt(prompt) if prompt == negative_prompt else \
            torch.cat([self.encode_prompt(prompt), self.encode_prompt(negative_prompt)])
        latent_shape = (1, 4, num_frames, height // cond.VAE_FACTOR, width // cond.VAE_FACTOR)
        initial = draws.initial_noise(latent_shape).to(self.device, torch.float32)
        mask_latent, masked_latents = self.prepare_conditioning(known_frames, mask, height, width, draws, trace,
                                                                chunk)  # 3
        sampler = make_sampler(sampler_name, steps, eta)  # 4
        timings["prepare_s"] = time.perf_counter() - started
        if trace is not None:
            trace.update(z_init=initial, text_input_ids=self.tokenize([prompt, negative_prompt]), text_embeddings=text)
        started = time.perf_counter()
        latents = self.denoise(initial * sampler.init_noise_sigma, sampler, mask_latent, masked_latents,
                               text, float(guidance), draws, callback, cancelled, trace)  # 5
        timings["denoise_s"] = time.perf_counter() - started
        if output_type == "latent":
            return SeinePipelineOutput(None, latents, timings)
        started = time.perf_counter()
        frames = self.decode(latents, chunk)  # 6
        timings["decode_s"] = time.perf_counter() - started
        return SeinePipelineOutput(frames, latents, timings)

