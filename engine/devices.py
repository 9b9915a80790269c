"""Where a model runs and in what precision, resolved the same way for every model engine ("auto" included)."""
from __future__ import annotations

import re

from engine.errors import EngineInputError, OutOfMemoryError

OFFLOAD = ("none", "model", "sequential")
SMALLER = "try a smaller size or fewer frames, float16/bfloat16, or close other GPU programs"


def resolve_device(device: str):
    """A torch device; "auto" is CUDA when there is one, else the CPU."""
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def resolve_dtype(dtype, device, cuda_default: str):
    """A torch dtype; "auto" is ``cuda_default`` (the model's own GPU precision) on CUDA and float32 elsewhere."""
    import torch

    names = {"float32": torch.float32, "fp32": torch.float32, "float16": torch.float16, "fp16": torch.float16,
             "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype == "auto":
        return names[cuda_default] if device.type == "cuda" else torch.float32
    if dtype not in names:
        raise EngineInputError(f"dtype {dtype!r} is not allowed: use 'auto' or one of {', '.join(names)}")
    return names[dtype]


def out_of_memory_error(device, height: int, width: int, frames: int, error: BaseException,
                        advice: str = SMALLER) -> OutOfMemoryError:
    """What ran out, how much the failing allocation wanted (torch says it), and what to change."""
    import torch

    wanted = re.search(r"Tried to allocate ([\d.]+ [KMGT]iB)", str(error))
    facts = [f"it needed {wanted.group(1)} more"] if wanted else []
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        peak = torch.cuda.max_memory_allocated(device)
        facts.append(f"peak {peak / 2**30:.1f} GiB allocated, {free / 2**30:.1f} of {total / 2**30:.1f} GiB free now")
    detail = f" ({'; '.join(facts)})" if facts else ""
    return OutOfMemoryError(f"{device} ran out of memory generating {frames} frames at {width}x{height}{detail}; "
                            f"{advice}")


def check_offload(offload: str, device) -> str:
    """CPU offload keeps the model in host memory and moves each part to the GPU when it runs ("model": whole
    components, "sequential": layer by layer, slowest and smallest); it needs a CUDA device."""
    if offload not in OFFLOAD:
        raise EngineInputError(f"offload {offload!r} is not allowed: use one of {', '.join(OFFLOAD)}")
    if offload != "none" and device.type != "cuda":
        raise EngineInputError(f"offload {offload!r} moves the model to the GPU part by part, so it needs device "
                               f"cuda, not {device.type}")
    return offload
