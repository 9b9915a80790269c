"""The engine farm on real local Ray: `ray_app.run_on_ray` deploys the engine's HTTP app as a Ray Serve deployment of
N replicas behind Ray's proxy, and the editor's client and `seine-editor generate --server` talk to it over sockets.

Nothing of Ray or the transport is mocked. One Ray runs for the whole module (starting it and deploying costs most of
the module's time on a small machine); a test that needs other engine options redeploys the app under the same name,
which replaces it. The tests are grouped by deployment so that each one is made once.
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

import numpy as np
import pytest

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")

from engine import registry  # noqa: E402
from engine.api import TransitionRequest  # noqa: E402
from engine.service.http_client import HttpEngineClient  # noqa: E402
from engine.service.protocol import EngineProcessStopped, Limits  # noqa: E402
from engine.service.ray_app import run_on_ray  # noqa: E402
from servers import STRIPES, free_port  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

HOST = "127.0.0.1"
REPLICAS = 2
QUEUE_SIZE = 8
STEP_S = 0.15  # work_s of the stripes farm: one engine step, wall-clock time (a busy core)
SLOW_STEPS = 6  # steps of the stripes "slow" preset


@dataclass
class Farm:
    """The engine app on the module's Ray, at ``url``; `deploy` (re)deploys it when asked for other settings."""

    port: int
    deployed: Optional[tuple] = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def deploy(self, name: str, *, replicas: int = REPLICAS, queue_size: int = QUEUE_SIZE,
               **options: Any) -> HttpEngineClient:
        wanted = (name, replicas, queue_size, tuple(sorted(options.items())))
        if wanted != self.deployed:
            self.deployed = None  # a failed deploy leaves nothing the next test could trust
            run_on_ray(name, options, replicas=replicas, host=HOST, port=self.port, token=None, limits=Limits(),
                       queue_size=queue_size)
            self.deployed = wanted
        return HttpEngineClient(self.url)


@pytest.fixture(scope="module")
def farm():
    """One local Ray (2 CPUs) for the module, with the test engine registered in this process first (the
    deployment ships the registry to its replicas); Serve and Ray are shut down and the registry restored after."""
    saved = dict(registry._ENGINES)
    registry.register(*STRIPES)
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        yield Farm(free_port())
    finally:
        try:
            if ray.is_initialized():
                serve.shutdown()
        finally:
            ray.shutdown()
            registry._ENGINES.clear()
            registry._ENGINES.update(saved)


@pytest.fixture
def stripes_farm(farm) -> HttpEngineClient:
    """Stripes on 2 replicas with 8 queued each; each engine step is STEP_S of work."""
    return farm.deploy("stripes", work_s=STEP_S)


# -- helpers ------------------------------------------------------------------------------------------------------

def two_frames(height: int, width: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return tuple(rng.integers(0, 256, (height, width, 3), dtype=np.uint8) for _ in range(2))


def count_attempts(monkeypatch) -> list[float]:
    """The client's attempts at a job, each appended as it starts (the client's own code runs unchanged)."""
    attempts: list[float] = []
    run_once = HttpEngineClient._run_once

    def counted(self, *args):
        attempts.append(time.monotonic())
        return run_once(self, *args)

    monkeypatch.setattr(HttpEngineClient, "_run_once", counted)
    return attempts


def project_with_pending_transitions(folder: Path) -> tuple[Path, list[Path]]:
    """A saved project of four clips with a pending stripes transition at each of its three cuts (no job run);
    (the project file, the clips' media files in track order)."""
    from seine_editor.media.synthetic import write_coded_video
    from seine_editor.project.commands import CallCommand
    from seine_editor.project.project import Project
    from seine_editor.timeline.otio_io import TimelineSettings

    tints = [(200, 60, 40), (40, 80, 200), (60, 200, 60), (200, 200, 40)]
    media = [write_coded_video(folder / f"clip{n}.mp4", frames=24, width=64, height=48, tint=tint,
                               first_index=100 * n) for n, tint in enumerate(tints)]
    project = Project.new(TimelineSettings(width=64, height=48, fps=Fraction(24)))
    try:
        track = project.document.track_ids("video")[0]
        for path in media:
            project.append_clip(path, track)
        lefts = [clip.id for clip in project.document.info().track(track).clips][:-1]
        for left in lefts:
            project.push(CallCommand(project.document, "transition", "add_generative_transition", left_clip_id=left,
                                     duration_frames=8, mode="bridge", params={"engine": "stripes"}))
        project.save_as(folder / "story.otio")
    finally:
        project.close()
    return folder / "story.otio", media


def generative_statuses(path: Path) -> list[str]:
    """The statuses of the project's generative items, in timeline order, as the saved file has them."""
    from seine_editor.project.project import Project

    reopened = Project.open(path, recovery_choice="ignore")
    try:
        items = [clip for clip in reopened.document.info().clips() if clip.generative]
        for item in items:
            if item.generative.status == "baked":
                assert Path(item.generative.baked_path).exists()
        return [item.generative.status for item in items]
    finally:
        reopened.close()


# -- the stripes farm -----------------------------------------------------------------------------------------------

def test_a_transition_made_on_the_farm_equals_the_same_engine_in_process_bit_for_bit(stripes_farm):
    first, last = two_frames(48, 48)
    request = TransitionRequest(num_frames=6, seed=5)

    served = stripes_farm.engine("stripes").transition(first, last, request)
    local = registry.load_engine("stripes").transition(first, last, request)

    assert served.frames.dtype == np.uint8 and served.frames.shape == (6, 48, 48, 3)
    assert np.array_equal(served.frames, local.frames)
    assert (served.fps, served.info) == (local.fps, local.info)


def test_health_through_the_farm_reports_one_slot_a_replica_and_a_queue_for_each(stripes_farm):
    health = stripes_farm.health()

    assert health["engine"]["name"] == "stripes"
    assert (health["queue"]["slots"], health["queue"]["capacity"]) == (REPLICAS, REPLICAS * QUEUE_SIZE)


def test_jobs_sent_at_once_spread_over_the_replicas_and_finish_well_before_one_after_another(stripes_farm):
    engine = stripes_farm.engine("stripes")
    first, last = two_frames(48, 48)
    slow = TransitionRequest(num_frames=6, preset="slow")  # SLOW_STEPS steps of STEP_S each

    started = time.monotonic()
    for _ in range(2):
        engine.transition(first, last, slow)
    one_job_s = (time.monotonic() - started) / 2
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: engine.transition(first, last, slow), range(4)))
    at_once_s = time.monotonic() - started

    assert one_job_s >= SLOW_STEPS * STEP_S
    assert [r.frames.shape for r in results] == [(6, 48, 48, 3)] * 4
    # 4 jobs on 2 replicas take about 2 jobs' time; one after another they would take 4
    assert at_once_s < 0.75 * 4 * one_job_s, f"4 jobs at once took {at_once_s:.2f} s, one {one_job_s:.2f} s"


