"""A client of `engine.service.http_app` (a `seine-editor serve` server), on the standard
library only: ``HttpEngineClient(url, token).engine(name)`` is an `Engine` whose jobs run on the server.

Cancel closes the connection (the server cancels a job whose connection drops). A connection that drops mid-job
without a cancel (a replica killed, a server restarted), or a 5xx answer in place of the job's (Ray's proxy when the
replica died before its answer began), is retried once; a second drop fails with a plain message.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.parse
from typing import Any, Optional

import numpy as np

from engine.api import EngineInfo, GeneratedFrames, IsCancelled, OnStep
from engine.errors import EngineError, EngineInputError, GenerationCancelled
from engine.service.client import ServiceEngine
from engine.service.protocol import (JOB_CONTENT_TYPE, EngineProcessStopped, Job, encode_job, error_of, result_of,
                                     step_of)

CANCEL_POLL_S = 0.05
CONNECT_TIMEOUT_S = 10.0


class ServerError(EngineError, ConnectionError):
    """The server could not be reached, refused the request, or answered something else than the contract."""


class HttpEngineClient:
    def __init__(self, url: str, token: Optional[str] = None, *, retries: int = 1):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise EngineInputError(f"server URL {url!r} is not allowed: give http://HOST:PORT or https://HOST:PORT")
        self.url = url.rstrip("/")
        self._parsed = parsed
        self._token = token
        self.retries = retries
        self._info: Optional[EngineInfo] = None

    # -- plain requests -------------------------------------------------------------------------------------
    def _connection(self, timeout: Optional[float]) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._parsed.scheme == "https" else http.client.HTTPConnection
        return cls(self._parsed.hostname, self._parsed.port, timeout=timeout)

    def _headers(self, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _refusal(self, response: http.client.HTTPResponse) -> ServerError:
        body = response.read()
        try:
            detail = json.loads(body).get("detail", "")
        except (ValueError, AttributeError):
            detail = body[:200].decode(errors="replace")
        if response.status == 401:
            detail = "the token is missing or wrong (Engine settings → token file)"
        retry = response.getheader("Retry-After")
        error = ServerError(f"{self.url} answered {response.status} {response.reason}: {detail}")
        error.status, error.retry_after = response.status, float(retry) if retry else None
        return error

    def health(self) -> dict[str, Any]:
        """GET /v1/health; ServerError naming the URL when it cannot be had."""
        connection = self._connection(CONNECT_TIMEOUT_S)
        try:
            connection.request("GET", "/v1/health", headers=self._headers())
            response = connection.getresponse()
            if response.status != 200:
                raise self._refusal(response)
            return json.loads(response.read())
        except (OSError, http.client.HTTPException, ValueError) as error:
            if isinstance(error, ServerError):
                raise
            raise ServerError(f"{self.url} did not answer: {error}") from None
        finally:
            connection.close()

    def info(self) -> EngineInfo:
        if self._info is None:
            self._info = EngineInfo.from_json(self.health()["engine"])
        return self._info

    def forget(self) -> None:
        self._info = None

    def engine(self, name: Optional[str] = None) -> ServiceEngine:
        """The served engine; EngineInputError when it is not the engine ``name`` asked for."""
        info = self.info()
        if name is not None and info.name != name:
            raise EngineInputError(f"the server at {self.url} serves the {info.name} engine, not {name}")
        return ServiceEngine(info, self.run)

    # -- jobs -----------------------------------------------------------------------------------------------
    def run(self, job: Job, on_step: Optional[OnStep] = None,
            cancelled: Optional[IsCancelled] = None) -> GeneratedFrames:
        body = encode_job(job)
        for attempt in range(self.retries + 1):
            try:
                return self._run_once(body, on_step, cancelled)
            except _Dropped as dropped:
                if cancelled is not None and cancelled():
                    raise GenerationCancelled("generation cancelled: the connection to the server was closed")
                if attempt == self.retries:
                    raise EngineProcessStopped(f"the engine server at {self.url} stopped during the job "
                                               f"{attempt + 1} time(s): {dropped}") from None
        raise AssertionError("unreachable")

    def _run_once(self, body: bytes, on_step: Optional[OnStep], cancelled: Optional[IsCancelled]) -> GeneratedFrames:
        connection = self._connection(CONNECT_TIMEOUT_S)
        done = threading.Event()
        try:
            try:
                connection.request("POST", "/v1/jobs", body, self._headers(**{
                    "Content-Type": JOB_CONTENT_TYPE, "Content-Length": str(len(body))}))
                response = connection.getresponse()
            except (OSError, http.client.HTTPException) as error:
                raise ServerError(f"{self.url} did not take the job: {error}") from None
            if response.status != 200:
                refusal = self._refusal(response)
                # a 5xx: the server failed before the job's answer began (Ray's proxy answers 500 for a replica
                # killed before its headers), retried; 503 is Ray saying the farm is full, a refusal like 429
                if response.status >= 500 and response.status != 503:
                    raise _Dropped(str(refusal))
                raise refusal
            connection.sock.settimeout(None)  # a job may take minutes between events
            if cancelled is not None:
                threading.Thread(target=_close_on_cancel, args=(connection, cancelled, done), daemon=True).start()
            return self._read_events(response, on_step)
        finally:
            done.set()
            connection.close()

    def _read_events(self, response: http.client.HTTPResponse, on_step: Optional[OnStep]) -> GeneratedFrames:
        while True:
            event = _next_event(response)
            if event["type"] == "progress" and on_step is not None:
                on_step(step_of(event))
            elif event["type"] == "error":
                raise error_of(event)
            elif event["type"] == "result":
                data = np.empty(event["bytes"], np.uint8)
                try:
                    complete = response.readinto(data) == data.nbytes
                except (OSError, http.client.HTTPException) as error:
                    raise _Dropped(str(error) or type(error).__name__) from None
                if not complete:
                    raise _Dropped("the connection closed during the frames")
                return result_of(event, data)


def _next_event(response: http.client.HTTPResponse) -> dict[str, Any]:
    try:
        line = response.readline()
        if not line:
            raise _Dropped("the connection closed before the result")
        return json.loads(line)
    except (OSError, http.client.HTTPException, ValueError) as error:
        raise _Dropped(str(error) or type(error).__name__) from None


class _Dropped(Exception):
    """The connection ended mid-job."""


def _close_on_cancel(connection: http.client.HTTPConnection, cancelled: IsCancelled, done: threading.Event) -> None:
    while not done.wait(CANCEL_POLL_S):
        if cancelled():
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)  # the server sees the drop and cancels the job
            except OSError:
                pass
            return
