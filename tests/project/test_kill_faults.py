"""SIGKILL at a random moment of a save or a render, again and again: the project always opens and is one the child
saved, a render's target is the earlier file or a whole new one, and the next write removes the dead one's
temporaries. Bounded: a few trials each, seeded."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from fractions import Fraction
from pathlib import Path

import pytest

from seine_editor.media.probe import probe
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.commands import CallCommand
from seine_editor.project.generation import EngineSettings, GenerationController
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
TRIALS = 6

EDITING = """
import sys
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from seine_editor.project.project import Project
project = Project.open(sys.argv[1], recovery_choice="ignore")
clip = project.document.info().clips()[0].id
print("ready", flush=True)
n = 0
while True:
    project.slip(clip, 1 if n % 2 == 0 else -1)
    project.{write}()
    n += 1
"""  # an editor making edit after edit, writing after each: project.save() or project.autosave()
SAVER, AUTOSAVER = EDITING.format(write="save"), EDITING.format(write="autosave")


@pytest.fixture(scope="module")
def story(tmp_path_factory, qapp) -> Path:
    folder = tmp_path_factory.mktemp("kill")
    clip = write_coded_video(folder / "a.mp4", frames=48, width=64, height=48)
    project = Project.new(TimelineSettings(width=64, height=48, fps=Fraction(24)))
    track = project.document.track_ids("video")[0]
    for _ in range(40):  # a project big enough that a save takes a while
        project.append_clip(clip, track)
    project.save_as(folder / "story.otio")
    project.close()
    return folder / "story.otio"


def killed_after(command: list[str], delay: float, wait_for_ready: bool = False) -> None:
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if wait_for_ready:
        assert child.stdout.readline().strip() == "ready"
    time.sleep(delay)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)


def test_a_save_killed_at_any_moment_leaves_a_project_that_opens(story):
    rng = random.Random(5)
    for _ in range(TRIALS):
        killed_after([sys.executable, "-c", SAVER, str(story)], rng.uniform(0.05, 0.6), wait_for_ready=True)
        project = Project.open(story, recovery_choice="ignore")
        try:
            assert len(project.document.info().clips()) == 40
            project.save()  # the next save removes what the killed one left
        finally:
            project.close()
    leftovers = [p.name for p in story.parent.iterdir() if p.name.startswith(".story.otio.")]
    assert leftovers == []


def test_a_render_killed_at_any_moment_leaves_the_earlier_file_or_a_whole_one(story):
    out = story.parent / "out.mov"
    render = [sys.executable, "-m", "seine_editor", "render", str(story), "-o", str(out)]
    assert subprocess.run(render, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
    whole = probe(out).frame_count
    rng = random.Random(7)
    mid_write = 0
    for _ in range(TRIALS):
        killed_after(render, rng.uniform(0.3, 2.5))
        assert probe(out).frame_count == whole  # never a half-written file under the target's name
        mid_write += any(p.name.startswith(".out.") for p in story.parent.iterdir())
    assert mid_write >= 1  # some kills did land while the movie was being written
    assert subprocess.run(render, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
    assert [p.name for p in story.parent.iterdir() if p.name.startswith(".out.")] == []


SAVER_AS = """
import sys
from PySide6.QtCore import QCoreApplication
app = QCoreApplication([])
from seine_editor.project.commands import CallCommand
from seine_editor.project.generation import EngineSettings, GenerationController
from seine_editor.project.project import Project
project = Project.open(sys.argv[1], recovery_choice="ignore")
print("ready", flush=True)
while True:
    project.save_as(sys.argv[2])
"""


def test_an_autosave_killed_at_any_moment_leaves_a_recovery_file_that_opens(story):
    rng = random.Random(11)
    for _ in range(3):
        killed_after([sys.executable, "-c", AUTOSAVER, str(story)], rng.uniform(0.05, 0.5), wait_for_ready=True)
        project = Project.open(story, recovery_choice="use")  # the recovery file, when one was finished
        try:
            assert len(project.document.info().clips()) == 40
            project.autosave()  # the next autosave removes what the killed one left
        finally:
            project.close(discard_recovery=True)
    assert [p.name for p in story.parent.iterdir() if p.name.startswith(".story.otio.recovery")] == []


def test_a_save_as_killed_at_any_moment_leaves_nothing_or_a_whole_project(story):
    target = story.parent / "elsewhere" / "copy.otio"
    target.parent.mkdir(exist_ok=True)
    rng = random.Random(13)
    for _ in range(3):
        killed_after([sys.executable, "-c", SAVER_AS, str(story), str(target)], rng.uniform(0.05, 0.5),
                     wait_for_ready=True)
        if target.exists():
            project = Project.open(target, recovery_choice="ignore")
            try:
                assert len(project.document.info().clips()) == 40
            finally:
                project.close()
    # the next session's save there removes the killed ones' temporaries (a running editor leaves newer ones alone)
    once = SAVER_AS.replace("while True:\n    ", "")
    assert subprocess.run([sys.executable, "-c", once, str(story), str(target)], cwd=ROOT, capture_output=True,
                          timeout=120).returncode == 0
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".copy.otio.")] == []


def test_an_export_killed_at_any_moment_leaves_the_earlier_file_or_a_whole_one(story):
    out = story.parent / "bundle.otioz"
    export = [sys.executable, "-m", "seine_editor", "export", str(story), "-o", str(out)]
    assert subprocess.run(export, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
    rng = random.Random(17)
    for _ in range(3):
        killed_after(export, rng.uniform(0.3, 2.0))
        with zipfile.ZipFile(out) as bundle:  # never a half-written bundle under the target's name
            assert bundle.testzip() is None and "content.otio" in bundle.namelist()
    assert subprocess.run(export, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
    assert [p.name for p in story.parent.iterdir() if p.name.startswith(".bundle.")] == []


def test_a_generation_killed_at_any_moment_leaves_a_project_that_opens_and_generates(story, tmp_path):
    """A pending morph transition; `generate` killed at a random moment, then run to the end."""
    rng = random.Random(19)
    for trial in range(3):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        project = Project.open(story, recovery_choice="ignore")
        track = project.document.track_ids("video")[0]
        GenerationController(project, settings=EngineSettings("morph"))
        project.push(CallCommand(project.document, "transition", "add_generative_transition",
                                 left_clip_id=project.document.info().track(track).clips[0].id, duration_frames=24,
                                 mode="bridge", params={"engine": "morph"}))
        project.save_as(folder / "story.otio")
        project.close()
        generate = [sys.executable, "-m", "seine_editor", "generate", str(folder / "story.otio"), "--engine", "morph"]
        killed_after(generate, rng.uniform(0.5, 3.0))
        Project.open(folder / "story.otio", recovery_choice="ignore").close()
        assert subprocess.run(generate, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
        project = Project.open(folder / "story.otio", recovery_choice="ignore")
        try:
            (item,) = [c for c in project.document.info().clips() if c.generative is not None]
            assert item.generative.status == "baked"
            assert probe(item.generative.baked_path).frame_count == 24  # the movie it plays is whole
        finally:
            project.close()
