"""Temporaries of writes that were killed (saves, autosaves, renders, generated movies) are removed the next time the
editor writes in their folder: only the editor's own names for that target, only ones older than this process."""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np

from seine_editor.leftovers import STARTED
from seine_editor.media.writer import MediaWriter
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings


def left_behind(path: Path, *, directory: bool = False, old: bool = True) -> Path:
    path.mkdir() if directory else path.write_bytes(b"half written")
    if old:
        os.utime(path, (STARTED - 600, STARTED - 600))
    return path


def test_a_save_removes_the_temporaries_of_killed_saves_and_autosaves_and_nothing_else(qapp, tmp_path):
    stale = [left_behind(tmp_path / ".cut.otio.k3j9x_2a.tmp"),
             left_behind(tmp_path / ".cut.otio.recovery.ab12cd34.tmp")]
    kept = [left_behind(tmp_path / ".cut.otio.notes"), left_behind(tmp_path / ".other.otio.k3j9x_2a.tmp"),
            left_behind(tmp_path / ".cut.otio.zz99zz99.tmp", old=False)]  # another editor's save under way
    project = Project.new(TimelineSettings(width=64, height=48, fps=Fraction(24)))
    project.save_as(tmp_path / "cut.otio")
    project.close()
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)


def test_a_render_removes_the_temporaries_of_killed_renders_of_the_same_output(tmp_path):
    stale = [left_behind(tmp_path / ".out.a1b2c3d4.mp4"), left_behind(tmp_path / ".frames.a1b2c3d4", directory=True)]
    kept = left_behind(tmp_path / ".out.a1b2c3d4.mov")  # another output's
    for target, codec in ((tmp_path / "out.mp4", "h264"), (tmp_path / "frames", "png")):
        with MediaWriter(target, width=64, height=48, fps=24, codec=codec) as writer:
            writer.write_frame(np.zeros((48, 64, 3), np.uint8))
    assert not any(p.exists() for p in stale) and kept.exists()


def test_a_generation_removes_the_temporaries_of_killed_generations(small_ab_clips, tmp_path):
    from seine_editor.jobs.context import HeadlessContext
    from seine_editor.jobs.engines import EngineCache
    from seine_editor.jobs.generate import GenerateSpec, GenerationParams, SourceFrames, generate
    from seine_editor.media.cache import generated_dir

    folder = generated_dir(tmp_path / "cache")
    stale = left_behind(folder / f".{'0f' * 16}.q1w2e3r4.mov")
    kept = left_behind(folder / "notes.mov")
    a, b = small_ab_clips
    spec = GenerateSpec("transition", "t1", (SourceFrames("left", str(a), (11,)), SourceFrames("right", str(b), (0,))),
                        GenerationParams(), 64, 48, Fraction(24), 4, str(tmp_path / "cache"), engine="crossfade")
    generate(spec, HeadlessContext(), EngineCache())
    assert not stale.exists() and kept.exists()
