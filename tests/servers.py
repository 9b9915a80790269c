"""Real `seine-editor serve` servers for tests: a subprocess on a free port of 127.0.0.1, awaited until it answers
/v1/health, stopped (terminate, then kill) when the test is done. The test engine "stripes" is registered first."""
from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

import pytest

from engine.service.http_client import HttpEngineClient

ROOT = Path(__file__).resolve().parents[1]
STRIPES = ("stripes", "engine.testing_engines", "StripesEngine")
# `seine-editor serve` with the test engine registered first (its flags exist only once it is registered)
SERVE = ("import sys; from engine import registry; registry.register(*sys.argv[1:4]); "
         "from seine_editor.cli import main; sys.exit(main(sys.argv[4:]))")
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path
    token: Optional[str] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> HttpEngineClient:
        return HttpEngineClient(self.url, self.token)

    def headers(self, **extra: str) -> dict[str, str]:
        return {**extra, **({"Authorization": f"Bearer {self.token}"} if self.token else {})}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _health_status(port: int, headers: dict[str, str]) -> Optional[int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/v1/health", headers=headers)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def launch(folder: Path, port: int, *flags: str, token: Optional[str] = None) -> Server:
    """`seine-editor serve FLAGS` starting on ``port`` of 127.0.0.1 (see `until_healthy`, `stop`)."""
    command = [sys.executable, "-c", SERVE, *STRIPES, "serve", "--port", str(port), *flags]
    if token is not None:
        token_file = folder / "token"
        token_file.write_text(token + "\n")
        command += ["--token-file", str(token_file)]
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    return Server(port, process, log, token)


def until_healthy(server: Server) -> Server:
    """``server`` once it answers /v1/health; the test fails with its log when it exits or stays silent."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while _health_status(server.port, server.headers()) != 200:
        if server.process.poll() is not None:
            pytest.fail(f"the server exited with {server.process.returncode}: {server.log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"the server did not answer /v1/health within {START_TIMEOUT_S} s: {server.log.read_text()}")
        time.sleep(0.1)
    return server


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(STOP_TIMEOUT_S)


@contextlib.contextmanager
def serving(folder: Path, *flags: str, token: Optional[str] = None) -> Iterator[Server]:
    """`seine-editor serve FLAGS` on a free port of 127.0.0.1, answering /v1/health; stopped on exit."""
    server = launch(folder, free_port(), *flags, token=token)
    try:
        yield until_healthy(server)
    finally:
        stop(server)
