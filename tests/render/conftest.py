"""Coded media (each frame's index in its pixels) and small OTIO timelines for render tests."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from seine_editor.media.synthetic import write_coded_image, write_coded_video

RED, BLUE, GREEN = (200, 60, 40), (40, 60, 200), (40, 160, 90)


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> dict[str, Path]:
    """a: red, frames 0..47; b: blue, frames 1000..1047 (both 320x240, 24 fps, stereo 48 kHz tone)."""
    folder = tmp_path_factory.mktemp("render_media")
    return {
        "a": write_coded_video(folder / "a.mp4", frames=48, tint=RED, audio_rate=48000, tone_hz=440),
        "b": write_coded_video(folder / "b.mp4", frames=48, tint=BLUE, first_index=1000, audio_rate=48000,
                               tone_hz=660),
        "still": write_coded_image(folder / "still.png", index=77, tint=GREEN),
    }


def rt(frames, rate=24) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, float(rate))


def make_clip(name: str, path, start: int, duration: int, *, rate=24, available=48, metadata=None,
              available_start: int = 0) -> otio.schema.Clip:
    reference = otio.schema.ExternalReference(
        target_url=str(path), available_range=otio.opentime.TimeRange(rt(available_start, rate), rt(available, rate)))
    return otio.schema.Clip(name=name, media_reference=reference, metadata=metadata or {},
                            source_range=otio.opentime.TimeRange(rt(start, rate), rt(duration, rate)))


def dissolve(in_frames: int, out_frames: int, rate=24) -> otio.schema.Transition:
    return otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                  in_offset=rt(in_frames, rate), out_offset=rt(out_frames, rate))


def timeline_of(*tracks: list, rate=24, kinds=None) -> otio.schema.Timeline:
    timeline = otio.schema.Timeline("test", global_start_time=rt(0, rate))
    for position, children in enumerate(tracks):
        kind = (kinds or ["Video"] * len(tracks))[position]
        track = otio.schema.Track(name=f"{kind[0]}{position + 1}", kind=kind)
        for child in children:
            track.append(child)
        timeline.tracks.append(track)
    return timeline


@pytest.fixture
def cut_timeline(media):
    """A[10:30) then a 4+4 frame dissolve into B[8:28): 40 frames."""
    return timeline_of([make_clip("A", media["a"], 10, 20), dissolve(4, 4), make_clip("B", media["b"], 8, 20)])


@pytest.fixture
def tools():
    """Timeline builders for tests (test folders are not packages, so helpers travel as a fixture)."""
    return type("Tools", (), {"clip": staticmethod(make_clip), "dissolve": staticmethod(dissolve),
                              "timeline": staticmethod(timeline_of), "rt": staticmethod(rt),
                              "RED": RED, "BLUE": BLUE, "GREEN": GREEN, "Fraction": Fraction})


@pytest.fixture
def project(tmp_path, media, tools):
    """A saved .otio of A[10:16) then B[0:6) at 320x240, 24 fps, for the command-line tests."""
    timeline = tools.timeline([tools.clip("A", media["a"], 10, 6), tools.clip("B", media["b"], 0, 6)])
    timeline.metadata["seine"] = {"settings": {"width": 320, "height": 240, "fps": "24", "audio_rate": 48000}}
    path = tmp_path / "story.otio"
    otio.adapters.write_to_file(timeline, str(path))
    return path
