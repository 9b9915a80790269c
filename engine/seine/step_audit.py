"""What one denoising step asks of a device, counted without one: the aten kernels it launches and the copies it
makes from host memory, read off the dispatcher while the step runs on the meta device (shapes only, no data).

`audit_step` runs a full-size (or any) UNet's guided step plus the sampler's update on "meta" and returns a
`StepAudit`: kernels launched (views, which launch nothing, counted apart), host-to-device copies, and per kernel
its FLOPs and bytes moved, from which `roofline_fraction` estimates the share of a GPU's peak the step could reach.
It is a model, not a measurement: a GPU run (bench/engine.py on CUDA) is the measurement.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

# ops that move no data and launch no kernel: metadata-only or aliasing results
_FREE = {"aten.view", "aten._unsafe_view", "aten.t", "aten.transpose", "aten.permute", "aten.expand", "aten.unsqueeze",
         "aten.squeeze", "aten.slice", "aten.select", "aten.alias", "aten.as_strided", "aten.unflatten",
         "aten.split", "aten.split_with_sizes", "aten.unbind", "aten.detach", "aten.lift_fresh", "aten.empty", "aten.dropout",
         "aten.empty_strided", "aten.chunk", "aten.reshape", "aten._reshape_alias", "aten.flatten",
         "aten.split_with_sizes_copy", "aten.sym_size", "aten.sym_stride", "aten.sym_numel"}


@dataclass
class StepAudit:
    kernels: Counter = field(default_factory=Counter)  # aten op -> launches (views excluded)
    views: int = 0
    host_to_device: int = 0  # copies whose source lives in host memory and whose result does not
    flops: list = field(default_factory=list)  # per launched kernel: (op, flops, bytes)

    @property
    def kernel_count(self) -> int:
        return sum(self.kernels.values())

    def roofline_fraction(self, peak_flops: float, bandwidth_bytes: float, launch_s: float = 4e-6) -> float:
        """Total FLOPs over the time a roofline model gives each kernel (compute-bound or memory-bound, whichever is
        slower, plus a launch cost), as a fraction of ``peak_flops``: the share of peak the step could reach."""
        total_flops = sum(f for _, f, _ in self.flops)
        seconds = sum(max(f / peak_flops, b / bandwidth_bytes) + launch_s for _, f, b in self.flops)
        return total_flops / peak_flops / seconds if seconds else 0.0


def _bytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors if isinstance(t, torch.Tensor))


def _flat(values):
    for value in values:
        if isinstance(value, (list, tuple)):
            yield from _flat(value)
        else:
            yield value


class _Recorder(TorchDispatchMode):
    def __init__(self, audit: StepAudit, counter: FlopCounterMode):
        super().__init__()
        self.audit, self.counter = audit, counter

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = str(func.overloadpacket)
        before = self.counter.get_total_flops()
        out = func(*args, **kwargs)
        inputs = [a for a in _flat(list(args) + list(kwargs.values())) if isinstance(a, torch.Tensor)]
        outputs = [o for o in _flat(out if isinstance(out, (list, tuple)) else [out]) if isinstance(o, torch.Tensor)]
        if name in ("aten._to_copy", "aten.copy_", "aten.to") and any(t.device.type == "cpu" for t in inputs[:1]) and \
                any(o.device.type != "cpu" for o in outputs):
            self.audit.host_to_device += 1
        if name in _FREE:
            self.audit.views += 1
        else:
            self.audit.kernels[name] += 1
            self.audit.flops.append((name, self.counter.get_total_flops() - before, _bytes(inputs) + _bytes(outputs)))
        return out


def audit(step: Callable[[], object]) -> StepAudit:
    """Run ``step`` (on meta tensors) and count what it dispatches."""
    result = StepAudit()
    with FlopCounterMode(display=False) as counter, _Recorder(result, counter):
        step()
    return result
