"""Engines by name: ``load_engine(name, **options)``, ``engine_info(name)``.

Each entry names its module and class as strings so that describing or choosing "morph" never imports torch, and
the options are checked against the engine's option schema before anything heavy is imported or built. Adding an
engine is a package under ``engine/`` and one line in ``_ENGINES``.
"""
from __future__ import annotations

import importlib
from typing import Any

from engine.api import Engine, EngineInfo
from engine.errors import EngineInputError

# name -> (module, class); the class has `describe()` and, optionally, `validate(options)`
_ENGINES: dict[str, tuple[str, str]] = {
    "seine": ("engine.seine", "SeineEngine"),
    "morph": ("engine.classic", "MorphEngine"),
    "crossfade": ("engine.classic", "CrossfadeEngine"),
    "wan_vace": ("engine.wan_vace", "WanVaceEngine"),
    "ltx2": ("engine.ltx2", "Ltx2Engine"),
}
DEFAULT_ENGINE = "seine"  # what a new project asks for
FALLBACK_ENGINE = "morph"  # what runs while the asked-for engine lacks its required options (weights)


def engine_names() -> tuple[str, ...]:
    return tuple(_ENGINES)


def available_engines() -> dict[str, str]:
    """Known engine names and what each one is."""
    return {name: engine_info(name).description for name in _ENGINES}


def engine_info(name: str) -> EngineInfo:
    """The description of engine ``name`` without building it (no weights are read; its identity is empty)."""
    return _engine_class(name).describe()


def check_options(name: str, options: dict[str, Any], *, deep: bool = False) -> dict[str, Any]:
    """``options`` checked against the engine's schema (EngineInputError naming a bad one); with ``deep``, also
    against the files they name (e.g. a weights folder's layout; reads no weights)."""
    cls = _engine_class(name)
    checked = cls.describe().check_options(options)
    if deep and hasattr(cls, "validate"):
        cls.validate(checked)
    return checked


def register(name: str, module: str, class_name: str) -> None:
    """Add an engine at run time (a plug-in, a test engine); the local engine worker is told of it as well."""
    _ENGINES[name] = (module, class_name)


def entries() -> dict[str, tuple[str, str]]:
    """The registry as plain data, for a worker process to rebuild it."""
    return dict(_ENGINES)


def _engine_class(name: str) -> type:
    if name not in _ENGINES:
        raise EngineInputError(f"unknown engine {name!r}; known engines: {', '.join(_ENGINES)}")
    module_name, class_name = _ENGINES[name]
    try:
        return getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise EngineInputError(f"engine {name!r} is not available in this installation: {exc}") from exc


def load_engine(name: str, **options: Any) -> Engine:
    """Build the engine called ``name`` with ``options`` (keyword arguments of its class).

    Raises EngineInputError for an unknown name (listing the known ones), an unknown option (listing the
    accepted ones) or an option value the engine rejects; WeightsNotFoundError and friends pass through.
    """
    cls = _engine_class(name)
    options = cls.describe().check_options(options)
    try:
        return cls(**options)
    except TypeError as exc:
        raise EngineInputError(f"engine {name!r}: bad options {sorted(options)}: {exc}") from exc
