"""Where a model runs and in what precision, resolved the same way for every model engine ("auto" included)."""
from __future__ import annotations

from engine.errors import EngineInputError


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
