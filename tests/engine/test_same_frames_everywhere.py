"""For the same request and seed, the engine in process, in the local engine worker and behind `seine-editor serve`
gives the same frames (and sound), bit for bit: morph, and SEINE and LTX-2 with tiny random weights on the CPU.

CPU kernels sum in an order that depends on their thread count, so every place runs with one thread (the count a
one-CPU Ray Serve replica gets); the Ray Serve twin of this check is in test_service_ray.py."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from engine import TransitionRequest, load_engine
from engine.service.worker import LocalWorker
from servers import free_port, launch, stop, until_healthy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
REQUESTS = {"morph": TransitionRequest(num_frames=16, seed=11, size=(64, 64)),
            "seine": TransitionRequest(num_frames=16, seed=11, preset="preview", size=(64, 64)),
            "ltx2": TransitionRequest(num_frames=9, seed=11, size=(64, 64), num_inference_steps=2)}


@pytest.fixture(scope="module")
def one_thread():
    """Children inherit OMP_NUM_THREADS; this process sets its own count."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
    monkeypatch.undo()


@pytest.fixture(scope="module")
def ends():
    rng = np.random.default_rng(3)
    return tuple(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(2))


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    from engine.testing import write_tiny_weights

    folder = tmp_path_factory.mktemp("tiny")
    write_tiny_weights(folder)
    return str(folder)


@pytest.fixture(scope="module")
def ltx2_weights(tmp_path_factory):
    from engine.testing import write_tiny_ltx2

    return str(write_tiny_ltx2(tmp_path_factory.mktemp("ltx2")))


@pytest.fixture(scope="module")
def made_everywhere(one_thread, ends, weights, ltx2_weights, tmp_path_factory):
    """{engine: {place: GeneratedFrames}} for one transition request each. The three servers start (and then
    make their frames) side by side while this process and the worker make theirs: the same work, less waiting."""
    engines = {"morph": {}, "seine": {"weights": weights, "device": "cpu"},
               "ltx2": {"weights": ltx2_weights, "device": "cpu"}}
    made = {name: {} for name in engines}
    worker = LocalWorker(idle_s=120)
    servers = {}
    try:
        for name, options in engines.items():
            flags = ["--engine", name] + [f for key, value in options.items()
                                          for f in (f"--{key.replace('_', '-')}", value)]
            servers[name] = launch(tmp_path_factory.mktemp(f"serve-{name}"), free_port(), *flags)
        for name, options in engines.items():
            made[name]["in process"] = load_engine(name, **options).transition(*ends, REQUESTS[name])
            made[name]["worker"] = worker.get(name, options).transition(*ends, REQUESTS[name])
        with ThreadPoolExecutor(len(servers)) as pool:
            asked = {name: pool.submit(lambda n: until_healthy(servers[n]).client().engine(n).transition(
                *ends, REQUESTS[n]), name) for name in servers}
            for name, answer in asked.items():
                made[name]["server"] = answer.result()
    finally:
        worker.close()
        for server in servers.values():
            stop(server)
    return made


@pytest.mark.parametrize("engine", ["morph", "seine", "ltx2"])
@pytest.mark.parametrize("place", ["worker", "server"])
def test_the_same_request_gives_the_same_frames_wherever_it_runs(made_everywhere, engine, place):
    made = made_everywhere[engine]
    assert made[place].frames.shape == made["in process"].frames.shape == (REQUESTS[engine].num_frames, 64, 64, 3)
    assert np.array_equal(made[place].frames, made["in process"].frames)


@pytest.mark.parametrize("place", ["worker", "server"])
def test_the_sound_an_engine_makes_arrives_bit_for_bit_wherever_it_runs(made_everywhere, place):
    made = made_everywhere["ltx2"]
    assert made[place].sound.dtype == np.float32 and made[place].sound.shape[0] == 2
    assert np.array_equal(made[place].sound, made["in process"].sound)
    assert made[place].sound_rate == made["in process"].sound_rate == 16000
