"""Wan2.1 VACE behind the engine contract, through diffusers' `WanVACEPipeline` (not reimplemented).

VACE conditions on a control video and a mask, the same idea as SEINE's random mask: frames whose mask is black are
kept, white ones are generated. Each mode is one such pair:

* ``transition``: ``[first, grey…, last]`` with the mask ``[keep, make…, keep]``;
* ``extend``: the clip's last frames then grey, kept then made; only the new frames are returned;
* ``animate``: ``[image, grey…]``, the image kept.

Frames count 4k + 1 (the VAE packs four frames into one latent after the first), sides are multiples of 16, and
the model works at 16 fps. Weights load from a local folder in diffusers layout (`save_pretrained`), never from a
hub. The presets are Wan's own sampling settings: 50 steps at guidance 5 (the official `sample_steps` and
`sample_guide_scale` for 480p), and a 20-step draft at the same guidance for a first look.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from engine.api import (AnimateRequest, CanvasRule, EngineInfo, ExtendRequest, GeneratedFrames, GenerationRequest,
                        PresetInfo, TransitionRequest)
from engine.classic import check_image
from engine.devices import out_of_memory_error
from engine.errors import EngineInputError
from engine.model_engine import (ModelEngine, diffusers_folder, diffusers_options, step_callback, to_uint8,
                                 weights_identity)

FPS = 16.0
NATIVE_FRAMES = 81  # 5 s at 16 fps, the length Wan2.1 was trained at
GREY = 127  # what a frame to be made shows in the control video (VACE's "inactive" value)
PIPELINE_CLASS = "WanVACEPipeline"
LAYOUT = ("a diffusers folder (model_index.json naming WanVACEPipeline, with transformer/, vae/, text_encoder/, "
          "tokenizer/ and scheduler/), as `WanVACEPipeline.save_pretrained` writes it")
# Wan2.1's 480p shapes, landscape and portrait (it was trained on both), and a square of the same area
CANVAS = CanvasRule(buckets=((480, 832), (832, 480), (624, 624)), multiple=16, stretch=True)
PRESETS = (PresetInfo("draft", "flow-euler", 20, 5.0, "20 steps: a first look"),
           PresetInfo("final", "flow-euler", 50, 5.0, "Wan's own 50 steps at guidance 5"))
OPTIONS = diffusers_options("Wan2.1 VACE in diffusers layout (1.3B or 14B)", "Wan")


def check_weights(folder) -> Path:
    """The weights folder, or WeightsNotFoundError naming it and the layout expected."""
    return diffusers_folder(folder, PIPELINE_CLASS, LAYOUT)


def frame_count(wanted: int) -> int:
    """The smallest 4k + 1 frames holding ``wanted``."""
    return 4 * max(0, -(-(wanted - 1) // 4)) + 1


class WanVaceEngine(ModelEngine):
    name = "wan_vace"

    @classmethod
    def describe(cls, identity: str = "") -> EngineInfo:
        return EngineInfo(cls.name, "Wan2.1 VACE video diffusion through diffusers (needs weights; GPU)", "Wan VACE",
                          identity, native_frames=NATIVE_FRAMES, frame_step=4, fps=FPS, canvas=CANVAS, presets=PRESETS,
                          default_preset="draft", options=OPTIONS, required=(("weights",),), needs_gpu=True,
                          context_frames=4, prompt_rule="Wan uses the prompt as given.")

    @staticmethod
    def validate(options: dict) -> None:
        check_weights(options.get("weights"))

    def __init__(self, weights=None, *, device: str = "auto", dtype: str = "auto", offload: str = "none"):
        self.location = check_weights(weights)
        super().__init__(weights_identity(self.location), device, dtype, "bfloat16", offload)  # Wan's own precision

    def load_pipeline(self):
        from diffusers import WanVACEPipeline

        return self.placed(WanVACEPipeline.from_pretrained(self.location, dtype=self.dtype, local_files_only=True))

    # the three modes ---------------------------------------------------------------------------------------------
    def transition(self, first, last, request: TransitionRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        first, last = check_image(first, "first"), check_image(last, "last")
        count = self._count(request.num_frames, 3)
        frames, keep = [first] + [None] * (count - 2) + [last], [True] + [False] * (count - 2) + [True]
        return self._run(frames, keep, request, on_step, cancelled, first=0)

    def extend(self, frames, request: ExtendRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        clip = [check_image(frame, "a clip frame") for frame in np.asarray(frames)[-request.num_known:]]
        count = frame_count(len(clip) + request.num_frames)
        made = self._run(clip + [None] * (count - len(clip)), [True] * len(clip) + [False] * (count - len(clip)),
                         request, on_step, cancelled, first=len(clip))
        return GeneratedFrames(made.frames[:request.num_frames], FPS, made.info)

    def animate(self, image, request: AnimateRequest, *, on_step=None, cancelled=None) -> GeneratedFrames:
        image = check_image(image, "image")
        count = self._count(request.num_frames, 2)
        return self._run([image] + [None] * (count - 1), [True] + [False] * (count - 1), request, on_step, cancelled,
                         first=0)

    # shared --------------------------------------------------------------------------------------------------------
    @staticmethod
    def _count(wanted: int, least: int) -> int:
        if not isinstance(wanted, int) or wanted < least or (wanted - 1) % 4:
            raise EngineInputError(f"num_frames {wanted!r} is not allowed: Wan makes 4k + 1 frames, at least {least} "
                                   f"(e.g. {NATIVE_FRAMES})")
        return wanted

    def control(self, frames: list, keep: list[bool], size: tuple[int, int]) -> tuple[list, list]:
        """The control video and mask the pipeline takes: kept frames as given, made ones grey; masks black (keep)
        or white (make). Frames must already be at ``size`` = (height, width)."""
        from PIL import Image

        height, width = size
        video, mask = [], []
        for frame, kept in zip(frames, keep):
            if frame is not None and np.asarray(frame).shape[:2] != (height, width):
                raise EngineInputError(f"a frame is {np.asarray(frame).shape[1]}×{np.asarray(frame).shape[0]} but "
                                       f"the canvas is {width}×{height}")
            picture = frame if frame is not None else np.full((height, width, 3), GREY, np.uint8)
            video.append(Image.fromarray(picture))
            mask.append(Image.new("L", (width, height), 0 if kept else 255))
        return video, mask

    def resolve(self, request: GenerationRequest, shape) -> dict:
        preset = self.info.preset(request.preset)
        height, width = request.size if request.size is not None else CANVAS.canvas_for(shape[:2], shape[:2])
        CANVAS.check((height, width))
        return {"preset": preset.name, "num_inference_steps": request.num_inference_steps or preset.steps,
                "guidance_scale": preset.guidance_scale if request.guidance_scale is None else request.guidance_scale,
                "sampler": preset.sampler, "height": int(height), "width": int(width), "seed": int(request.seed)}

    def _run(self, frames, keep, request, on_step, cancelled, first: int) -> GeneratedFrames:
        import torch

        sample = next(f for f in frames if f is not None)
        params = self.resolve(request, np.asarray(sample).shape)
        video, mask = self.control(frames, keep, (params["height"], params["width"]))
        started = time.perf_counter()
        try:
            output = self.pipeline(
                prompt=request.prompt, negative_prompt=request.negative_prompt, video=video, mask=mask,
                height=params["height"], width=params["width"], num_frames=len(frames),
                num_inference_steps=params["num_inference_steps"], guidance_scale=params["guidance_scale"],
                generator=torch.Generator("cpu").manual_seed(params["seed"]), output_type="np",
                callback_on_step_end=step_callback(params["num_inference_steps"], on_step, cancelled))
        except torch.OutOfMemoryError as error:
            raise out_of_memory_error(self.device, params["height"], params["width"], len(frames), error,
                                      "try fewer frames, the 1.3B model, bfloat16, or CPU offload") from error
        made = to_uint8(output.frames[0])
        info = {"engine": self.name, "weights": self.identity, "params": dict(params, prompt=request.prompt,
                                                                            num_frames=len(frames)),
                "timings": {"total_s": time.perf_counter() - started}}
        return GeneratedFrames(made[first:] if first else made, FPS, info)
