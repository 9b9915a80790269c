"""`ServiceEngine`: the `Engine` contract over any transport that runs a job message somewhere else."""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from engine.api import (AnimateRequest, EngineInfo, ExtendRequest, GeneratedFrames, IsCancelled, OnStep,
                        TransitionRequest)
from engine.service.protocol import Job, job_for

RunJob = Callable[[Job, Optional[OnStep], Optional[IsCancelled]], GeneratedFrames]


class ServiceEngine:
    """Looks like the engine it stands for (name, identity, info, the three modes); each call becomes one job."""

    def __init__(self, info: EngineInfo, run: RunJob):
        self.info = info
        self.name = info.name
        self._run = run

    @property
    def identity(self) -> str:
        return self.info.identity

    def transition(self, first: np.ndarray, last: np.ndarray, request: TransitionRequest, *,
                   on_step: Optional[OnStep] = None, cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        return self._run(job_for("transition", request, first, last), on_step, cancelled)

    def extend(self, frames: np.ndarray, request: ExtendRequest, *, on_step: Optional[OnStep] = None,
               cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        return self._run(job_for("extend", request, frames), on_step, cancelled)

    def animate(self, image: np.ndarray, request: AnimateRequest, *, on_step: Optional[OnStep] = None,
                cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        return self._run(job_for("animate", request, image), on_step, cancelled)
