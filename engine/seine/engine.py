"""SeineEngine: the Engine protocol of :mod:`engine.api` on top of :class:`SeinePipeline`.

* ``transition``: mask ``onelast{N}``, frames ``[first]·N + generated + [last]·N``.
* ``extend``: mask ``first{N}`` with the clip's last N frames; any number of new frames, made in autoregressive
  16-frame chunks, each conditioned on the previous chunk's tail. Only the new frames are returned.
* ``animate``: mask ``first1``.

Known frames are a condition only (SEINE.md §3): the returned frames at known positions are the model's own
approximation of the inputs; pasting the originals back is the editor's choice, not the engine's.

Prompts are built as the official script builds them (`official_prompt`): the person's prompt, or when it is empty
the config's own (transition: "smooth transition"; animate and extend: the source's file name), then the config's
additional prompt appended with no separator (transition: "smooth transition.", animate and extend: ", slow
motion."), so an empty prompt gives "smooth transitionsmooth transition." exactly as the official transition run.
"""
from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from engine.api import (AnimateRequest, CanvasRule, EngineInfo, EngineOption, ExtendRequest, GeneratedFrames,
                        GenerationRequest, PresetInfo, StepInfo, TransitionRequest)
from engine.model_engine import ModelEngine
from engine.errors import EngineInputError

OFFICIAL_FPS = 8.0
CHUNK_FRAMES = 16  # the clip length SEINE was trained on
# configs/sample_transition.yaml and configs/sample_i2v.yaml: text_prompt (when the person gives none) and
# additional_prompt. Extension has no official config; it conditions on the first frames like i2v (first{N} masks),
# so it takes i2v's prompt rule.
TRANSITION_TEXT_PROMPT = "smooth transition"
ADDITIONAL_PROMPTS = {"transition": "smooth transition.", "animate": ", slow motion.", "extend": ", slow motion."}


PROMPT_RULE = ("SEINE appends its official words to the prompt, with no space: a transition adds \"smooth "
               "transition.\" (empty: \"smooth transitionsmooth transition.\"), an animation or extension adds "
               "\", slow motion.\" (empty: the source's file name).")


def official_prompt(mode: str, prompt: str, source_name: str = "") -> str:
    """``text_prompt + additional_prompt`` with no separator, as `with_mask_sample.py` builds it. An empty prompt
    is the transition config's "smooth transition", or for animate and extend (i2v's empty ``text_prompt``) the
    source's file name without its extension, "_" read as a space."""
    if not prompt:
        stem = source_name.rpartition(".")[0] or source_name
        prompt = TRANSITION_TEXT_PROMPT if mode == "transition" else stem.replace("_", " ")
    return prompt + ADDITIONAL_PROMPTS[mode]


PRESETS = {preset.name: preset for preset in (
    # DPM-Solver++(2M), time-uniform steps (Lu et al. 2022's choice for guided latent models), 10x fewer UNet calls.
    # Against exact Gaussian / Gaussian-mixture references (bench/samplers.py) 25 steps land within 2.4e-2 / 4.3e-2
    # RMS (of the data std) of the ODE endpoint; DDIM and Euler need more than 60 steps for that.
    PresetInfo("draft", "dpm++", 25, 8.0, "DPM-Solver++ 25 steps: close to final at a tenth of the cost"),
    PresetInfo("preview", "dpm++", 10, 8.0, "DPM-Solver++ 10 steps: a quick look"),
    PresetInfo("final", "ddpm", 250, 8.0, "the official sampler, 250 DDPM steps"),  # bit-for-bit the reference loop
)}
# The official configs' canvases (H, W): 320×512 (the default, WebVid's shape, for 16:10, 16:9, 4:3 and 1.85:1),
# 512×512 (the transition config) and 240×560 (the i2v config, for 2:1 and scope). A source takes the one nearest
# its aspect and is stretched to it, as the official transform stretches every input; the result is stretched back.
# No portrait canvas: the model was trained on landscape clips and never saw one, so a portrait source takes the
# square canvas, the official one nearest its shape, and is stretched into it like any other.
CANVAS = CanvasRule(buckets=((320, 512), (512, 512), (240, 560)), multiple=8, stretch=True)
OPTIONS = (
    EngineOption("weights", "folder", help="folder with seine.pt beside a Stable Diffusion 1.4 folder"),
    EngineOption("checkpoint", "file", help="seine.pt, with sd_path"),
    EngineOption("sd_path", "folder", help="Stable Diffusion 1.4 folder (vae/, text_encoder/, tokenizer/, unet/)"),
    EngineOption("device", "choice", "auto", ("auto", "cuda", "cpu"), "where the model runs"),
    EngineOption("dtype", "choice", "auto", ("auto", "float16", "bfloat16", "float32"),
                 "auto: float16 on CUDA (the official setting), float32 on the CPU"),
    EngineOption("compile", "choice", "auto", ("auto", "on", "off"),
                 "torch.compile the UNet, one graph per canvas (auto: on CUDA)"),
    EngineOption("warmup", "bool", False, help="compile the official canvases when the model loads, not on first use"),
)


