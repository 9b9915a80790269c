"""The engine over HTTP: a real `seine-editor serve` (uvicorn, in a subprocess on 127.0.0.1) and `HttpEngineClient`.

Nothing of the transport is mocked: each server is the command line an operator runs, and the tests talk to it over
sockets, through the editor's client or raw `http.client` where the wire itself is what is checked.
"""
from __future__ import annotations

import contextlib
import http.client
import json
import struct
import threading
import time
from typing import Iterator, Optional

import numpy as np
import pytest

from engine import registry
from engine.api import StepInfo, TransitionRequest
from engine.errors import EngineError, GenerationCancelled
from engine.service.http_client import HttpEngineClient, ServerError
from engine.service.protocol import JOB_MAGIC, encode_job, job_for
from servers import STRIPES, Server, serving

pytestmark = pytest.mark.timeout(60)

JOB_HEADERS = {"Content-Type": "application/x-seine-job"}
STEP_S = 0.5  # --work-s of the slow server: one step of its engine


TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def stripes_server(tmp_path_factory):
    """The stripes engine behind a token: every test of it sends the token, the 401 tests leave it out."""
    with serving(tmp_path_factory.mktemp("stripes"), "--engine", "stripes", token=TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def crossfade_server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("crossfade"), "--engine", "crossfade") as server:
        yield server


@pytest.fixture(scope="module")
def slow_server_process(tmp_path_factory):
    """One job at a time, one waiting, each engine step STEP_S long."""
    with serving(tmp_path_factory.mktemp("slow"), "--engine", "stripes", "--queue", "1",
                 "--work-s", str(STEP_S)) as server:
        yield server


@pytest.fixture
def slow_server(slow_server_process):
    """The slow server with nothing running or waiting (the jobs a previous test left have stopped)."""
    wait_until_idle(slow_server_process)
    return slow_server_process


@pytest.fixture(scope="module")
def crashing_server(tmp_path_factory):
    """The engine (in its worker process, the default) kills its own process at its first step."""
    with serving(tmp_path_factory.mktemp("crash"), "--engine", "stripes", "--fault", "kill",
                 "--fault-step", "1") as server:
        yield server


@pytest.fixture
def stripes_in_process(monkeypatch):
    """The stripes engine of this process, registered for this test only (the registry is restored after)."""
    monkeypatch.setattr(registry, "_ENGINES", dict(registry.entries()))
    registry.register(*STRIPES)
    return registry.load_engine("stripes")


# -- helpers ------------------------------------------------------------------------------------------------------

