"""LTX-2 behind the engine contract, through diffusers' `LTX2ConditionPipeline` (not reimplemented). It makes the
picture and its sound together.

LTX-2 conditions on frames placed at latent indices (`LTX2VideoCondition`); each mode is a list of them:

* ``transition``: the first frame at index 0 and the last at -1 (the last latent frame);
* ``extend``: the clip's last frames as one multi-frame condition at 0; only the frames after them are returned,
  with the sound from the first of those;
* ``animate``: the image at 0.

Frames count 8k + 1 (the VAE packs eight frames into one latent after the first), sides are multiples of 32 and the
model works at 24 fps. Weights load from a local folder in diffusers layout (`save_pretrained`), never from a hub.

Presets (the guidance beyond text guidance is LTX-2's own; each extra guidance costs one more model pass per step):

* ``draft``: 20 steps of text guidance at 3.0 (video) and 7.0 (sound): two passes a step, a first look;
* ``final``: 40 steps adding spatio-temporal guidance (1.0) and modality guidance (3.0), the settings Lightricks
  recommend for LTX-2.3: four passes a step;
* ``distilled``: the 8-sigma schedule of the distilled checkpoints, no guidance: one pass a step. Only for a
  distilled folder; a full model needs its 20-40 steps.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from engine.api import (AnimateRequest, CanvasRule, EngineInfo, ExtendRequest, GeneratedFrames, GenerationRequest,
                        PresetInfo, TransitionRequest)
from engine.classic import check_image
from engine.devices import out_of_memory_error
from engine.errors import EngineInputError
from engine.model_engine import (ModelEngine, diffusers_folder, diffusers_options, step_callback, to_uint8,
                                 weights_identity)

FPS = 24.0
FRAME_STEP = 8  # the video VAE's temporal compression
NATIVE_FRAMES = 121  # 5 s at 24 fps, LTX-2's default length
MAX_FRAMES = 481  # 20 s at 24 fps, the longest clip LTX-2 is meant to make in one go
CONTEXT_FRAMES = 9  # an extension's condition: the clip's last two latent frames' worth (8k + 1)
PIPELINE_CLASS = "LTX2ConditionPipeline"
LAYOUT = ("a diffusers folder (model_index.json naming LTX2ConditionPipeline, with transformer/, vae/, audio_vae/, "
          "vocoder/, connectors/, text_encoder/, tokenizer/ and scheduler/), as `save_pretrained` writes it")
# LTX-2's 768×512 training shape both ways, a square and 16:9 both ways at about the same area; multiples of 32
CANVAS = CanvasRule(buckets=((512, 768), (768, 512), (640, 640), (480, 864), (864, 480)), multiple=32, stretch=True)
PRESETS = (PresetInfo("draft", "flow-euler", 20, 3.0, "20 steps of text guidance: a first look"),
           PresetInfo("final", "flow-euler", 40, 3.0, "40 steps with LTX-2's spatio-temporal and modality guidance"),
           PresetInfo("distilled", "flow-euler", 8, 1.0, "8 steps, no guidance: distilled checkpoints only"))
# what each preset sets beyond steps and video guidance (the pipeline's keyword arguments)
GUIDANCE: dict[str, dict[str, Any]] = {
    "draft": dict(audio_guidance_scale=7.0, stg_scale=0.0, audio_stg_scale=0.0, modality_scale=1.0,
                  audio_modality_scale=1.0),
    "final": dict(audio_guidance_scale=7.0, stg_scale=1.0, audio_stg_scale=1.0, modality_scale=3.0,
                  audio_modality_scale=3.0),
    "distilled": dict(audio_guidance_scale=1.0, stg_scale=0.0, audio_stg_scale=0.0, modality_scale=1.0,
                      audio_modality_scale=1.0),
}
STG_BLOCK = 28  # the block LTX-2.3 skips for spatio-temporal guidance (the last one in a shallower model)
OPTIONS = diffusers_options("LTX-2 in diffusers layout (full or distilled)", "LTX-2")


def check_weights(folder):
    """The weights folder, or WeightsNotFoundError naming it and the layout expected."""
    return diffusers_folder(folder, PIPELINE_CLASS, LAYOUT)


class Ltx2Engine(ModelEngine):
    name = "ltx2"

    @classmethod
    def describe(cls, identity: str = "") -> EngineInfo:
        return EngineInfo(cls.name, "LTX-2 video and sound diffusion through diffusers (needs weights; GPU)", "LTX-2",
                          identity, native_frames=MAX_FRAMES, frame_step=FRAME_STEP, fps=FPS, canvas=CANVAS,
                          presets=PRESETS, default_preset="draft", options=OPTIONS, required=(("weights",),),
                          context_frames=CONTEXT_FRAMES, sound=True, needs_gpu=True,
                          prompt_rule="LTX-2 uses the prompt as given; describe the sound too.")

    @staticmethod
    def validate(options: dict) -> None:
        check_weights(options.get("weights"))

    def __init__(self, weights=None, *, device: str = "auto", dtype: str = "auto", offload: str = "none"):
        self.location = check_weights(weights)
        super().__init__(weights_identity(self.location), device, dtype, "bfloat16", offload)

    def load_pipeline(self):
        from diffusers import LTX2ConditionPipeline

        return self.placed(LTX2ConditionPipeline.from_pretrained(self.location, dtype=self.dtype,
                                                                 local_files_only=True))

    # the three modes ---------------------------------------------------------------------------------------------
    def transition(self, first, last, request: TransitionRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        first, last = check_image(first, "first"), check_image(last, "last")
        count = self._count(request.num_frames)
        return self._run([(first[None], 0), (last[None], -1)], count, request, on_step, cancelled, skip=0)

    def extend(self, frames, request: ExtendRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        clip = np.stack([check_image(frame, "a clip frame") for frame in np.asarray(frames)[-request.num_known:]])
        known = (len(clip) - 1) // FRAME_STEP * FRAME_STEP + 1  # the pipeline keeps 8k + 1 condition frames
        clip = clip[-known:]
        if not isinstance(request.num_frames, int) or request.num_frames < 1:
            raise EngineInputError(f"num_frames {request.num_frames!r} is not allowed: at least 1 new frame")
        count = self._count(1 + -(-(known + request.num_frames - 1) // FRAME_STEP) * FRAME_STEP)
        made = self._run([(clip, 0)], count, request, on_step, cancelled, skip=known)
        end = request.num_frames
        sound = made.sound[:, :round(end / FPS * made.sound_rate)]
        return GeneratedFrames(made.frames[:end], FPS, made.info, np.ascontiguousarray(sound), made.sound_rate)

    def animate(self, image, request: AnimateRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        image = check_image(image, "image")
        count = self._count(request.num_frames)
        return self._run([(image[None], 0)], count, request, on_step, cancelled, skip=0)

    # shared --------------------------------------------------------------------------------------------------------
    @staticmethod
    def _count(wanted: int) -> int:
        if not isinstance(wanted, int) or wanted < 1 + FRAME_STEP or (wanted - 1) % FRAME_STEP or wanted > MAX_FRAMES:
            raise EngineInputError(f"num_frames {wanted!r} is not allowed: LTX-2 makes 8k + 1 frames, from "
                                   f"{1 + FRAME_STEP} to {MAX_FRAMES} (e.g. {NATIVE_FRAMES})")
        return wanted

    def resolve(self, request: GenerationRequest, shape) -> dict:
        preset = self.info.preset(request.preset)
        height, width = request.size if request.size is not None else CANVAS.canvas_for(shape[:2], shape[:2])
        CANVAS.check((height, width))
        steps = request.num_inference_steps or preset.steps
        return {"preset": preset.name, "num_inference_steps": steps,
                "guidance_scale": preset.guidance_scale if request.guidance_scale is None else request.guidance_scale,
                "sampler": preset.sampler, "height": int(height), "width": int(width), "seed": int(request.seed),
                **GUIDANCE[preset.name]}

    def pipeline_arguments(self, params: dict) -> dict:
        """The pipeline's keyword arguments for resolved ``params`` (the sigma schedule and the skipped block
        depend on the model)."""
        from diffusers.pipelines.ltx2.utils import DISTILLED_SIGMA_VALUES

        extra = {key: params[key] for key in GUIDANCE[params["preset"]]}
        layers = self.pipeline.transformer.config.num_layers
        extra["spatio_temporal_guidance_blocks"] = [min(STG_BLOCK, layers - 1)] if params["stg_scale"] else None
        if params["preset"] == "distilled" and params["num_inference_steps"] == len(DISTILLED_SIGMA_VALUES):
            extra["sigmas"] = list(DISTILLED_SIGMA_VALUES)
        return extra

    def _run(self, conditions, count: int, request, on_step, cancelled, skip: int) -> GeneratedFrames:
        import torch
        from diffusers.pipelines.ltx2.pipeline_ltx2_condition import LTX2VideoCondition

        params = self.resolve(request, conditions[0][0].shape[1:])
        height, width = params["height"], params["width"]
        for frames, _ in conditions:
            if frames.shape[1:3] != (height, width):
                raise EngineInputError(f"a frame is {frames.shape[2]}×{frames.shape[1]} but the canvas is "
                                       f"{width}×{height}")
        started = time.perf_counter()
        try:
            output = self.pipeline(
                conditions=[LTX2VideoCondition(frames=frames, index=index) for frames, index in conditions],
                prompt=request.prompt, negative_prompt=request.negative_prompt, height=height, width=width,
                num_frames=count, frame_rate=FPS, num_inference_steps=params["num_inference_steps"],
                guidance_scale=params["guidance_scale"], generator=torch.Generator("cpu").manual_seed(params["seed"]),
                output_type="np", callback_on_step_end=step_callback(params["num_inference_steps"], on_step, cancelled),
                **self.pipeline_arguments(params))
        except torch.OutOfMemoryError as error:
            raise out_of_memory_error(self.device, height, width, count, error,
                                      "try fewer frames, a smaller canvas, the distilled model, or CPU offload") \
                from error
        rate = int(self.pipeline.vocoder.config.output_sampling_rate)
        sound = np.clip(output.audio[0].float().cpu().numpy(), -1.0, 1.0).astype(np.float32)
        start = round(skip / FPS * rate)
        info = {"engine": self.name, "weights": self.identity,
                "params": dict(params, prompt=request.prompt, num_frames=count),
                "timings": {"total_s": time.perf_counter() - started}}
        return GeneratedFrames(to_uint8(output.frames[0])[skip:], FPS, info, np.ascontiguousarray(sound[:, start:]),
                               rate)