def model_size_for_aspect(width: int, height: int) -> tuple[int, int]:
    """``(height, width)``: the official canvas nearest the source's aspect ratio."""
    return CANVAS.canvas_for((height, width), (height, width))


def _check_image(name: str, image) -> np.ndarray:
    array = np.asarray(image)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 3 or 0 in array.shape:
        raise EngineInputError(f"{name} must be a uint8 H×W×3 RGB image, got {array.dtype} {array.shape}")
    return array


class SeineEngine(ModelEngine):
    name = "seine"

    @classmethod
    def describe(cls, identity: str = "") -> EngineInfo:
        return EngineInfo(cls.name, "SEINE video diffusion (needs weights; GPU recommended)", "SEINE", identity,
                          native_frames=CHUNK_FRAMES, fps=OFFICIAL_FPS, canvas=CANVAS, context_frames=4,
                          presets=tuple(PRESETS.values()), default_preset="draft", options=OPTIONS,
                          required=(("weights",), ("checkpoint", "sd_path")), needs_gpu=True,
                          prompt_rule=PROMPT_RULE)

    @staticmethod
    def validate(options: dict) -> None:
        """Fail fast on a weights location that is not usable (reads no weights)."""
        from engine.seine.weights import locate_weights

        locate_weights(options.get("weights"), checkpoint=options.get("checkpoint"), sd_path=options.get("sd_path"))

    def __init__(self, weights=None, *, checkpoint=None, sd_path=None, device: str = "auto", dtype="auto",
                 compile="auto", warmup: bool = False):
        from engine.seine.weights import locate_weights, weights_identity

        self.location = locate_weights(weights, checkpoint=checkpoint, sd_path=sd_path)  # fails fast, loads lazily
        super().__init__(weights_identity(self.location), device, dtype, cuda_dtype="float16")  # the official one
        if compile not in ("auto", "on", "off", True, False):
            raise EngineInputError(f"compile {compile!r} is not allowed: auto, on or off")
        self.compile = compile in ("on", True) or (compile == "auto" and self.device.type == "cuda")
        self.warmup = bool(warmup)

    def load_pipeline(self):
        from engine.seine.pipeline import SeinePipeline

        pipeline = SeinePipeline.from_pretrained(checkpoint=self.location.checkpoint, sd_path=self.location.sd_path,
                                                 device=self.device, dtype=self.dtype)
        if self.compile:
            pipeline.compile(CANVAS.buckets if self.warmup else ())
        return pipeline

    # the three modes ---------------------------------------------------------------------------------------------
    def transition(self, first, last, request: TransitionRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        first, last = _check_image("first", first), _check_image("last", last)
        known = request.num_known
        if not isinstance(known, int) or known < 1 or 2 * known >= request.num_frames:
            raise EngineInputError(f"num_known {known!r} is not allowed for {request.num_frames} frames: "
                                   f"1 <= num_known and 2·num_known < num_frames")
        prompt = official_prompt("transition", request.prompt, request.source_name)
        frames, info = self._generate([first] * known + [last] * known, f"onelast{known}", request, prompt,
                                      request.num_frames, first.shape, on_step, cancelled, "denoise", 0, 1)
        return GeneratedFrames(frames, OFFICIAL_FPS, info)

    def animate(self, image, request: AnimateRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        image = _check_image("image", image)
        prompt = official_prompt("animate", request.prompt, request.source_name)
        frames, info = self._generate([image], "first1", request, prompt, request.num_frames, image.shape,
                                      on_step, cancelled, "denoise", 0, 1)
        return GeneratedFrames(frames, OFFICIAL_FPS, info)

    def extend(self, frames, request: ExtendRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        clip = np.asarray(frames)
        if clip.dtype != np.uint8 or clip.ndim != 4 or clip.shape[-1] != 3 or 0 in clip.shape:
            raise EngineInputError(f"frames must be a uint8 T×H×W×3 clip, got {clip.dtype} {clip.shape}")
        if not isinstance(request.num_known, int) or not 1 <= request.num_known < CHUNK_FRAMES:
            raise EngineInputError(f"num_known {request.num_known!r} is out of range: allowed 1..{CHUNK_FRAMES - 1}")
        if not isinstance(request.num_frames, int) or request.num_frames < 1:
            raise EngineInputError(f"num_frames {request.num_frames!r} (new frames wanted) must be >= 1")
        known = min(request.num_known, clip.shape[0])
        per_chunk = CHUNK_FRAMES - known
        chunks = math.ceil(request.num_frames / per_chunk)
        context, made, info, total_s = list(clip[-known:]), [], {}, 0.0
        prompt = official_prompt("extend", request.prompt, request.source_name)
        for index in range(chunks):
            chunk_request = replace(request, seed=request.seed + index)
            out, info = self._generate(context, f"first{known}", chunk_request, prompt, CHUNK_FRAMES,
                                       clip.shape[1:], on_step, cancelled, f"chunk {index + 1}/{chunks} denoise",
                                       index, chunks)
            made.append(out[known:])
            total_s += info["timings"]["total_s"]
            context = list(out[-known:])  # the tail of this chunk conditions the next
        new_frames = np.concatenate(made)[: request.num_frames]
        info["params"].update(num_frames=request.num_frames, seed=request.seed, num_known=known, chunks=chunks,
                              chunk_frames=CHUNK_FRAMES)
        info["timings"]["total_s"] = total_s
        return GeneratedFrames(new_frames, OFFICIAL_FPS, info)

    # shared --------------------------------------------------------------------------------------------------------
    def resolve(self, request: GenerationRequest, source_shape) -> dict:
        """The effective parameters: explicit request fields override the preset."""
        preset = self.describe().preset(request.preset)
        # `is None`, not `or`: a given 0 or "" is the caller's value, to be refused by check_inputs, not replaced
        height, width = model_size_for_aspect(source_shape[1], source_shape[0]) if request.size is None \
            else request.size
        return dict(sampler=preset.sampler if request.scheduler is None else request.scheduler,
                    num_inference_steps=preset.steps if request.num_inference_steps is None
                    else request.num_inference_steps,
                    guidance_scale=preset.guidance_scale if request.guidance_scale is None else request.guidance_scale,
                    height=int(height), width=int(width), seed=int(request.seed), preset=preset.name)

    def _generate(self, known, mask_type, request, prompt, num_frames, source_shape, on_step, cancelled, stage,
                  chunk_index, chunks):
        params = self.resolve(request, source_shape)
        steps = params["num_inference_steps"]
        started = time.perf_counter()

        def report(pipe, i, t, state):
            if on_step is not None:
                on_step(StepInfo(chunk_index * steps + i + 1, chunks * steps, time.perf_counter() - started, stage))

        output = self.pipeline(known, mask_type, prompt, request.negative_prompt, num_frames=num_frames,
                               height=params["height"], width=params["width"], num_inference_steps=steps,
                               guidance_scale=params["guidance_scale"], sampler=params["sampler"],
                               seed=params["seed"], callback_on_step_end=report, cancelled=cancelled)
        info = {"engine": self.name, "weights": self.identity, "device": str(self.device),
                "dtype": str(self.dtype).replace("torch.", ""),
                "params": dict(params, prompt=prompt, negative_prompt=request.negative_prompt, mask_type=mask_type,
                               num_frames=num_frames),
                "timings": dict(output.timings, load_s=self.load_s, total_s=time.perf_counter() - started)}
        return output.frames, info
