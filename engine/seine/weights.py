"""Find, validate, load and convert local SEINE weights. Nothing here downloads.

Accepted layouts:

* official: a folder holding ``seine.pt`` and, at most two levels down, one Stable Diffusion 1.4 folder
  (``vae/``, ``text_encoder/``, ``tokenizer/``, ``unet/config.json``), e.g. ``pretrained/seine.pt`` beside
  ``pretrained/stable-diffusion-v1-4/``;
* the two paths given separately: ``checkpoint`` (``seine.pt``) and ``sd_path`` (the SD folder);
* converted (:func:`convert_weights`): an SD-style folder whose ``unet/`` holds the SEINE UNet as
  ``diffusion_pytorch_model.safetensors`` with a 3D ``config.json``; it loads memory-mapped.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from engine.errors import EngineInputError, IncompatibleWeightsError, WeightsNotFoundError
from engine.seine.unet import UNet3DConditionModel, UNet3DConfig, rotary_frequencies

CHECKPOINT_NAME = "seine.pt"
UNET_WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"
SD_PARTS = ("vae", "text_encoder", "tokenizer")
PREFERRED_SD_NAME = "stable-diffusion-v1-4"
EXPECTED_LAYOUT = ("expected either FOLDER/seine.pt with FOLDER/<sd>/ (or FOLDER/*/<sd>/) holding vae/, "
                   "text_encoder/, tokenizer/ and unet/config.json (the official layout), or a folder made by "
                   "`seine-editor convert-weights`")
_MIB = 1 << 20


class UnreadableWeightsError(IncompatibleWeightsError):
    """A checkpoint file that is not a SEINE checkpoint at all (corrupt, wrong format, no ``ema`` entry)."""

    def __init__(self, path, reason: str):
        super().__init__(path)
        self.args = (f"{path} is not a usable SEINE checkpoint: {reason}",)

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class WeightsLocation:
    checkpoint: Path  # seine.pt, or the converted unet safetensors
    sd_path: Path  # folder with vae/, text_encoder/, tokenizer/
    unet_config: Path  # SD 2D unet/config.json, or the converted 3D one
    converted: bool = False

    def unet_config_object(self) -> UNet3DConfig:
        try:
            return UNet3DConfig.from_dict(json.loads(self.unet_config.read_text()))
        except (OSError, ValueError, KeyError) as error:
            raise UnreadableWeightsError(self.unet_config, f"bad UNet config ({error})") from error


def _sd_problems(folder: Path) -> list[str]:
    missing = [f"{part}/" for part in SD_PARTS if not (folder / part).is_dir()]
    if not (folder / "unet" / "config.json").is_file():
        missing.append("unet/config.json")
    return missing


def _find_sd_folder(root: Path) -> Path:
    candidates = [p for p in [root, *sorted(root.glob("*/")), *sorted(root.glob("*/*/"))]
                  if p.is_dir() and not _sd_problems(p)]
    preferred = [p for p in candidates if p.name == PREFERRED_SD_NAME]
    if len(preferred) == 1 or len(candidates) == 1:
        return (preferred or candidates)[0]
    if not candidates:
        raise WeightsNotFoundError(f"no Stable Diffusion folder found in {root}: {EXPECTED_LAYOUT}")
    raise WeightsNotFoundError(f"{len(candidates)} Stable Diffusion folders found in {root} "
                               f"({', '.join(str(c) for c in candidates)}); pass sd_path to choose one")


def _is_converted(folder: Path) -> bool:
    config = folder / "unet" / "config.json"
    if not (folder / "unet" / UNET_WEIGHTS_NAME).is_file() or not config.is_file():
        return False
    try:
        return json.loads(config.read_text()).get("_class_name") == "UNet3DConditionModel"
    except (OSError, ValueError):
        return False


def locate_weights(weights=None, *, checkpoint=None, sd_path=None) -> WeightsLocation:
    """Resolve a weights folder, or an explicit checkpoint + SD folder, to checked paths."""
    if weights is None and (checkpoint is None or sd_path is None):
        raise WeightsNotFoundError(f"no SEINE weights given: pass weights=FOLDER or checkpoint= and sd_path=; "
                                   f"{EXPECTED_LAYOUT}")
    if weights is not None:
        root = Path(weights).expanduser()
        if not root.is_dir():
            raise WeightsNotFoundError(f"weights folder {root} does not exist: {EXPECTED_LAYOUT}")
        if _is_converted(root):
            return WeightsLocation(root / "unet" / UNET_WEIGHTS_NAME, root, root / "unet" / "config.json", True)
        checkpoint = Path(checkpoint) if checkpoint else root / CHECKPOINT_NAME
        if not checkpoint.is_file():
            raise WeightsNotFoundError(f"{checkpoint} not found in weights folder {root}: {EXPECTED_LAYOUT}")
        sd = Path(sd_path) if sd_path else _find_sd_folder(root)
    else:
        checkpoint, sd = Path(checkpoint).expanduser(), Path(sd_path).expanduser()
        if not checkpoint.is_file():
            raise WeightsNotFoundError(f"SEINE checkpoint {checkpoint} not found (expected the official seine.pt)")
    problems = _sd_problems(sd) if sd.is_dir() else ["the folder itself"]
    if problems:
        raise WeightsNotFoundError(f"Stable Diffusion folder {sd} lacks {', '.join(problems)}: {EXPECTED_LAYOUT}")
    converted = checkpoint.suffix == ".safetensors"
    config = checkpoint.with_name("config.json") if converted and checkpoint.with_name("config.json").is_file() \
        else sd / "unet" / "config.json"
    return WeightsLocation(checkpoint, sd, config, converted)


def load_state_dict(location: WeightsLocation) -> dict[str, torch.Tensor]:
    """The UNet state dict, memory-mapped where the format allows (safetensors, zip-format .pt)."""
    path = location.checkpoint
    try:
        if location.converted:
            from safetensors.torch import load_file
            return load_file(str(path), device="cpu")
        blob = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except (OSError, RuntimeError, ValueError, EOFError) as error:  # corrupt or foreign file formats
        raise UnreadableWeightsError(path, f"cannot be read ({error})") from error
    if not isinstance(blob, dict) or not isinstance(blob.get("ema"), dict):
        found = sorted(blob)[:8] if isinstance(blob, dict) else type(blob).__name__
        raise UnreadableWeightsError(path, f"it has no 'ema' state dict (found {found})")
    return blob["ema"]


def check_state_dict(model: UNet3DConditionModel, state_dict: dict, path) -> None:
    """Strict check: every key present, none extra, every shape right, rotary constants equal the formula."""
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    mismatched = [f"{k}: {tuple(state_dict[k].shape)}, expected {expected[k]}" for k in sorted(expected)
                  if k in state_dict and tuple(state_dict[k].shape) != expected[k]]
    formula = rotary_frequencies()
    for key in sorted(k for k in expected if k.endswith("rotary_emb.freqs") and k in state_dict):
        value = state_dict[key]
        if value.shape == formula.shape and not torch.allclose(value.float(), formula, rtol=1e-3, atol=0):
            mismatched.append(f"{key}: values differ from 1/10000^(2i/32)")
    if missing or unexpected or mismatched:
        raise IncompatibleWeightsError(path, missing, unexpected, mismatched)


def _checked_state_dict(location: WeightsLocation) -> tuple[UNet3DConditionModel, dict[str, torch.Tensor]]:
    """The UNet built without initialising it (meta device) and the checkpoint's tensors, checked against it."""
    with torch.device("meta"):
        model = UNet3DConditionModel(location.unet_config_object())
    state_dict = load_state_dict(location)
    check_state_dict(model, state_dict, location.checkpoint)
    return model, state_dict


