"""What every weights-backed engine shares: where it runs, its identity, its description, and a pipeline loaded once,
on first use, by whichever thread asks first."""
from __future__ import annotations

import threading
import time
from typing import Any, Optional

from engine.api import EngineInfo
from engine.devices import resolve_device, resolve_dtype


class ModelEngine:
    """A subclass sets ``name``, has ``describe(identity)`` and builds its pipeline in ``load_pipeline()``."""

    name: str

    def __init__(self, weights_identity: str, device: str, dtype, cuda_dtype: str):
        self._identity = weights_identity
        self.device = resolve_device(device)
        self.dtype = resolve_dtype(dtype, self.device, cuda_default=cuda_dtype)
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
