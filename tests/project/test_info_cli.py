"""`seine-editor info`: what it prints and its exit codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from seine_editor.cli import main
from seine_editor.timeline import otio_io

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / ".." / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not (CORPUS / "MANIFEST.md").exists(), reason="shared corpus not checked out")


@pytest.fixture
def project(tmp_path) -> Path:
    media = tmp_path / "media" / "a.mp4"
    media.parent.mkdir()
    media.touch()
    timeline = otio.schema.Timeline("Story")
    video = otio.schema.Track("V1")
    for name, url in (("A", str(media)), ("B", str(tmp_path / "gone.mp4"))):
        video.append(otio.schema.Clip(name, media_reference=otio.schema.ExternalReference(url),
                                      source_range=otio.opentime.TimeRange(duration=otio.opentime.RationalTime(12, 24))))
    video.insert(1, otio.schema.Transition(in_offset=otio.opentime.RationalTime(2, 24),
                                           out_offset=otio.opentime.RationalTime(2, 24)))
    generative = otio.schema.Clip("Bridge", source_range=otio.opentime.TimeRange(
        duration=otio.opentime.RationalTime(16, 24)), metadata={"seine": {"kind": "seine.transition",
                                                                            "status": "pending"}})
    video.append(generative)
    timeline.tracks.extend([video, otio.schema.Track("A1", kind=otio.schema.TrackKind.Audio)])
    otio_io.write_settings(timeline, otio_io.TimelineSettings(1280, 720))
    path = tmp_path / "story.otio"
    otio_io.save_timeline(timeline, path)
    return path


def test_info_describes_tracks_counts_generative_items_and_offline_media(project, capsys):
    assert main(["info", str(project)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{project} (otio_json): 'Story'",
        "  1280x720 at 24 fps, audio 48000 Hz",
        "  duration 00:00:01:16 (40 frames)",
        "  track 1 video 'V1': 3 clips, 1 transition, 40 frames",
        "  track 2 audio 'A1': 0 clips, 0 transitions, 0 frames",
        "  3 clips, 0 gaps, 1 transition, 1 generative item, 0 markers, 0 effects, 0 nested stacks",
        "  generative 'Bridge': seine.transition, pending, stale",
        f"  offline: {project.parent / 'gone.mp4'}: missing (used by B)",
        f"  damaged: {project.parent / 'media' / 'a.mp4'} (file is empty (0 bytes))",  # the fixture's stand-in
    ]


def test_info_json_is_one_object_with_the_same_facts(project, capsys):
    assert main(["info", str(project), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["counts"] == {"clips": 3, "gaps": 0, "transitions": 1, "generative_items": 1, "markers": 0,
                                "effects": 0, "nested_stacks": 0}
    assert report["offline_media"] == [{"path": str(project.parent / "gone.mp4"), "reason": "missing", "clips": ["B"]}]
    [item] = report["generative_items"]
    assert item == {"id": None, "name": "Bridge", "kind": "seine.transition", "mode": None, "status": "pending",
                    "stale": True, "prompt": "", "seed": None, "engine": None, "takes": [], "active_take": None,
                    "start_frame": 24, "duration_frames": 16}
    assert (report["duration_frames"], report["settings"]["fps"]) == (40, "24")


@needs_corpus
def test_info_reads_an_edl_at_the_given_rate(capsys):
    assert main(["info", str(CORPUS / "edl" / "25fps.edl"), "--rate", "25", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["format"], report["duration_frames"], report["duration"]) == ("cmx_3600", 496, "00:00:19:21")


def test_bad_project_exits_2_with_one_line_naming_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.otio"
    bad.write_text("{")
    assert main(["info", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"seine-editor info: {bad}: invalid JSON at line 1, column 2: Expecting property name " \
                           "enclosed in double quotes\n"


def test_bad_rate_exits_2_naming_the_value(project, capsys):
    assert main(["info", str(project), "--rate", "fast"]) == 2
    assert capsys.readouterr().err == ("seine-editor info: --rate 'fast': invalid frame rate (use e.g. 24, 25, "
                                       "23.976 or 24000/1001)\n")


def test_info_as_a_process_prints_no_traceback_for_a_missing_file(tmp_path):
    missing = tmp_path / "missing.otio"
    result = subprocess.run([sys.executable, "-m", "seine_editor", "info", str(missing)], capture_output=True,
                            text=True, cwd=ROOT)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", f"seine-editor info: {missing}: no such file\n")


def test_info_lists_every_clip_that_cannot_be_shown_with_its_reason(tmp_path, capsys):
    timeline = otio.schema.Timeline("Foreign")
    video = otio.schema.Track("V1")
    one_second = otio.opentime.TimeRange(duration=otio.opentime.RationalTime(24, 24))
    video.extend([
        otio.schema.Clip("Bars", otio.schema.GeneratorReference(generator_kind="SMPTEBars"), one_second),
        otio.schema.Clip("Leader", otio.schema.GeneratorReference(generator_kind="CountingLeader"), one_second),
        otio.schema.Clip("Lost", otio.schema.MissingReference(), one_second),
        otio.schema.Clip("Windows", otio.schema.ExternalReference("E:\\shoot\\day1.mov"), one_second)])
    timeline.tracks.append(video)
    path = tmp_path / "foreign.otio"
    otio.adapters.write_to_file(timeline, str(path))
    assert main(["info", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["offline_media"] == [
        {"path": "E:\\shoot\\day1.mov", "reason": "missing: a path from another computer (Windows); relink it",
         "clips": ["Windows"]},
        {"path": "Leader (generator CountingLeader)", "reason": "generator 'CountingLeader' ('Leader') is not one the editor "
         "can make; it makes: SMPTE bars, black, a solid colour with a 'color' parameter, transparent video",
         "clips": ["Leader"]},
        {"path": "Lost", "reason": "no media: the clip has no media reference", "clips": ["Lost"]}]


def test_a_zero_frame_rate_is_refused_as_an_invalid_frame_rate(tmp_path, capsys):
    timeline = otio.schema.Timeline("Zero")
    timeline.tracks.append(otio.schema.Track("V1"))
    timeline.tracks[0].append(otio.schema.Clip("c", otio.schema.MissingReference(), otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 0), otio.opentime.RationalTime(10, 0))))
    path = tmp_path / "zero.otio"
    otio.adapters.write_to_file(timeline, str(path))
    assert main(["info", str(path)]) == 2
    assert capsys.readouterr().err == (f"seine-editor info: {path}: invalid frame rate 0.0 at tracks.children[0]"
                                       ".children[0].source_range.start_time: rates are finite and above 0\n")
