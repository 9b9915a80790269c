"""Helpers shared by test modules of several packages: jobs that wait for the test, and coded clip pairs."""
from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

from engine.classic import MorphEngine
from engine.errors import GenerationCancelled
from seine_editor.media.synthetic import write_coded_video


def gated_job(started: threading.Event, gate: threading.Event):
    """A job function that sets ``started``, then returns its spec once ``gate`` opens, or stops when cancelled."""
    def fn(spec, ctx):
        started.set()
        while not ctx.cancelled():
            if gate.wait(0.01):
                return spec
        raise GenerationCancelled("stopped")
    return fn


class GatedMorph(MorphEngine):
    """The real morph engine, held at each step until the test opens ``gate`` (or the job is cancelled);
    ``waiting`` is set once it reaches its first step, ``calls`` counts its transitions."""

    def __init__(self):
        super().__init__()
        self.gate, self.waiting, self.calls = threading.Event(), threading.Event(), 0

    def transition(self, first, last, request, *, on_step=None, cancelled=None):
        self.calls += 1

        def gated_step(step):
            self.waiting.set()
            while not self.gate.wait(0.01) and not (cancelled and cancelled()):
                pass
            if on_step:
                on_step(step)
        return super().transition(first, last, request, on_step=gated_step, cancelled=cancelled)


def write_ab_clips(folder: Path, *, frames: int, width: int, height: int, fps=Fraction(24)) -> list[Path]:
    """Two coded clips a.mp4 (frames numbered from 0) and b.mp4 (numbered from 100), to cut together."""
    return [write_coded_video(Path(folder) / f"{name}.mp4", frames=frames, width=width, height=height, fps=fps,
                              first_index=first)
            for name, first in (("a", 0), ("b", 100))]


def save_morph_story(folder: Path, *, frames: int = 12, transition_frames: int = 4) -> Path:
    """Two 64x48 shots (a: red, frames 0..; b: blue, frames 100..) bridged by a pending morph transition, saved as
    ``folder/story.otio``. Needs a QApplication (the project's undo stack)."""
    from seine_editor.project.commands import CallCommand
    from seine_editor.project.generation import EngineSettings, GenerationController
    from seine_editor.project.project import Project
    from seine_editor.timeline.otio_io import TimelineSettings

    a = write_coded_video(folder / "a.mp4", frames=frames, width=64, height=48, tint=(200, 60, 40))
    b = write_coded_video(folder / "b.mp4", frames=frames, width=64, height=48, tint=(40, 80, 200), first_index=100)
    project = Project.new(TimelineSettings(width=64, height=48, fps=Fraction(24)))
    GenerationController(project, settings=EngineSettings("morph"))
    track = project.document.track_ids("video")[0]
    project.append_clip(a, track)
    project.append_clip(b, track)
    project.push(CallCommand(project.document, "transition", "add_generative_transition",
                             left_clip_id=project.document.info().track(track).clips[0].id,
                             duration_frames=transition_frames, mode="bridge", params={"engine": "morph"}))
    project.save_as(folder / "story.otio")
    project.close()
    return folder / "story.otio"
