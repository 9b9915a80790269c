"""The local engine worker: engines in a child process, the same frames, progress and cancel, and a crash that
ends only that process."""
import threading

import numpy as np
import pytest

from engine import AnimateRequest, ExtendRequest, TransitionRequest, load_engine, registry
from engine.errors import EngineInputError, GenerationCancelled
from engine.service.protocol import EngineProcessStopped
from engine.service.worker import LocalWorker

A = np.zeros((48, 48, 3), np.uint8)
B = np.full((48, 48, 3), 200, np.uint8)
pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def stripes(monkeypatch):
    monkeypatch.setitem(registry._ENGINES, "stripes", ("engine.testing_engines", "StripesEngine"))


@pytest.fixture
def worker():
    worker = LocalWorker(idle_s=60)
    yield worker
    worker.close()
    assert worker.pid is None


def test_the_worker_describes_the_engine_it_runs(worker):
    engine = worker.get("stripes", {"stripe_width": 2})
    assert (engine.info.identity, engine.info.native_frames, engine.info.fps) == ("stripes/1:2", 6, 12.0)


@pytest.mark.parametrize("mode", ["transition", "extend", "animate"])
def test_frames_made_in_the_worker_equal_those_made_in_process(worker, mode):
    remote, local = worker.get("stripes", {}), load_engine("stripes")
    calls = {"transition": lambda e: e.transition(A, B, TransitionRequest(num_frames=6, seed=5)),
             "extend": lambda e: e.extend(np.stack([A, B]), ExtendRequest(num_frames=6, seed=5)),
             "animate": lambda e: e.animate(B, AnimateRequest(num_frames=6, seed=5))}
    made, expected = calls[mode](remote), calls[mode](local)
    assert made.frames.dtype == np.uint8 and np.array_equal(made.frames, expected.frames)
    assert (made.fps, made.info) == (expected.fps, expected.info)


def test_morph_frames_cross_the_process_boundary_bit_for_bit(worker):
    rng = np.random.default_rng(0)
    first, last = (rng.integers(0, 256, (320, 512, 3), dtype=np.uint8) for _ in range(2))
    made = worker.get("morph", {}).transition(first, last, TransitionRequest(num_frames=16))
    assert np.array_equal(made.frames, load_engine("morph").transition(first, last,
                                                                       TransitionRequest(num_frames=16)).frames)


def test_progress_arrives_for_every_step(worker):
    steps = []
    worker.get("stripes", {}).transition(A, B, TransitionRequest(num_frames=6, preset="slow"), on_step=steps.append)
    assert [(s.step, s.total) for s in steps] == [(i, 6) for i in range(1, 7)]


def test_cancel_takes_effect_at_the_next_step_and_the_worker_stays_usable(worker):
    asked = threading.Event()
    engine = worker.get("stripes", {"work_s": 0.1})
    with pytest.raises(GenerationCancelled):
        engine.transition(A, B, TransitionRequest(num_frames=6, preset="slow"), cancelled=asked.is_set,
                          on_step=lambda step: step.step == 2 and asked.set())
    assert engine.transition(A, B, TransitionRequest(num_frames=6)).frames.shape == (6, 48, 48, 3)


def test_an_engine_error_comes_back_as_the_same_error(worker):
    with pytest.raises(EngineInputError, match="preset 'best' is not one of stripes's presets: fast, slow"):
        worker.get("stripes", {}).transition(A, B, TransitionRequest(num_frames=6, preset="best"))


@pytest.mark.parametrize("fault, how", [("abort", "killed by signal SIGABRT"), ("kill", "killed by signal SIGKILL"),
                                        ("exit", "exit code 3")])
def test_an_engine_that_dies_mid_job_fails_the_job_and_the_next_job_gets_a_fresh_process(worker, fault, how):
    dying = worker.get("stripes", {"fault": fault, "fault_step": 1})
    with pytest.raises(EngineProcessStopped, match=f"the engine process stopped: {how}"):
        dying.transition(A, B, TransitionRequest(num_frames=6))
    assert worker.pid is None
    made = worker.get("stripes", {}).transition(A, B, TransitionRequest(num_frames=6, seed=1))
    assert np.array_equal(made.frames, load_engine("stripes").transition(A, B, TransitionRequest(num_frames=6,
                                                                                                 seed=1)).frames)


def test_an_idle_worker_stops_by_itself_and_the_next_job_starts_another(stripes):
    worker = LocalWorker(idle_s=0.3)
    try:
        engine = worker.get("stripes", {})
        first = worker.pid
        worker._process.wait(10)
        assert worker.pid is None
        assert engine.transition(A, B, TransitionRequest(num_frames=6)).frames.shape[0] == 6
        assert worker.pid not in (None, first)
    finally:
        worker.close()
