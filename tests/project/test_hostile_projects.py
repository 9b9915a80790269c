"""Malformed and hostile project files are refused with a ProjectFileError that says what and where, never a crash,
a hang or a timeline that fails later. Each malformation is made here from a real saved project; a seeded fuzzer adds
truncations and byte flips, bounded in count and time."""
from __future__ import annotations

import json
import os
import random
from fractions import Fraction
from pathlib import Path

import pytest

from seine_editor.errors import ProjectFileError
from seine_editor.project.commands import CallCommand
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def good(qapp, small_ab_clips, tmp_path_factory) -> Path:
    """A saved project: two clips and a pending generative transition between them."""
    project = Project.new(TimelineSettings(width=64, height=48, fps=Fraction(24)))
    track = project.document.track_ids("video")[0]
    for clip in small_ab_clips:
        project.append_clip(clip, track)
    left = project.document.info().track(track).clips[0]
    project.push(CallCommand(project.document, "transition", "add_generative_transition", left_clip_id=left.id,
                             duration_frames=4, mode="bridge", params={"engine": "morph"}))
    path = tmp_path_factory.mktemp("good") / "story.otio"
    project.save_as(path)
    project.close()
    return path


def nodes(tree):
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            yield node
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)


def variant(good: Path, folder: Path, change) -> Path:
    """A copy of the good project with ``change(tree)`` applied (beside the media it names)."""
    tree = json.loads(good.read_text())
    change(tree)
    path = folder / "hostile.otio"
    path.write_text(json.dumps(tree, allow_nan=True).replace('"NESTED"', Nested.TEXT))
    return path


def first_time(tree) -> dict:
    return next(n for n in nodes(tree) if str(n.get("OTIO_SCHEMA", "")).startswith("RationalTime"))


def generative(tree) -> dict:
    return next(n["metadata"]["seine"] for n in nodes(tree)
                if isinstance(n.get("metadata"), dict) and isinstance(n["metadata"].get("seine"), dict)
                and n["metadata"]["seine"].get("kind") == "seine.transition")


def first_clip(tree) -> dict:
    return next(n for n in nodes(tree) if str(n.get("OTIO_SCHEMA", "")).startswith("Clip."))


class Nested:
    """Stands for 10,000 stacks each inside the last, written as text (json.dumps itself would recurse)."""

    TEXT = '{"OTIO_SCHEMA": "Stack.1", "name": "s", "metadata": {}, "children": [' * 10_000 + "]}" * 10_000


def nested(tree) -> None:
    tree["tracks"]["children"][0]["children"].append("NESTED")


CASES = {
    "a NaN rate": (lambda t: first_time(t).update(rate=float("nan")), r"rate nan at .* finite and above 0"),
    "an infinite time": (lambda t: first_time(t).update(value=float("inf")), r"time value inf at .* finite"),
    "a zero rate": (lambda t: [n.update(rate=0.0) for n in nodes(t)
                               if str(n.get("OTIO_SCHEMA", "")).startswith("RationalTime")],
                    r"rate 0.0 at .* above 0"),
    "a 10⁹-pixel frame": (lambda t: t["metadata"]["seine"]["settings"].update(width=10 ** 9),
                          r"frame size 1000000000x48 is not allowed: at most 16384 a side"),
    "params that are text": (lambda t: generative(t).update(params="x"),
                             r"generative metadata 'params' at .* is str, not dict"),
    "takes that are a number": (lambda t: generative(t).update(takes=5),
                                r"generative metadata 'takes' at .* is int, not list"),
    "a source that is text": (lambda t: generative(t).update(sources=["x"]),
                              r"generative metadata sources\[0\] at .* is str, not an object"),
    "a negative source frame": (lambda t: generative(t)["sources"][0].update(frame=-3),
                                r"generative source 0 at .* has frame -3"),
    "nesting 10,000 deep": (nested, r"nests deeper than 200 levels"),
    "a NaN speed": (lambda t: first_clip(t)["effects"].append(
        {"OTIO_SCHEMA": "LinearTimeWarp.1", "name": "", "metadata": {}, "effect_name": "LinearTimeWarp",
         "enabled": True, "time_scalar": float("nan")}), r"speed \(time_scalar\) nan at .* is not allowed: a speed"),
}


@pytest.mark.parametrize("name", CASES)
def test_a_malformed_project_is_refused_saying_what_and_where(good, tmp_path, name):
    change, message = CASES[name]
    path = variant(good, good.parent, change)
    with pytest.raises(ProjectFileError, match=message):
        Project.open(path, recovery_choice="ignore")


@pytest.mark.parametrize("make, message", [
    (lambda path: os.mkfifo(path), "is a FIFO, not a timeline file; only regular files are opened"),
    (lambda path: path.mkdir(), "is a folder, not a timeline file"),
    (lambda path: path.write_bytes(b'{"OTIO_SCHEMA": "Timeline.1", "name": "\xff\xfe"}'),
     "not an OpenTimelineIO file: binary data at byte"),
])
def test_what_is_not_a_readable_file_is_refused_without_waiting(tmp_path, make, message):
    path = tmp_path / "story.otio"
    make(path)
    with pytest.raises(ProjectFileError, match=message):
        Project.open(path, recovery_choice="ignore")


def test_the_device_nodes_are_refused_too():
    with pytest.raises(ProjectFileError, match="is a device, not a timeline file"):
        Project.open("/dev/zero", recovery_choice="ignore")


@pytest.mark.timeout(240)
def test_truncations_and_byte_flips_open_or_are_refused_and_never_crash(good, tmp_path):
    """300 damaged copies (seeded): each opens and reports its timeline, or is a ProjectFileError."""
    data = good.read_bytes()
    rng = random.Random(13)
    refused = 0
    for trial in range(300):
        damaged = bytearray(data)
        if trial % 3 == 0:
            damaged = damaged[:rng.randrange(1, len(data))]
        else:
            for _ in range(rng.randrange(1, 8)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = good.parent / f"fuzz{trial % 7}.otio"
        path.write_bytes(bytes(damaged))
        try:
            project = Project.open(path, recovery_choice="ignore")
        except ProjectFileError:
            refused += 1
            continue
        try:
            project.document.info()
            project.document.render_snapshot()
        finally:
            project.close()
    assert refused > 100  # most damage is caught; what opens is a timeline the editor can show


def test_the_good_project_still_opens(good):
    project = Project.open(good, recovery_choice="ignore")
    try:
        assert len(project.document.info().clips()) == 3
    finally:
        project.close()