def load_unet(location: WeightsLocation, dtype: torch.dtype = torch.float32) -> UNet3DConditionModel:
    """Build the UNet without initialising it (meta device), then adopt the checked checkpoint tensors."""
    model, state_dict = _checked_state_dict(location)
    model.load_state_dict(state_dict, strict=True, assign=True)
    return model.to(dtype=dtype).eval().requires_grad_(False)


def _head_tail_digest(path: Path, digest) -> None:
    size = path.stat().st_size
    digest.update(str(size).encode())
    with path.open("rb") as handle:
        digest.update(handle.read(_MIB))
        if size > _MIB:
            handle.seek(max(size - _MIB, _MIB))
            digest.update(handle.read(_MIB))


def weights_identity(location: WeightsLocation) -> str:
    """Stable and cheap: size + first/last MiB of the UNet file and the SD folder's configs (never a full hash)."""
    index = location.sd_path / "model_index.json"
    if location.converted and index.is_file():
        recorded = json.loads(index.read_text()).get("seine_identity")
        if recorded:
            return recorded
    digest = hashlib.sha256()
    _head_tail_digest(location.checkpoint, digest)
    for part in ("unet/config.json", "vae/config.json", "text_encoder/config.json", "tokenizer/vocab.json"):
        config = location.sd_path / part
        digest.update(config.read_bytes() if config.is_file() else b"-")
    return digest.hexdigest()[:16]


def _link_or_copy_tree(src: Path, dst: Path) -> None:
    def link_or_copy(source, target):
        try:
            os.link(source, target)
        except OSError:  # other file system or no hard links
            shutil.copy2(source, target)
    shutil.copytree(src, dst, copy_function=link_or_copy)


def convert_weights(src=None, dst=None, fp16: bool = False, *, checkpoint=None, sd_path=None) -> Path:
    """Write a converted folder: the checked UNet as safetensors (+3D config), SD parts hard-linked or copied."""
    from safetensors.torch import save_file

    location = locate_weights(src, checkpoint=checkpoint, sd_path=sd_path)
    target = Path(dst).expanduser()
    if target.exists() and any(target.iterdir()):
        raise EngineInputError(f"output folder {target} is not empty: choose a new or empty folder")
    reference, state_dict = _checked_state_dict(location)
    dtype = torch.float16 if fp16 else torch.float32
    tensors = {k: v.to(dtype).contiguous().clone() for k, v in state_dict.items()}  # clone: unshare rotary copies
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "unet").mkdir(parents=True)
    save_file(tensors, str(staging / "unet" / UNET_WEIGHTS_NAME), metadata={"format": "pt"})
    (staging / "unet" / "config.json").write_text(json.dumps(reference.config.to_dict(), indent=2))
    for part in SD_PARTS:
        _link_or_copy_tree(location.sd_path / part, staging / part)
    identity = weights_identity(location) + ("-fp16" if fp16 else "")
    (staging / "model_index.json").write_text(json.dumps(
        {"_class_name": "SeinePipeline", "seine_identity": identity, "unet_dtype": str(dtype).split(".")[-1]},
        indent=2))
    if target.exists():
        target.rmdir()
    staging.rename(target)
    return target
