"""What every weights-backed engine shares: where it runs, its identity, its description, and a pipeline loaded once,
on first use, by whichever thread asks first; and for diffusers pipelines, their placement (device or CPU offload),
folder check, step callback and output frames."""
from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path
from typing import Any, Optional

import numpy as np

from engine.api import EngineInfo, EngineOption, IsCancelled, OnStep, StepInfo
from engine.devices import OFFLOAD, check_offload, resolve_device, resolve_dtype
from engine.errors import GenerationCancelled, WeightsNotFoundError

def diffusers_options(weights_help: str, model: str) -> tuple[EngineOption, ...]:
    """The options of an engine that runs a diffusers folder: the folder, the device, the precision (bfloat16 on
    CUDA, the models' own) and CPU offload."""
    return (EngineOption("weights", "folder", help=weights_help),
            EngineOption("device", "choice", "auto", ("auto", "cuda", "cpu"), "where the model runs"),
            EngineOption("dtype", "choice", "auto", ("auto", "bfloat16", "float16", "float32"),
                         f"auto: bfloat16 on CUDA ({model}'s own), float32 on the CPU"),
            EngineOption("offload", "choice", "none", OFFLOAD,
                         "for small GPUs: keep the model in CPU memory and move each part (model) or each layer "
                         "(sequential, smallest and slowest) to the GPU when it runs"))


class ModelEngine:
    """A subclass sets ``name``, has ``describe(identity)`` and builds its pipeline, on its device, in
    ``load_pipeline()``."""

    name: str

    def __init__(self, weights_identity: str, device: str, dtype, cuda_dtype: str, offload: str = "none"):
        self._identity = weights_identity
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device, cuda_default=cuda_dtype)
        self.offload = check_offload(offload, self.device)
        self._pipeline = None
        self._lock = threading.Lock()
        self.load_s: Optional[float] = None

    @property
    def identity(self) -> str:
        return f"{self.name}:{self._identity}"

    @property
    def info(self) -> EngineInfo:
        return self.describe(self.identity)

    @property
    def pipeline(self) -> Any:
        with self._lock:
            if self._pipeline is None:
                started = time.perf_counter()
                self._pipeline = self.load_pipeline()
                self.load_s = time.perf_counter() - started
            return self._pipeline

    def load_pipeline(self) -> Any:
        raise NotImplementedError

    def placed(self, pipeline: Any) -> Any:
        """A diffusers pipeline on this engine's device, or offloaded to the CPU between parts; no progress bars."""
        pipeline.set_progress_bar_config(disable=True)
        if self.offload == "model":
            pipeline.enable_model_cpu_offload(device=self.device)
        elif self.offload == "sequential":
            pipeline.enable_sequential_cpu_offload(device=self.device)
        else:
            pipeline.to(self.device)
        return pipeline


def diffusers_folder(folder, pipeline_class: str, layout: str) -> Path:
    """``folder`` when it holds a diffusers pipeline of ``pipeline_class``; WeightsNotFoundError naming it and the
    ``layout`` expected otherwise. Reads only model_index.json."""
    path = Path(folder or "").expanduser()
    index = path / "model_index.json"
    try:
        name = json.loads(index.read_text()).get("_class_name")
    except (OSError, ValueError, AttributeError):
        raise WeightsNotFoundError(f"{path}: no readable model_index.json; expected {layout}") from None
    if name != pipeline_class:
        raise WeightsNotFoundError(f"{index} names {name!r}, not {pipeline_class}; expected {layout}")
    return path


def weights_identity(path: Path) -> str:
    """A short hash of every file's name, size and modification time: changes when the weights do, reads none."""
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        stat = file.stat()
        digest.update(f"{file.relative_to(path)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def step_callback(total: int, on_step: Optional[OnStep], cancelled: Optional[IsCancelled]):
    """A diffusers ``callback_on_step_end`` that reports each finished step and cancels before the next one."""
    started = time.perf_counter()

    def step_done(pipe, index, timestep, tensors):
        if cancelled is not None and cancelled():
            raise GenerationCancelled(f"cancelled after step {index + 1} of {total}")
        if on_step is not None:
            on_step(StepInfo(index + 1, total, time.perf_counter() - started))
        return tensors

    return step_done


def to_uint8(frames) -> np.ndarray:
    """A pipeline's float frames in [0, 1] as uint8, rounded."""
    return np.clip(np.rint(np.asarray(frames, np.float32) * 255.0), 0, 255).astype(np.uint8)
