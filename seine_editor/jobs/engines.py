"""Where engines run, behind one interface: ``host.get(name, options) -> Engine``.

`EngineCache` runs them in this process: engines loaded once and reused. Building a diffusion engine loads
gigabytes of weights (and imports torch), so the first job that needs one pays for it and every later job with the
same settings gets the same instance. The other hosts (a local engine worker process, a server) hand out clients
that speak the same `Engine` contract.
"""
from __future__ import annotations

import json
import threading
from typing import Any, Mapping, Optional, Protocol

from engine.api import Engine


class EngineHost(Protocol):
    capacity: int  # jobs it takes at once (a server: its running slots plus its queue)

    def get(self, name: str, options: Optional[Mapping[str, Any]] = None) -> Engine: ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


def _key(name: str, options: Mapping[str, Any]) -> str:
    return json.dumps([name, {k: str(v) for k, v in sorted(options.items())}])


class EngineCache:
    """Thread-safe ``get(name, options) -> Engine``: ``engine.load_engine`` on first use, the same object after.
    A failed load is not cached, so fixing the weights folder and retrying works."""

    capacity = 1

    def __init__(self):
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()

    def get(self, name: str, options: Optional[Mapping[str, Any]] = None) -> Engine:
        options = dict(options or {})
        key = _key(name, options)
        with self._lock:  # held while loading: two jobs never load the same weights twice
            if key not in self._engines:
                from engine import load_engine

                self._engines[key] = load_engine(name, **options)
            return self._engines[key]

    def put(self, name: str, options: Optional[Mapping[str, Any]], engine: Engine) -> None:
        """Register an already built engine under ``name`` + ``options``."""
        with self._lock:
            self._engines[_key(name, dict(options or {}))] = engine

    def clear(self) -> None:
        """Forget every engine (e.g. after the weights folder setting changed)."""
        with self._lock:
            self._engines.clear()

    def close(self) -> None:
        self.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._engines)


def engine_host(host: str, *, server_url: Optional[str] = None, token_file: Optional[str] = None,
                idle_s: Optional[float] = None) -> EngineHost:
    """The host for a place to run: "in-process", "worker" (a local engine worker process that stops after
    ``idle_s`` without work) or "server" (a `seine-editor serve` server at ``server_url``)."""
    if host == "in-process":
        return EngineCache()
    if host == "worker":
        from engine.service.worker import LocalWorker

        return LocalWorker(idle_s=idle_s)
    if host == "server":
        from seine_editor.jobs.remote import ServerHost

        return ServerHost(server_url, token_file)
    raise ValueError(f"engine host {host!r} is not one of in-process, worker, server")

    def __len__(self) -> int:
        with self._lock:
            return len(self._engines)