def test_generate_on_the_farm_sends_every_pending_item_and_bakes_them_all(stripes_farm, qapp, tmp_path, capsys):
    from seine_editor.cli import main

    path, _ = project_with_pending_transitions(tmp_path)

    assert main(["generate", str(path), "--server", stripes_farm.url]) == 0

    assert generative_statuses(path) == ["baked"] * 3
    assert "3 of 3 item(s) generated" in capsys.readouterr().err


def test_generate_on_the_farm_goes_on_past_a_failed_item_and_saves_the_others(stripes_farm, qapp, tmp_path,
                                                                              capsys):
    from seine_editor.cli import main

    path, media = project_with_pending_transitions(tmp_path)
    media[-1].unlink()  # the source of the last transition only

    assert main(["generate", str(path), "--server", stripes_farm.url]) == 1

    assert generative_statuses(path) == ["baked", "baked", "pending"]
    err = capsys.readouterr().err
    assert "[3/3]" in err and "failed" in err
    assert "2 of 3 item(s) generated" in err


# -- the crossfade farm ---------------------------------------------------------------------------------------------

def test_a_crossfade_made_on_the_farm_equals_the_crossfade_in_process_bit_for_bit(farm):
    client = farm.deploy("crossfade")
    first, last = two_frames(320, 512, seed=3)
    request = TransitionRequest(num_frames=16)

    served = client.engine("crossfade").transition(first, last, request)
    local = registry.load_engine("crossfade").transition(first, last, request)

    assert served.frames.shape == (16, 320, 512, 3)
    assert np.array_equal(served.frames, local.frames)
    assert served.fps == local.fps


# -- a model that makes sound --------------------------------------------------------------------------------------

def test_ltx2_on_the_farm_returns_the_picture_and_sound_it_makes_in_process_bit_for_bit(farm, tmp_path):
    import torch

    from engine.testing import write_tiny_ltx2

    weights = str(write_tiny_ltx2(tmp_path / "ltx2"))
    client = farm.deploy("ltx2", replicas=1, weights=weights, device="cpu")
    first, last = two_frames(64, 64, seed=4)
    request = TransitionRequest(num_frames=9, seed=2, size=(64, 64), num_inference_steps=2)

    served = client.engine("ltx2").transition(first, last, request)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a one-CPU replica's count: CPU kernels sum in an order that depends on it
    try:
        local = registry.load_engine("ltx2", weights=weights, device="cpu").transition(first, last, request)
    finally:
        torch.set_num_threads(threads)

    assert np.array_equal(served.frames, local.frames)
    assert (served.sound_rate, served.sound.shape[0]) == (local.sound_rate, 2)
    assert np.array_equal(served.sound, local.sound)


# -- replicas that die mid-job --------------------------------------------------------------------------------------

def test_a_replica_killed_mid_job_is_retried_once_on_a_live_one_and_the_frames_are_the_engines(farm, tmp_path,
                                                                                                monkeypatch):
    died = tmp_path / "died-once"
    client = farm.deploy("stripes", fault="kill", fault_step=1, fault_once_file=str(died))
    engine = client.engine("stripes")
    attempts = count_attempts(monkeypatch)
    first, last = two_frames(48, 48)
    request = TransitionRequest(num_frames=6, seed=5)

    served = engine.transition(first, last, request)

    assert died.exists()  # a replica died at step 1 of the first attempt
    assert len(attempts) == 2
    assert np.array_equal(served.frames, registry.load_engine("stripes").transition(first, last, request).frames)


def test_a_job_that_kills_every_replica_it_lands_on_fails_saying_the_server_stopped_during_it(farm, monkeypatch):
    client = farm.deploy("stripes", fault="kill", fault_step=1)
    engine = client.engine("stripes")
    attempts = count_attempts(monkeypatch)
    first, last = two_frames(48, 48)

    with pytest.raises(EngineProcessStopped, match=r"stopped during the job 2 time\(s\)"):
        engine.transition(first, last, TransitionRequest(num_frames=6))

    assert len(attempts) == 2