def two_frames(height: int, width: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return tuple(rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(2))


def transition_body(request: TransitionRequest, size: int = 48) -> bytes:
    return encode_job(job_for("transition", request, *two_frames(size, size)))


def hand_made_body(header, frames: bytes = b"") -> bytes:
    """A job message in the protocol's framing, with a header that may break any rule."""
    header = header if isinstance(header, bytes) else json.dumps(header).encode()
    return JOB_MAGIC + struct.pack("<I", len(header)) + header + frames


def request(server: Server, method: str, path: str, body: Optional[bytes] = None,
            headers: Optional[dict[str, str]] = None, timeout: float = 10.0):
    """(status, headers, body) of one plain request; it sends the server's token unless ``headers`` are given."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request(method, path, body, headers if headers is not None else server.headers(**JOB_HEADERS))
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def detail(body: bytes) -> str:
    return json.loads(body)["detail"]


@contextlib.contextmanager
def open_job(server: Server, body: bytes) -> Iterator[tuple[str, http.client.HTTPResponse]]:
    """A job whose NDJSON stream the test reads itself: (job id, response); closing the connection drops it."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("POST", "/v1/jobs", body, server.headers(**JOB_HEADERS))
        response = connection.getresponse()
        assert response.status == 200, response.read()
        accepted = json.loads(response.readline())
        assert accepted["type"] == "accepted"
        yield accepted["job"], response
    finally:
        connection.close()


def wait_until_idle(server: Server, timeout: float = 10.0) -> float:
    """Seconds until the server's health reports no job running or waiting."""
    started = time.monotonic()
    while True:
        queue = server.client().health()["queue"]
        if queue["running"] == 0 and queue["waiting"] == 0:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            pytest.fail(f"the server still has jobs after {timeout} s: {queue}")
        time.sleep(0.05)


def slow_transition(steps: int) -> TransitionRequest:
    return TransitionRequest(num_frames=6, seed=1, num_inference_steps=steps)


# -- health ---------------------------------------------------------------------------------------------------------

def test_health_names_the_served_engine_its_cpu_device_and_the_queue_capacity(stripes_server):
    health = stripes_server.client().health()

    assert health["engine"]["name"] == "stripes"
    assert health["engine"]["identity"] == "stripes/1:4"
    assert health["device"] == "cpu"
    assert health["queue"] == {"running": 0, "waiting": 0, "capacity": 8, "slots": 1}


def test_the_client_describes_the_served_engine_as_the_engine_itself_does(stripes_server, stripes_in_process):
    assert stripes_server.client().engine("stripes").info == stripes_in_process.info


# -- frames ---------------------------------------------------------------------------------------------------------

def test_a_transition_made_on_the_server_equals_the_same_engine_in_process_bit_for_bit(stripes_server,
                                                                                       stripes_in_process):
    first, last = two_frames(48, 48)
    request_ = TransitionRequest(num_frames=6, seed=5)

    served = stripes_server.client().engine("stripes").transition(first, last, request_)
    local = stripes_in_process.transition(first, last, request_)

    assert served.frames.dtype == np.uint8 and served.frames.shape == (6, 48, 48, 3)
    assert np.array_equal(served.frames, local.frames)
    assert served.fps == local.fps
    assert served.info == local.info


def test_a_crossfade_made_on_the_server_equals_the_crossfade_in_process_bit_for_bit(crossfade_server):
    first, last = two_frames(320, 512, seed=3)
    request_ = TransitionRequest(num_frames=16)

    served = crossfade_server.client().engine("crossfade").transition(first, last, request_)
    local = registry.load_engine("crossfade").transition(first, last, request_)

    assert served.frames.shape == (16, 320, 512, 3)
    assert np.array_equal(served.frames, local.frames)
    assert served.fps == local.fps


def test_the_client_refuses_a_server_serving_another_engine_by_name(crossfade_server):
    with pytest.raises(EngineError, match="serves the crossfade engine, not stripes"):
        crossfade_server.client().engine("stripes")


# -- progress -------------------------------------------------------------------------------------------------------

def test_the_client_hears_every_step_of_a_job_in_order(stripes_server):
    steps: list[StepInfo] = []
    first, last = two_frames(48, 48)

    stripes_server.client().engine("stripes").transition(
        first, last, TransitionRequest(num_frames=6, num_inference_steps=5), on_step=steps.append)

    assert [(s.step, s.total) for s in steps] == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    assert all(later.elapsed_s >= earlier.elapsed_s for earlier, later in zip(steps, steps[1:]))


# -- the token ------------------------------------------------------------------------------------------------------

ENDPOINTS = [("GET", "/v1/health"), ("POST", "/v1/jobs"), ("POST", "/v1/jobs/0123abcd/cancel")]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", TOKEN, f"Bearer {TOKEN}-and-more"],
                         ids=["missing", "wrong", "not-bearer", "longer"])
