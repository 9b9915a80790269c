"""The engine contract over HTTP (FastAPI): what `seine-editor serve` runs on uvicorn.

Endpoints (every one answers 401 without the token when one is set; ``Authorization: Bearer TOKEN``):

* ``GET /v1/health``: ``{"engine": EngineInfo, "device", "gpu_free_bytes", "queue": {"running", "waiting",
  "capacity" (jobs that may wait), "slots" (jobs run at once)}, "limits"}``.
* ``POST /v1/jobs``: the body is a job message (`protocol.encode_job`, ``application/x-seine-job``). The answer
  streams NDJSON events: ``{"type": "accepted", "job": ID}``, ``progress`` every step, then ``error`` or the
  ``result`` line followed by the frames' raw bytes. A dropped connection cancels the job at its next step.
* ``POST /v1/jobs/{id}/cancel``: the explicit cancel.

FastAPI loads only when this module does (a server); the editor's client is `http_client`, on the standard library.
Refusals come before any work, in plain words naming the field: 413 for a body over the limit, 422 for a malformed
job or one asking for too much, 429 with Retry-After when the queue is full.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import threading
import time
import uuid
from dataclasses import asdict
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from engine.errors import EngineInputError, GenerationCancelled
from engine.service.protocol import (Limits, decode_job, error_event, progress_event, result_bytes, result_header,
                                     run_job)

CHUNK_BYTES = 1 << 20
EVENTS_CONTENT_TYPE = "application/x-ndjson"


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode() + b"\n"


def device_facts() -> dict[str, Any]:
    """The device this process sees and its free memory (CUDA through torch when it is installed)."""
    try:
        import torch
    except ImportError:
        return {"device": "cpu", "gpu_free_bytes": None}
    if not torch.cuda.is_available():
        return {"device": "cpu", "gpu_free_bytes": None}
    free, _total = torch.cuda.mem_get_info()
    return {"device": f"cuda: {torch.cuda.get_device_name(0)}", "gpu_free_bytes": int(free)}


class EngineService:
    """The engine behind the app, one job at a time (one device), with a bounded queue."""

    def __init__(self, make_engine: Callable[[], Any], *, queue_size: int = 8, concurrency: int = 1):
        self._make_engine = make_engine
        self._engine = None
        self._engine_lock = threading.Lock()
        self.queue_size = queue_size
        self.concurrency = concurrency
        self.running = 0
        self.waiting = 0
        self.last_job_s = 5.0
        self.cancels: dict[str, threading.Event] = {}
        self._slots: asyncio.Semaphore | None = None
        self.tasks: set[asyncio.Task] = set()  # jobs in flight, referenced until done

    @property
    def engine(self):
        with self._engine_lock:
            if self._engine is None:
                self._engine = self._make_engine()
            return self._engine

    def slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        return self._slots

    def retry_after_s(self) -> int:
        return max(1, round(self.last_job_s * (self.waiting + self.running) / self.concurrency))


def create_app(make_engine: Callable[[], Any], *, token: str | None = None, limits: Limits = Limits(),
               queue_size: int = 8, concurrency: int = 1, farm_slots: int | None = None):
    """The FastAPI app serving the engine ``make_engine()`` builds (on first use, once per process). As one of
    ``farm_slots`` replicas (Ray Serve), its health speaks for the farm: that many slots, each with its queue."""
    service = EngineService(make_engine, queue_size=queue_size, concurrency=concurrency)
    app = FastAPI(title="Seine engine", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.service = service

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        if token is not None:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return JSONResponse({"detail": "a valid token is needed: Authorization: Bearer TOKEN"}, 401,
                                    headers={"WWW-Authenticate": "Bearer"})
        return await call_next(request)

    @app.get("/v1/health")
    async def health():
        info = await asyncio.to_thread(lambda: service.engine.info)
        return {"engine": info.to_json(), **device_facts(),
                "queue": {"running": service.running, "waiting": service.waiting,
                          "capacity": queue_size * (farm_slots or 1), "slots": farm_slots or service.concurrency},
                "limits": asdict(limits)}

    @app.post("/v1/jobs/{job_id}/cancel")
    async def cancel(job_id: str):
        event = service.cancels.get(job_id)
        if event is None:
            return JSONResponse({"detail": f"no job {job_id} is queued or running here"}, 404)
        event.set()
        return {"job": job_id, "cancelled": True}

    @app.post("/v1/jobs")
    async def submit(request: Request):
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limits.max_body_bytes):
            return JSONResponse({"detail": f"body of {declared} bytes is over the limit of "
                                           f"{limits.max_body_bytes} bytes"}, 413)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limits.max_body_bytes:
                return JSONResponse({"detail": f"body is over the limit of {limits.max_body_bytes} bytes"}, 413)
            chunks.append(chunk)
        try:
            job = decode_job(b"".join(chunks), limits)
        except EngineInputError as error:
            return JSONResponse({"detail": str(error)}, 422)
        if service.waiting >= queue_size:
            retry = service.retry_after_s()
            return JSONResponse({"detail": f"the queue is full ({queue_size} waiting); try again in {retry} s"},
                                429, headers={"Retry-After": str(retry)})
        return StreamingResponse(_stream(service, job), media_type=EVENTS_CONTENT_TYPE)

    return app


async def _stream(service: EngineService, job):
    """Accepted, progress..., then the result and its frames (or an error). Leaving early cancels the job."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue = asyncio.Queue()
    cancel = threading.Event()
    job_id = uuid.uuid4().hex
    service.cancels[job_id] = cancel

    def work():
        return run_job(service.engine, job, lambda step: loop.call_soon_threadsafe(
            events.put_nowait, progress_event(step)), cancel.is_set)

    async def run():
        service.waiting += 1
        started = None
        try:
            async with service.slots():
                service.waiting -= 1
                service.running += 1
                started = time.monotonic()
                try:
                    if cancel.is_set():
                        raise GenerationCancelled("cancelled while queued")
                    events.put_nowait(await asyncio.to_thread(work))
                except Exception as error:  # the client gets every failure as an event
                    events.put_nowait(error_event(error))
                finally:
                    service.running -= 1
                    service.last_job_s = time.monotonic() - started
        finally:
            if started is None:
                service.waiting -= 1

    task = asyncio.create_task(run())
    service.tasks.add(task)  # referenced until done: a dropped connection must not orphan the job
    task.add_done_callback(service.tasks.discard)
    try:
        yield _line({"type": "accepted", "job": job_id})
        while True:
            event = await events.get()
            if isinstance(event, dict) and event["type"] == "progress":
                yield _line(event)
                continue
            if isinstance(event, dict):
                yield _line(event)
            else:
                yield _line(result_header(event))
                for data in result_bytes(event):
                    for offset in range(0, len(data), CHUNK_BYTES):  # pieces a proxy passes on while the rest comes
                        yield bytes(data[offset:offset + CHUNK_BYTES])
            return
    finally:
        cancel.set()  # a no-op when the job is over; the cancel of a dropped connection otherwise
        service.cancels.pop(job_id, None)
