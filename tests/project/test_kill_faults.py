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
from fractions import Fraction
from pathlib import Path

import pytest

from seine_editor.media.probe import probe
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
TRIALS = 6

SAVER = """
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
    project.save()
    n += 1
"""


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