@pytest.mark.parametrize("method, path", ENDPOINTS, ids=["health", "jobs", "cancel"])
def test_with_a_token_every_endpoint_answers_401_without_the_right_one(stripes_server, method, path, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    body = transition_body(TransitionRequest(num_frames=6)) if path == "/v1/jobs" else None

    status, answer_headers, answer = request(stripes_server, method, path, body, {**headers, **JOB_HEADERS})

    assert status == 401
    assert answer_headers["WWW-Authenticate"] == "Bearer"
    assert "token" in detail(answer)


@pytest.mark.parametrize("method, path, answered", [(*ENDPOINTS[0], 200), (*ENDPOINTS[1], 200), (*ENDPOINTS[2], 404)],
                         ids=["health", "jobs", "cancel-of-no-job"])
def test_with_the_right_token_every_endpoint_answers_past_the_gate(stripes_server, method, path, answered):
    body = transition_body(TransitionRequest(num_frames=6)) if path == "/v1/jobs" else None

    status, _, answer = request(stripes_server, method, path, body)

    assert status == answered, answer


def test_with_the_right_token_the_client_gets_health_and_frames(stripes_server):
    engine = stripes_server.client().engine("stripes")

    result = engine.transition(*two_frames(48, 48), TransitionRequest(num_frames=6, seed=5))

    assert engine.identity == "stripes/1:4"
    assert result.frames.shape == (6, 48, 48, 3)


def test_the_client_without_the_token_fails_with_a_401_naming_the_token(stripes_server):
    with pytest.raises(ServerError, match="401.*token is missing or wrong") as raised:
        HttpEngineClient(stripes_server.url).health()
    assert raised.value.status == 401


def test_listening_beyond_loopback_without_a_token_is_refused_at_start_naming_the_address(capsys):
    from seine_editor.cli import main

    code = main(["serve", "--engine", "crossfade", "--host", "0.0.0.0"])

    assert code == 2
    assert "0.0.0.0" in capsys.readouterr().err


# -- refusals before any work ---------------------------------------------------------------------------------------

def test_a_body_declared_over_the_limit_is_refused_with_413_before_it_is_read(stripes_server):
    connection = http.client.HTTPConnection("127.0.0.1", stripes_server.port, timeout=5)
    try:
        connection.putrequest("POST", "/v1/jobs")
        for header, value in stripes_server.headers(**JOB_HEADERS, **{"Content-Length": str(10 * 10**9)}).items():
            connection.putheader(header, value)
        connection.endheaders()  # not one byte of the body: a server reading it would wait for the timeout
        response = connection.getresponse()

        assert response.status == 413
        assert "over the limit" in detail(response.read())
    finally:
        connection.close()


def test_a_job_asking_for_too_many_frames_is_refused_with_422_naming_request_num_frames(stripes_server):
    body = transition_body(TransitionRequest(num_frames=100000))

    status, _, answer = request(stripes_server, "POST", "/v1/jobs", body)

    assert status == 422
    assert "request.num_frames" in detail(answer)


def test_the_client_raises_the_servers_refusal_with_its_status(stripes_server):
    engine = stripes_server.client().engine("stripes")

    with pytest.raises(ServerError, match="422.*request.num_frames") as raised:
        engine.transition(*two_frames(48, 48), TransitionRequest(num_frames=100000))
    assert raised.value.status == 422


SHAPES = [[48, 48, 3], [48, 48, 3]]
GARBAGE = {
    "empty": b"",
    "not-a-job": b"hello, engine",
    "header-not-json": JOB_MAGIC + struct.pack("<I", 5) + b"{oops",
    "header-not-an-object": hand_made_body([1, 2, 3]),
    "unknown-mode": hand_made_body({"mode": "morph", "request": {}, "arrays": SHAPES}),
    "mode-a-list": hand_made_body({"mode": ["transition"], "request": {}, "arrays": SHAPES}),
    "frames-missing": hand_made_body({"mode": "transition", "request": {}, "arrays": SHAPES}),
    "shapes-overflowing": hand_made_body({"mode": "transition", "request": {},
                                          "arrays": [[2**32, 2**32, 3], [2**32, 2**32, 3]]}),
    "header-nested-too-deep": hand_made_body(b"[" * 100_000),
}


@pytest.mark.parametrize("body", list(GARBAGE.values()), ids=list(GARBAGE))
def test_a_body_that_is_not_a_well_formed_job_is_refused_with_422(stripes_server, body):
    status, _, answer = request(stripes_server, "POST", "/v1/jobs", body)

    assert status == 422, answer
    assert detail(answer)


@pytest.mark.parametrize("field, value", [("num_frames", "six"), ("num_frames", 6.5), ("seed", True),
                                          ("size", "48x48"), ("size", [48, 48, 48]), ("prompt", 7),
                                          ("guidance_scale", "high"), ("num_known", None), ("speed", 2)])
def test_a_request_field_unknown_or_of_the_wrong_type_is_refused_with_422_naming_it(stripes_server, field, value):
    body = hand_made_body({"mode": "transition", "request": {"num_frames": 6, field: value}, "arrays": SHAPES},
                          bytes(2 * 48 * 48 * 3))

    status, _, answer = request(stripes_server, "POST", "/v1/jobs", body)

    assert status == 422
    assert f"request.{field}" in detail(answer)


# -- the queue ------------------------------------------------------------------------------------------------------

def test_a_full_queue_answers_429_with_retry_after(slow_server):
    body = transition_body(slow_transition(steps=20))
    with open_job(slow_server, body), open_job(slow_server, body):  # one running, one waiting
        status, headers, answer = request(slow_server, "POST", "/v1/jobs", body)

    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert "queue is full" in detail(answer)


def test_a_job_waits_its_turn_when_the_queue_has_room(slow_server):
    done: list = []
    engine = slow_server.client().engine("stripes")
    first, last = two_frames(48, 48)

    def run():
        done.append(engine.transition(first, last, slow_transition(steps=1)))
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(done) == 2
    assert np.array_equal(done[0].frames, done[1].frames)


# -- cancel ---------------------------------------------------------------------------------------------------------

def test_cancelling_through_the_client_raises_generation_cancelled_within_a_step_and_frees_the_server(slow_server):
    engine = slow_server.client().engine("stripes")
    first, last = two_frames(48, 48)
    asked = threading.Event()
    asked_at: list[float] = []

    def cancel_after_the_first_step(step: StepInfo) -> None:
        asked_at.append(time.monotonic())
        asked.set()

    with pytest.raises(GenerationCancelled):
        engine.transition(first, last, slow_transition(steps=20), on_step=cancel_after_the_first_step,
                          cancelled=asked.is_set)
    assert time.monotonic() - asked_at[0] < 2 * STEP_S
    assert wait_until_idle(slow_server) < 3 * STEP_S  # the server dropped the job instead of finishing it

    result = engine.transition(first, last, slow_transition(steps=1))
    assert result.frames.shape == (6, 48, 48, 3)


def test_the_cancel_endpoint_stops_a_running_job_with_a_cancelled_error_event(slow_server):
    with open_job(slow_server, transition_body(slow_transition(steps=20))) as (job, stream):
        assert json.loads(stream.readline())["type"] == "progress"  # the job is running

        status, _, answer = request(slow_server, "POST", f"/v1/jobs/{job}/cancel")
        assert status == 200 and json.loads(answer) == {"job": job, "cancelled": True}

        events = [json.loads(line) for line in iter(stream.readline, b"")]  # to the end of the stream
    assert events[-1]["type"] == "error"
    assert events[-1]["error_type"] == "GenerationCancelled"
    assert all(event["type"] == "progress" for event in events[:-1])
    assert len(events) <= 3  # within about a step, far from the 20 asked for


def test_cancelling_a_job_the_server_does_not_have_answers_404(slow_server):
    status, _, answer = request(slow_server, "POST", "/v1/jobs/no-such-job/cancel")

    assert status == 404
    assert "no-such-job" in detail(answer)


# -- an engine crash ------------------------------------------------------------------------------------------------

def test_an_engine_process_killed_mid_job_fails_the_job_and_the_server_stays_up(crashing_server):
    client = crashing_server.client()

    with pytest.raises(EngineError, match="the engine process stopped"):
        client.engine("stripes").transition(*two_frames(48, 48), TransitionRequest(num_frames=6))

    assert client.health()["engine"]["name"] == "stripes"
    assert crashing_server.process.poll() is None
