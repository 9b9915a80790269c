"""A new engine is a package plus one registry line: registered at run time, it generates through the window's
controller (in the local engine worker, the default) and through `seine-editor generate`; and an engine process
that dies mid-job leaves the editor up and the project untouched."""
import json
from fractions import Fraction

import pytest

from engine import registry
from seine_editor.cli import main
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.generation import EngineSettings
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings

WAIT_MS = 30000
pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def stripes(monkeypatch):
    monkeypatch.setitem(registry._ENGINES, "stripes", ("engine.testing_engines", "StripesEngine"))


@pytest.fixture
def project(qapp, tmp_path):
    project = Project.new(TimelineSettings(width=64, height=48, fps=Fraction(24)))
    track = project.document.track_ids("video")[0]
    project.append_clip(write_coded_video(tmp_path / "a.mp4", frames=24, width=64, height=48, tint=(200, 60, 40)),
                        track)
    project.append_clip(write_coded_video(tmp_path / "b.mp4", frames=24, width=64, height=48, tint=(40, 80, 200),
                                          first_index=100), track)
    project.save_as(tmp_path / "story.otio")
    yield project
    project.close()


def transition(project, settings, qtbot, **params):
    generation = project.generation
    generation.set_engine_settings(settings)
    track = project.document.track_ids("video")[0]
    item = generation.add_generative_transition(track, 24, params=params or None, duration_frames=12)
    qtbot.waitUntil(lambda: generation.item_state(item).state in ("done", "failed"), timeout=WAIT_MS)
    return item


def test_a_registered_engine_generates_through_the_controller_in_the_engine_worker(project, qtbot):
    item = transition(project, EngineSettings.for_engine("stripes", stripe_width=2, preset="slow"), qtbot)
    generative = project.document.info().clip(item).generative
    assert (project.generation.item_state(item).state, generative.status) == ("done", "baked")
    clip = next(c for c in json.loads(project.document.to_json())["tracks"]["children"][0]["children"]
                if c.get("metadata", {}).get("seine", {}).get("id") == item)
    (take,) = clip["metadata"]["seine"]["takes"]
    assert {k: take[k] for k in ("engine", "engine_identity", "preset", "steps")} == \
        {"engine": "stripes", "engine_identity": "stripes/1:2", "preset": "slow", "steps": 6}
    assert project.generation.engines.pid is not None  # it ran in the worker process, which stays for the next job


def test_an_engine_process_killed_mid_job_fails_the_job_in_plain_words_and_the_project_is_untouched(project, qtbot):
    settings = EngineSettings.for_engine("stripes", fault="kill", fault_step=1)
    item = transition(project, settings, qtbot)
    before = project.document.to_json()
    state = project.generation.item_state(item)
    assert (state.state, state.error_type) == ("failed", "EngineProcessStopped")
    assert state.reason.startswith("the engine process stopped: killed by signal SIGKILL")
    assert project.document.info().clip(item).generative.status == "pending"
    assert project.document.to_json() == before
    project.generation.set_engine_settings(settings.with_options("stripes", fault=None, fault_step=None))
    project.generation.generate_item(item)  # the retry starts a fresh worker
    qtbot.waitUntil(lambda: project.generation.item_state(item).state == "done", timeout=WAIT_MS)
    assert project.document.info().clip(item).generative.status == "baked"


def test_a_registered_engine_generates_through_the_cli(project, capsys):
    path = project.path
    track = project.document.track_ids("video")[0]
    from seine_editor.project.commands import CallCommand
    left = project.document.info().track(track).clips[0]
    project.push(CallCommand(project.document, "transition", "add_generative_transition", left_clip_id=left.id,
                             duration_frames=8, mode="bridge", params={"engine": "stripes"}))
    project.save()
    assert main(["generate", str(path), "--stripe-width", "3"]) == 0
    reopened = Project.open(path, recovery_choice="ignore")
    try:
        (item,) = [c for c in reopened.document.info().clips() if c.generative]
        assert item.generative.status == "baked"
    finally:
        reopened.close()
    assert "1 of 1 item(s) generated" in capsys.readouterr().err
