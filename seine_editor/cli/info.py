"""`seine-editor info PROJECT [--rate R] [--json]`: what a project or interchange timeline holds."""
from __future__ import annotations

import argparse
import json
import sys
from fractions import Fraction

from seine_editor.cli import EXIT_BAD_INPUT, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help=".otio, .otioz, .edl, FCP7 .xml or .fcpxml file")
    parser.add_argument("--rate", help="frame rate of an EDL (EDLs carry none): 24, 25, 23.976 or 24000/1001")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def parse_rate(text: str) -> Fraction:
    """ "24", "29.97", "30000/1001" -> exact Fraction; ValueError naming the text otherwise."""
    from seine_editor.timeline.time import exact_rate

    try:
        rate = Fraction(text) if "/" in text else exact_rate(float(text))
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"--rate {text!r}: invalid frame rate (use e.g. 24, 25, 23.976 or 24000/1001)") from None
    if rate <= 0:
        raise ValueError(f"--rate {text!r}: invalid frame rate; it must be above 0")
    return rate


def run(args: argparse.Namespace) -> int:
    from seine_editor.errors import ProjectFileError
    from seine_editor.timeline import otio_io

    try:
        rate = parse_rate(args.rate) if args.rate else None
        opened = otio_io.read_timeline(args.project, rate=rate)
    except (ValueError, ProjectFileError) as exc:
        print(f"seine-editor info: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    report = describe(opened)
    print(json.dumps(report, indent=2) if args.json else format_text(report))
    return EXIT_OK


def describe(opened) -> dict:
    """The facts `info` prints, as plain JSON-ready data."""
    import opentimelineio as otio

    from seine_editor.render.plan import plan_of
    from seine_editor.render.source_check import unusable_sources
    from seine_editor.timeline import otio_io
    from seine_editor.timeline.snapshot import build_info
    from seine_editor.timeline.time import timecode, to_frames

    timeline = opened.timeline
    settings = otio_io.read_settings(timeline)
    unusable = unusable_sources(plan_of(timeline, settings.fps))
    summary = otio_io.summarise(timeline)
    duration_frames = to_frames(summary.duration, settings.fps)
    return {
        "path": str(opened.path), "format": opened.format, "name": timeline.name,
        "settings": settings.to_json(),
        "duration_frames": duration_frames, "duration": timecode(duration_frames, settings.fps),
        "tracks": [{"name": track.name, "kind": str(track.kind).lower(),
                    "clips": len(track.find_clips()),
                    "transitions": len(track.find_children(descended_from_type=otio.schema.Transition)),
                    "duration_frames": to_frames(track.duration(), settings.fps)} for track in timeline.tracks],
        "counts": {"clips": summary.clips, "gaps": summary.gaps, "transitions": summary.transitions,
                   "generative_items": summary.generative_items, "markers": summary.markers,
                   "effects": summary.effects, "nested_stacks": summary.nested_stacks},
        "generative_items": [_generative(clip) for clip in build_info(timeline, settings.fps).clips()
                             if clip.generative is not None],
        "offline_media": [{"path": u.path, "reason": u.reason, "clips": list(u.clips)} for u in unusable
                          if not u.reason.startswith("damaged")],
        "damaged_media": [{"path": u.path, "reason": u.reason} for u in unusable if u.reason.startswith("damaged")],
        "notes": list(opened.notes),
    }


def _generative(clip) -> dict:
    """One generative item as `info --json` lists it (a `ClipInfo` whose `generative` is set)."""
    item = clip.generative
    return {"id": clip.id or None, "name": clip.name, "kind": item.kind, "mode": item.mode, "status": item.status,
            "stale": item.stale, "prompt": item.params.get("prompt", ""), "seed": item.params.get("seed"),
            "engine": item.params.get("engine") or None, "takes": list(item.takes),
            "active_take": item.active_take if item.active_take in item.takes else None,
            "start_frame": clip.start_frame, "duration_frames": clip.duration_frames}


def format_text(report: dict) -> str:
    settings = report["settings"]
    lines = [f"{report['path']} ({report['format']}): '{report['name']}'",
             f"  {settings['width']}x{settings['height']} at {settings['fps']} fps, audio {settings['audio_rate']} Hz",
             f"  duration {report['duration']} ({report['duration_frames']} frames)"]
    for index, track in enumerate(report["tracks"], 1):
        lines.append(f"  track {index} {track['kind']} '{track['name']}': {_count(track['clips'], 'clips')}, "
                     f"{_count(track['transitions'], 'transitions')}, {track['duration_frames']} frames")
    lines.append("  " + ", ".join(_count(value, key) for key, value in report["counts"].items()))
    for item in report["generative_items"]:
        stale = ", stale" if item["stale"] else ""
        lines.append(f"  generative '{item['name']}': {item['kind']}, {item['status']}{stale}")
    for item in report["offline_media"]:
        lines.append(f"  offline: {item['path']}: {item['reason']} (used by {', '.join(item['clips'])})")
    for item in report["damaged_media"]:
        lines.append(f"  damaged: {item['path']} ({item['reason'].removeprefix('damaged: ')})")
    lines.extend(f"  note: {note}" for note in report["notes"])
    return "\n".join(lines)


def _count(value: int, plural: str) -> str:
    words = plural.replace("_", " ")
    return f"{value} {words[:-1] if value == 1 else words}"
