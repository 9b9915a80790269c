"""Engines by name: ``load_engine("seine" | "morph" | "crossfade", **options)``.

Each entry names its module and class as strings so that choosing "morph" never imports torch, and
the options are checked against the class signature before anything heavy is imported or built.
"""
from __future__ import annotations

import importlib
import inspect
from typing import Any

from engine.api import Engine
from engine.errors import EngineInputError

# name -> (module, class, one-line description)
_ENGINES: dict[str, tuple[str, str, str]] = {
    "seine": ("engine.seine", "SeineEngine", "SEINE video diffusion (needs weights; GPU recommended)"),
    "morph": ("engine.classic", "MorphEngine", "optical-flow morph (no weights, CPU, real time)"),
    "crossfade": ("engine.classic", "CrossfadeEngine", "linear cross-dissolve (no weights, CPU)"),
}


def available_engines() -> dict[str, str]:
    """Known engine names and what each one is."""
    return {name: description for name, (_, _, description) in _ENGINES.items()}


def _engine_class(name: str) -> type:
    module_name, class_name, _ = _ENGINES[name]
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise EngineInputError(f"engine {name!r} is not available in this installation: {exc}") from exc


def _check_options(name: str, cls: type, options: dict[str, Any]) -> None:
    """Reject option names the engine does not take, listing the ones it does."""
    params = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = [p for p, spec in params.items()
                if spec.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise EngineInputError(f"engine {name!r} does not take option(s) {', '.join(unknown)}; "
                               f"it takes: {', '.join(accepted) or 'none'}")
    try:
        inspect.signature(cls).bind(**options)
    except TypeError as exc:
        raise EngineInputError(f"engine {name!r}: bad options {sorted(options)}: {exc}") from exc


def load_engine(name: str, **options: Any) -> Engine:
    """Build the engine called ``name`` with ``options`` (keyword arguments of its class).

    Raises EngineInputError for an unknown name (listing the known ones), an unknown option (listing the
    accepted ones) or an option value the engine rejects; WeightsNotFoundError and friends pass through.
    """
    if name not in _ENGINES:
        raise EngineInputError(f"unknown engine {name!r}; known engines: {', '.join(_ENGINES)}")
    cls = _engine_class(name)
    _check_options(name, cls, options)
    return cls(**options)
