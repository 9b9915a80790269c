"""Which engine makes generative items, with which options, and where it runs.

Everything engine-specific comes from the engines' own descriptions (`engine.EngineInfo`): the names, the option
schema, the presets, which options an engine needs before it can run. An engine whose required options are not set
(no weights folder yet) makes nothing: `resolve` raises `EngineNotReady`, saying what to set, and the person chooses
another engine for the item (the fallback engine, morph, is one click) or sets the weights. Nothing is ever made with
another engine than the one asked for.

Settings are kept for every project on the machine (`Preferences.engine`) unless a project keeps its own.

Where it runs (`host`):
* "worker": a local engine worker process (the default: a crash or out-of-memory in torch never takes the window
  down);
* "in-process": in the editor's own process (tests, debugging);
* "server": a `seine-editor serve` server at ``server_url`` (token in ``token_file``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional

from engine import registry
from seine_editor.errors import EngineNotReady, SettingsError

HOSTS = ("worker", "in-process", "server")
HOST_LABELS = {"worker": "This computer", "in-process": "This computer, in the editor's process (debugging)",
               "server": "Server"}


def _frozen(options: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: dict(values) for name, values in options.items() if values}


@dataclass(frozen=True)
class EngineSettings:
    engine: str = registry.DEFAULT_ENGINE  # the default engine of items that name none
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # engine name -> its options
    model_size: Optional[tuple[int, int]] = None  # a model canvas (height, width); None: the engine's rule
    preset: Optional[str] = None  # quality preset of new items; None: the engine's default
    host: str = "worker"
    server_url: Optional[str] = None
    token_file: Optional[str] = None
    worker_idle_s: Optional[float] = 600.0  # the worker process stops after this long without work; None: never

    @classmethod
    def for_engine(cls, engine: str, **options: Any) -> "EngineSettings":
        """Settings that use ``engine`` with ``options``; `model_size`, `preset`, `host`, `server_url` and
        `token_file` among the keywords set those fields instead."""
        fields = {k: options.pop(k) for k in _FIELDS - {"engine", "options"} if k in options}
        return cls(engine, {engine: options} if options else {}, **fields)

    def engine_options(self, name: Optional[str] = None) -> dict[str, Any]:
        return dict(self.options.get(name or self.engine, {}))

    def with_options(self, name: str, **options: Any) -> "EngineSettings":
        """A copy whose options for engine ``name`` are updated (a None value removes one)."""
        merged = {**self.engine_options(name), **options}
        merged = {k: v for k, v in merged.items() if v is not None}
        return replace(self, options=_frozen({**self.options, name: merged}))

    def to_json(self) -> dict[str, Any]:
        """Plain data for the project file (`TimelineDocument.set_settings(engine=...)`)."""
        data = {"engine": self.engine, "options": _frozen(self.options), "preset": self.preset,
                "model_size": list(self.model_size) if self.model_size else None, "host": self.host,
                "server_url": self.server_url, "token_file": self.token_file, "worker_idle_s": self.worker_idle_s}
        return {k: v for k, v in data.items() if v not in (None, {})}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "EngineSettings":
        """Read stored settings. A file written before engines had options of their own kept them at the top level
        (``weights``, ``device``, ...), for the one model engine there was: each such key goes to the stored engine
        when it declares it, else to the default engine (the model those files configured)."""
        options = {name: dict(values) for name, values in (data.get("options") or {}).items()}
        legacy = {k: v for k, v in data.items() if k not in _FIELDS and v is not None}
        stored = data.get("engine", registry.DEFAULT_ENGINE)
        for key, value in legacy.items():
            owner = next((name for name in (stored, registry.DEFAULT_ENGINE) if name in registry.engine_names()
                          and key in {o.name for o in registry.engine_info(name).options}), None)
            if owner is not None:
                options.setdefault(owner, {}).setdefault(key, value)
        size = data.get("model_size")
        return cls(data.get("engine", registry.DEFAULT_ENGINE), _frozen(options), tuple(size) if size else None,
                   data.get("preset"), data.get("host", "worker"), data.get("server_url"), data.get("token_file"),
                   data.get("worker_idle_s", 600.0))

    def resolve(self, name: Optional[str] = None) -> tuple[str, dict[str, Any]]:
        """(engine, its options) for items asking for engine ``name`` (None: the default). An engine whose
        required options are unset raises EngineNotReady naming what to set."""
        name = name or self.engine
        if name not in registry.engine_names():
            raise SettingsError(f"engine {name!r} is not one of {', '.join(registry.engine_names())}")
        info = registry.engine_info(name)
        options = self.engine_options(name)
        if self.host == "server" or info.ready(options):
            return name, options
        needs = " or ".join(" and ".join(group) for group in info.required)
        raise EngineNotReady(name, f"{info.label} needs {needs} (Engine settings → {info.label}); nothing was made "
                                   f"with another engine")

    def engine_label(self, name: Optional[str] = None) -> str:
        """What a person calls engine ``name`` (None: the default)."""
        name = name or self.engine
        return registry.engine_info(name).label if name in registry.engine_names() else name

    def missing(self, name: Optional[str] = None) -> Optional[str]:
        """Why engine ``name`` (None: the default) cannot run with these settings, or None when it can."""
        try:
            self.resolve(name)
        except EngineNotReady as error:
            return str(error)
        return None

    def check(self) -> None:
        """Raise one clear error (SettingsError, or an EngineError such as WeightsNotFoundError naming the folder
        and the expected layout) when these settings cannot be used. May import the engine's checker (torch), so
        it runs when a person picks settings, not at start-up."""
        if self.host not in HOSTS:
            raise SettingsError(f"engine host {self.host!r} is not one of {', '.join(HOSTS)}")
        if self.host == "server" and not (self.server_url or "").startswith(("http://", "https://")):
            raise SettingsError(f"server URL {self.server_url!r} is not allowed: give http://HOST:PORT or https://…")
        if self.worker_idle_s is not None and not self.worker_idle_s > 0:
            raise SettingsError(f"worker idle time {self.worker_idle_s!r} s is not allowed: above 0, or none")
        if self.engine not in registry.engine_names():
            raise SettingsError(f"engine {self.engine!r} is not one of {', '.join(registry.engine_names())}")
        info = registry.engine_info(self.engine)
        for name, values in self.options.items():
            if name not in registry.engine_names():
                raise SettingsError(f"options for engine {name!r}, which is not one of "
                                    f"{', '.join(registry.engine_names())}")
            deep = name == self.engine and self.host != "server" and info.ready(dict(values))
            registry.check_options(name, dict(values), deep=deep)
        if self.preset is not None:
            if not info.presets:
                raise SettingsError(f"the {info.label} engine has no presets; preset {self.preset!r} is not allowed")
            info.preset(self.preset)
        if self.model_size is not None and info.canvas.fixed:
            info.canvas.check(tuple(self.model_size))


_FIELDS = {"engine", "options", "model_size", "preset", "host", "server_url", "token_file", "worker_idle_s"}
