"""A small engine for tests and benchmarks of the engine contract: no weights, numpy only, deterministic.

`StripesEngine` ("stripes") describes itself like a model engine (6 native frames at 12 fps, two canvas buckets,
two presets, options of its own) and makes frames that depend on every input: the end frames, the seed, the
preset's steps. With ``levels`` on it also makes sound: a constant level of (k + 1) / 10 for the length of each
frame k, at 16 kHz, so where the steps land after conforming shows the sound's time map. Its ``fault`` option makes
the process running it die at a chosen step (abort, SIGKILL, exit), the way a driver abort or an out-of-memory kill
would; ``work_s`` keeps one CPU core busy for that long per step.
Register it with ``engine.registry.register("stripes", "engine.testing_engines", "StripesEngine")``.
"""
from __future__ import annotations

import os
import signal
import time
from typing import Optional

import numpy as np

from engine.api import (AnimateRequest, CanvasRule, EngineInfo, EngineOption, ExtendRequest, GeneratedFrames,
                        IsCancelled, OnStep, PresetInfo, StepInfo, TransitionRequest)
from engine.errors import EngineInputError, GenerationCancelled

FAULTS = ("none", "abort", "kill", "exit")
SOUND_RATE = 16000


class StripesEngine:
    name = "stripes"

    def __init__(self, *, stripe_width: int = 4, fault: str = "none", fault_step: int = 1, work_s: float = 0.0,
                 fault_once_file: Optional[str] = None, levels: bool = False):
        if stripe_width < 1:
            raise EngineInputError(f"stripe_width must be >= 1, got {stripe_width}")
        self.stripe_width, self.fault, self.fault_step, self.work_s = stripe_width, fault, fault_step, work_s
        self.fault_once_file, self.levels = fault_once_file, levels

    @classmethod
    def describe(cls, identity: str = "") -> EngineInfo:
        return EngineInfo(
            cls.name, "test engine: stripes over a blend (no weights)", "Stripes", identity, native_frames=6,
            fps=12.0, canvas=CanvasRule(buckets=((32, 48), (48, 48)), multiple=16),
            presets=(PresetInfo("fast", None, 2, None, "two steps"), PresetInfo("slow", None, 6, None, "six steps")),
            default_preset="fast", sound=True,
            options=(EngineOption("stripe_width", "int", 4, help="stripe width in pixels"),
                     EngineOption("fault", "choice", "none", FAULTS, "how the process dies mid-job"),
                     EngineOption("fault_step", "int", 1, help="the step it dies at"),
                     EngineOption("work_s", "float", 0.0, help="seconds of one core's work per step"),
                     EngineOption("fault_once_file", "file", help="fault only while this file is missing (the "
                                                                 "engine makes it as it dies): one death in all"),
                     EngineOption("levels", "bool", False, help="sound: a level of (k + 1) / 10 under frame k")))

    @property
    def identity(self) -> str:
        return f"stripes/1:{self.stripe_width}"

    @property
    def info(self) -> EngineInfo:
        return self.describe(self.identity)

    def transition(self, first, last, request: TransitionRequest, *, on_step: Optional[OnStep] = None,
                   cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        return self._make(first, last, request, on_step, cancelled)

    def extend(self, frames, request: ExtendRequest, *, on_step: Optional[OnStep] = None,
               cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        return self._make(frames[-1], frames[-1], request, on_step, cancelled)

    def animate(self, image, request: AnimateRequest, *, on_step: Optional[OnStep] = None,
                cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        return self._make(image, image, request, on_step, cancelled)

    def _make(self, first, last, request, on_step, cancelled) -> GeneratedFrames:
        first, last = np.asarray(first), np.asarray(last)
        if first.dtype != np.uint8 or first.shape != last.shape:
            raise EngineInputError(f"frames must be uint8 and of one size, got {first.dtype} {first.shape} and "
                                   f"{last.shape}")
        preset = self.info.preset(request.preset)
        steps = request.num_inference_steps or preset.steps
        started = time.perf_counter()
        for step in range(1, steps + 1):
            if cancelled is not None and cancelled():
                raise GenerationCancelled(f"stripes cancelled before step {step}")
            self._work()
            if step == self.fault_step:
                self._die()
            if on_step is not None:
                on_step(StepInfo(step, steps, time.perf_counter() - started))
        count = request.num_frames
        weights = np.linspace(0.0, 1.0, count, dtype=np.float32)[:, None, None, None]
        frames = (1 - weights) * first.astype(np.float32) + weights * last.astype(np.float32)
        columns = (np.arange(first.shape[1]) // self.stripe_width + request.seed + steps) % 2 == 0
        frames[:, :, columns] = frames[:, :, columns] * 0.5 + 64
        info = {"engine": self.name, "identity": self.identity,
                "params": {"preset": preset.name, "num_inference_steps": steps, "seed": request.seed}}
        sound = None
        if self.levels:
            sound = np.zeros((2, round(count / 12.0 * SOUND_RATE)), np.float32)
            for k in range(count):
                sound[:, round(k / 12.0 * SOUND_RATE):round((k + 1) / 12.0 * SOUND_RATE)] = (k + 1) / 10
        return GeneratedFrames(np.clip(np.rint(frames), 0, 255).astype(np.uint8), 12.0, info, sound,
                               SOUND_RATE if self.levels else 0)

    def _work(self) -> None:
        deadline = time.perf_counter() + self.work_s
        while time.perf_counter() < deadline:
            sum(range(1000))

    def _die(self) -> None:
        if self.fault_once_file is not None:
            if os.path.exists(self.fault_once_file):
                return
            open(self.fault_once_file, "w").close()
        if self.fault == "abort":
            os.abort()
        if self.fault == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.fault == "exit":
            os._exit(3)
