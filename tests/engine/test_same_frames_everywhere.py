"""For the same request and seed, the engine in process, in the local engine worker and behind `seine-editor serve`
gives the same frames, bit for bit: morph, and SEINE with tiny random weights on the CPU.

CPU kernels sum in an order that depends on their thread count, so every place runs with one thread (the count a
one-CPU Ray Serve replica gets); the Ray Serve twin of this check is in test_service_ray.py."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from engine import TransitionRequest, load_engine
from engine.service.worker import LocalWorker
from servers import serving

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
REQUEST = TransitionRequest(num_frames=16, seed=11, preset="preview", size=(64, 64))


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
def made_everywhere(one_thread, ends, weights, tmp_path_factory):
    """{engine: {place: frames}} for one transition request."""
    engines = {"morph": {}, "seine": {"weights": weights, "device": "cpu"}}
    made = {}
    worker = LocalWorker(idle_s=120)
    try:
        for name, options in engines.items():
            made[name] = {"in process": load_engine(name, **options).transition(*ends, REQUEST).frames,
                          "worker": worker.get(name, options).transition(*ends, REQUEST).frames}
            flags = ["--engine", name] + [f for key, value in options.items()
                                          for f in (f"--{key.replace('_', '-')}", value)]
            with serving(tmp_path_factory.mktemp(f"serve-{name}"), *flags) as server:
                made[name]["server"] = server.client().engine(name).transition(*ends, REQUEST).frames
    finally:
        worker.close()
    return made


@pytest.mark.parametrize("engine", ["morph", "seine"])
@pytest.mark.parametrize("place", ["worker", "server"])
def test_the_same_request_gives_the_same_frames_wherever_it_runs(made_everywhere, engine, place):
    frames = made_everywhere[engine]
    assert frames[place].shape == frames["in process"].shape == (16, 64, 64, 3)
    assert np.array_equal(frames[place], frames["in process"])
