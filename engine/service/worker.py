"""The local engine worker: engines run in a child process, so a segfault, an abort or an out-of-memory kill in
torch ends that process, never the editor.

`LocalWorker` spawns the process on first use and keeps it (with its loaded models) between jobs; the process
exits by itself after ``idle_s`` without work, or when the editor's end of the pipe closes. One job at a time
crosses the pipe: the job message (frames as raw arrays, lossless), then progress events every step, then the
result or an error. A cancel message is read at the engine's next step. When the process dies mid-job the job
fails with `EngineProcessStopped` ("the engine process stopped: ...") and the next job starts a fresh process.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
from multiprocessing.connection import Client, Listener
from pathlib import Path
from typing import Any, Mapping, Optional

import numpy as np

from engine.api import EngineInfo, GeneratedFrames, IsCancelled, OnStep
from engine.service.client import ServiceEngine
from engine.service.protocol import (EngineProcessStopped, Job, error_event, error_of, progress_event, result_bytes,
                                     result_header, result_of, run_job, step_of)

POLL_S = 0.02
START_TIMEOUT_S = 60.0
AUTHKEY_ENV = "SEINE_WORKER_AUTHKEY"


def _serve(conn, entries: Mapping[str, tuple[str, str]], idle_s: Optional[float]) -> None:
    """The child's loop: describe or run what the editor sends, until it goes quiet or away."""
    from engine import registry

    for name, (module, cls) in entries.items():
        registry.register(name, module, cls)
    engines: dict[str, Any] = {}
    while conn.poll(idle_s):
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message.get("op") == "cancel":  # it came after the job it was for had ended
            continue
        try:
            key = json.dumps([message["engine"], message["options"]], sort_keys=True, default=str)
            if key not in engines:
                engines[key] = registry.load_engine(message["engine"], **message["options"])
            engine = engines[key]
            if message["op"] == "describe":
                conn.send({"type": "info", "info": engine.info.to_json()})
                continue
            result = run_job(engine, message["job"], lambda step: conn.send(progress_event(step)),
                             lambda: _cancel_asked(conn))
            conn.send(result_header(result))
            conn.send_bytes(b"".join(result_bytes(result)))  # raw bytes, no pickling
        except (EOFError, BrokenPipeError):
            return
        except Exception as error:  # every engine failure goes back to the editor as an event
            conn.send(error_event(error))


def _cancel_asked(conn) -> bool:
    return conn.poll() and conn.recv().get("op") == "cancel"


def _describe_exit(code: Optional[int]) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


class LocalWorker:
    """Engines in a child process, one job at a time. ``get(name, options)`` gives a `ServiceEngine` for them."""

    capacity = 1

    def __init__(self, idle_s: Optional[float] = 600.0, entries: Optional[Mapping[str, tuple[str, str]]] = None):
        self.idle_s = idle_s
        self._entries = entries
        self._process = None
        self._conn = None
        self._lock = threading.Lock()
        self._infos: dict[str, EngineInfo] = {}

    # -- the host interface ---------------------------------------------------------------------------------
    def get(self, name: str, options: Optional[Mapping[str, Any]] = None) -> ServiceEngine:
        options = dict(options or {})
        key = repr((name, sorted(options.items())))
        if key not in self._infos:
            reply = self._exchange({"op": "describe", "engine": name, "options": options}, None, None)
            self._infos[key] = EngineInfo.from_json(reply["info"])
        return ServiceEngine(self._infos[key], lambda job, on_step, cancelled: self.run(name, options, job, on_step,
                                                                                         cancelled))

    def clear(self) -> None:
        """Forget the engines: the next job starts a fresh process (settings changed)."""
        self.close()

    def close(self) -> None:
        """Stop the process (on quit); a job in flight fails with EngineProcessStopped."""
        self._infos.clear()
        if self._lock.acquire(timeout=0.5):
            try:
                self._stop()
            finally:
                self._lock.release()
        elif self._process is not None:
            self._process.kill()  # a job is in flight: it sees the process end

    @property
    def pid(self) -> Optional[int]:
        return self._process.pid if self._process is not None and self._process.poll() is None else None

    # -- jobs -----------------------------------------------------------------------------------------------
    def run(self, name: str, options: Mapping[str, Any], job: Job, on_step: Optional[OnStep] = None,
            cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        reply = self._exchange({"op": "run", "engine": name, "options": dict(options), "job": job}, on_step,
                               cancelled)
        return reply["result"]

    def _exchange(self, message: dict, on_step: Optional[OnStep], cancelled: Optional[IsCancelled]) -> dict:
        with self._lock:
            conn = self._ensure_started()
            try:
                conn.send(message)
                return self._await_reply(conn, on_step, cancelled)
            except (EOFError, BrokenPipeError, ConnectionResetError):
                pass
            try:
                code = self._process.wait(5)
            except subprocess.TimeoutExpired:
                code = None
            self._stop()
            raise EngineProcessStopped(f"the engine process stopped: {_describe_exit(code)}; the next job starts "
                                       f"a fresh one")

    def _await_reply(self, conn, on_step: Optional[OnStep], cancelled: Optional[IsCancelled]) -> dict:
        asked_cancel = False
        while True:
            if not conn.poll(POLL_S):
                if self._process.poll() is not None and not conn.poll():
                    raise EOFError
                if cancelled is not None and not asked_cancel and cancelled():
                    conn.send({"op": "cancel"})
                    asked_cancel = True
                continue
            event = conn.recv()
            if event["type"] == "progress":
                if on_step is not None:
                    on_step(step_of(event))
            elif event["type"] == "error":
                raise error_of(event)
            elif event["type"] == "result":
                data = np.empty(event["bytes"], np.uint8)
                conn.recv_bytes_into(data)  # straight into the array: one copy, lossless
                return {"result": result_of(event, data)}
            else:
                return event

    def _ensure_started(self):
        """A fresh `python -m engine.service.worker` connected over a private local socket (never the editor's
        own ``__main__`` re-run, as multiprocessing's spawn would)."""
        if self._process is None or self._process.poll() is not None:
            self._stop()
            from engine import registry

            entries = self._entries if self._entries is not None else registry.entries()
            authkey = secrets.token_bytes(32)
            with tempfile.TemporaryDirectory(prefix="seine-worker-") as folder:
                address = str(Path(folder) / "socket")
                with Listener(address, "AF_UNIX", authkey=authkey) as listener:
                    listener._listener._socket.settimeout(START_TIMEOUT_S)  # CPython's SocketListener: accept() gives up
                    env = {**os.environ, AUTHKEY_ENV: authkey.hex()}
                    self._process = subprocess.Popen(
                        [sys.executable, "-m", "engine.service.worker", address, json.dumps(entries),
                         "" if self.idle_s is None else str(self.idle_s)], env=env)
                    try:
                        self._conn = listener.accept()
                    except OSError as error:
                        self._stop()
                        raise EngineProcessStopped(f"the engine process did not start: {error}") from None
        return self._conn

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()  # the worker reads the end of its input and exits
        if self._process is not None:
            try:
                self._process.wait(2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(2)
        self._process = self._conn = None


def main(argv: list[str]) -> None:
    """The worker process: connect back to the editor and serve it."""
    address, entries, idle = argv
    conn = Client(address, "AF_UNIX", authkey=bytes.fromhex(os.environ.pop(AUTHKEY_ENV)))
    _serve(conn, {name: tuple(entry) for name, entry in json.loads(entries).items()}, float(idle) if idle else None)


if __name__ == "__main__":
    main(sys.argv[1:])
