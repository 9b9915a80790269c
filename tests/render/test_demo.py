"""The demo project: what it holds, that it renders, and that making it is idempotent and crash-safe."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import opentimelineio as otio
import pytest

from seine_editor import demo
from seine_editor.cli import main
from seine_editor.timeline import generated, otio_io

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    return demo.ensure_demo(tmp_path_factory.mktemp("demo"), small=True)


@pytest.fixture
def demo_copy(small_demo, tmp_path) -> Path:
    """A private copy to break and repair."""
    folder = tmp_path / "demo"
    shutil.copytree(small_demo.parent, folder)
    return folder


def _media_path(clip: otio.schema.Clip, project: Path) -> Path:
    path = Path(otio_io.media_path(clip.media_reference.target_url))
    return path if path.is_absolute() else project.parent / path


def _stamps(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


def test_demo_opens_with_four_shots_a_dissolve_and_a_baked_generative_bridge(small_demo):
    timeline = otio_io.read_timeline(small_demo).timeline
    video, sound = timeline.tracks
    clips = list(video.find_clips())
    shots = [clip for clip in clips if not generated.is_generative(clip)]
    bridges = [clip for clip in clips if generated.is_generative(clip)]
    dissolves = [t for t in timeline.find_children(descended_from_type=otio.schema.Transition)]
    assert [clip.name for clip in shots] == ["Dawn", "Sea", "City", "Aurora"]
    assert [clip.name for clip in sound.find_clips()] == ["Dawn", "Sea", "City", "Aurora"]  # each shot's own sound
    assert [t.transition_type for t in dissolves] == [otio.schema.TransitionTypes.SMPTE_Dissolve]
    assert len(bridges) == 1 and bridges[0].metadata["seine"]["status"] == "baked"
    baked = _media_path(bridges[0], small_demo)
    assert baked.name == "GEN_transition_Sea_to_City_v1.mov" and baked.is_file()
    assert all(_media_path(clip, small_demo).is_file() for clip in shots)


def test_demo_renders_through_the_cli_with_the_timelines_frame_count(small_demo, tmp_path, capsys):
    timeline = otio_io.read_timeline(small_demo).timeline
    frames = timeline.duration().to_frames()
    assert frames == 4 * 12 + 4  # four 12-frame shots and a 4-frame bridge; the dissolve overlaps handles
    assert main(["render", str(small_demo), "-o", str(tmp_path / "demo.mp4"), "--preset", "draft"]) == 0
    with av.open(str(tmp_path / "demo.mp4")) as container:
        video = container.streams.video[0]
        assert (video.frames, video.width, video.height) == (frames, 160, 96)
        assert container.streams.audio


def test_a_second_call_does_no_work(small_demo, monkeypatch):
    before = _stamps(small_demo.parent)
    monkeypatch.setattr(demo.maker(), "build_demo", lambda *a, **k: pytest.fail("rebuilt a whole demo"))
    assert demo.ensure_demo(small_demo.parent, small=True) == small_demo
    assert _stamps(small_demo.parent) == before


@pytest.mark.parametrize("damage", ["no manifest", "truncated shot", "missing bake", "no project"])
def test_a_half_made_demo_is_rebuilt_whole(demo_copy, damage):
    if damage == "no manifest":
        (demo_copy / "demo.json").unlink()
    elif damage == "truncated shot":
        shot = demo_copy / "media" / "city.mp4"
        shot.write_bytes(shot.read_bytes()[:1000])
    elif damage == "missing bake":
        (demo_copy / "media" / "GEN_transition_Sea_to_City_v1.mov").unlink()
    else:
        (demo_copy / "demo.otio").unlink()
    assert not demo.maker().is_complete(demo_copy, demo.maker().DemoSpec.small())
    project = demo.ensure_demo(demo_copy, small=True)
    assert demo.maker().is_complete(demo_copy, demo.maker().DemoSpec.small())
    timeline = otio_io.read_timeline(project).timeline
    assert all(_media_path(clip, project).is_file() for clip in timeline.find_clips())


def test_a_demo_of_another_size_is_not_taken_for_the_one_asked(small_demo):
    assert not demo.maker().is_complete(small_demo.parent, demo.maker().DemoSpec())


def test_runs_as_a_module_and_refuses_shots_too_short_for_the_dissolve(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "resources.demo.make_demo", str(tmp_path / "d")]
    refused = subprocess.run([*command, "--shot-frames", "12"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert refused.returncode == 2
    assert "shots of 12 frames cannot hold a dissolve of 24" in refused.stderr
    assert not (tmp_path / "d").exists()
    made = subprocess.run([*command, "--size", "160x96", "--shot-frames", "24"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == str(tmp_path / "d" / "demo.otio")
    assert otio_io.read_settings(otio_io.read_timeline(tmp_path / "d" / "demo.otio").timeline).width == 160
