"""`seine-editor generate PROJECT`: pending items generated, attached and saved; clear exit codes."""
from fractions import Fraction
from pathlib import Path

import pytest

from seine_editor.cli import main
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.generation import EngineSettings, GenerationController
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings
from servers import free_port, serving



def two_shots_and_a_transition(folder: Path, params: dict) -> Project:
    """A new project of two coded shots with a pending eight-frame generative bridge between them."""
    from seine_editor.project.commands import CallCommand

    a = write_coded_video(folder / "a.mp4", frames=24, width=64, height=48, tint=(200, 60, 40))
    b = write_coded_video(folder / "b.mp4", frames=24, width=64, height=48, tint=(40, 80, 200), first_index=100)
    project = Project.new(TimelineSettings(width=64, height=48, fps=Fraction(24)))
    track = project.document.track_ids("video")[0]
    project.append_clip(a, track)
    project.append_clip(b, track)
    left = project.document.info().track(track).clips[0]
    project.push(CallCommand(project.document, "transition", "add_generative_transition",
                             left_clip_id=left.id, duration_frames=8, mode="bridge", params=params))
    return project


@pytest.fixture
def saved_project(qapp, tmp_path):
    """A saved project with one pending generative transition (no job was run)."""
    project = two_shots_and_a_transition(tmp_path, {"engine": "morph"})
    controller = GenerationController(project, settings=EngineSettings("morph"))
    project.save_as(tmp_path / "story.otio")
    project.close()
    assert controller.alive_threads() == []
    return tmp_path / "story.otio"


def test_generate_attaches_every_pending_item_and_saves(saved_project, capsys):
    assert main(["generate", str(saved_project), "--engine", "morph"]) == 0
    reopened = Project.open(saved_project, recovery_choice="ignore")
    items = [c for c in reopened.document.info().clips() if c.generative]
    assert [(c.generative.status, c.generative.takes) for c in items] == [("baked", ("take1",))]
    assert Path(items[0].generative.baked_path).exists()
    err = capsys.readouterr().err
    assert "[1/1] Transition: done" in err and "1 of 1 item(s) generated" in err


def test_a_second_run_has_nothing_left_to_do(saved_project, capsys):
    assert main(["generate", str(saved_project), "--engine", "morph"]) == 0
    assert main(["generate", str(saved_project), "--engine", "morph"]) == 0
    assert "0 item(s) to generate" in capsys.readouterr().err


def test_an_unknown_item_id_is_bad_input(saved_project, capsys):
    assert main(["generate", str(saved_project), "--engine", "morph", "--only", "nope"]) == 2
    assert f"no generative item with id nope in {saved_project}" in capsys.readouterr().err


def test_a_bad_weights_folder_is_bad_input_naming_the_folder(saved_project, tmp_path, capsys):
    missing = tmp_path / "no-weights"
    assert main(["generate", str(saved_project), "--weights", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err


def test_a_missing_project_is_bad_input(tmp_path, capsys):
    assert main(["generate", str(tmp_path / "none.otio"), "--engine", "morph"]) == 2
    assert "none.otio" in capsys.readouterr().err


def test_without_engine_options_the_project_engine_settings_are_used(saved_project, tmp_path, capsys):
    project = Project.open(saved_project)
    gone = tmp_path / "weights-moved-away"
    project.document.set_settings(engine={"engine": "seine", "options": {"seine": {"weights": str(gone)}}})
    project.save()
    project.close()
    assert main(["generate", str(saved_project)]) == 2
    assert str(gone) in capsys.readouterr().err
    assert main(["generate", str(saved_project), "--engine", "morph"]) == 0


def test_with_a_server_that_does_not_answer_it_is_bad_input_naming_the_url(saved_project, capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["generate", str(saved_project), "--server", url]) == 2
    assert f"seine-editor generate: {url} did not answer" in capsys.readouterr().err


@pytest.mark.timeout(120)
def test_generate_on_a_server_attaches_the_servers_frames(saved_project, tmp_path, capsys):
    with serving(tmp_path, "--engine", "morph") as server:
        assert main(["generate", str(saved_project), "--server", server.url]) == 0
    reopened = Project.open(saved_project, recovery_choice="ignore")
    try:
        (item,) = [c for c in reopened.document.info().clips() if c.generative]
        assert (item.generative.status, item.generative.takes) == ("baked", ("take1",))
    finally:
        reopened.close()
    assert "1 of 1 item(s) generated" in capsys.readouterr().err


@pytest.mark.slow
def test_generate_with_ltx2_bakes_the_picture_with_its_sound(qapp, tmp_path, capsys):
    """A person with an LTX-2 folder: the project names the engine and a small canvas, `generate` makes the
    transition with the distilled preset, and the take carries its sound."""
    from engine.testing import write_tiny_ltx2
    from seine_editor.media.probe import probe

    weights = write_tiny_ltx2(tmp_path / "ltx2")
    project = two_shots_and_a_transition(tmp_path, {})
    project.document.set_settings(engine=EngineSettings("ltx2", {"ltx2": {"weights": str(weights), "device": "cpu"}},
                                                        model_size=(32, 32)).to_json())
    project.save_as(tmp_path / "story.otio")
    project.close()

    assert main(["generate", str(tmp_path / "story.otio"), "--preset", "distilled"]) == 0

    reopened = Project.open(tmp_path / "story.otio", recovery_choice="ignore")
    try:
        (item,) = [c for c in reopened.document.info().clips() if c.generative]
        assert (item.generative.status, item.generative.sound, item.generative.sound_on) == ("baked", True, True)
        info = probe(item.generative.baked_path)
        assert (info.frame_count, info.audio_rate) == (8, 48000)
    finally:
        reopened.close()
    assert "1 of 1 item(s) generated" in capsys.readouterr().err
