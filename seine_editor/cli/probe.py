"""`seine-editor probe FILE... [--json]`: describe media files; exit 2 when any cannot be used."""
from __future__ import annotations

import argparse
import json
import sys

TABLE_COLUMNS = ("kind", "size", "fps", "frames", "duration", "codec", "pix_fmt", "colour", "audio")
HDR_NAMES = {"arib-std-b67": "HDR HLG", "smpte2084": "HDR PQ"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="video, audio or image files")
    parser.add_argument("--json", action="store_true", help="print one JSON object per file, one per line")


def describe(info) -> dict:
    """The JSON fields of one file."""
    return {
        "path": info.path, "kind": info.kind, "width": info.width, "height": info.height,
        "fps": f"{info.fps.numerator}/{info.fps.denominator}" if info.fps else None,
        "variable_frame_rate": info.variable_frame_rate, "frame_count": info.frame_count,
        "duration_s": None if info.kind == "image" else round(info.duration_s, 6), "rotation": info.rotation, "has_audio": info.has_audio,
        "audio_rate": info.audio_rate, "codec": info.codec, "pix_fmt": info.pix_fmt, "bit_depth": info.bit_depth,
        "matrix": info.matrix or None, "range": info.colour_range or None, "primaries": info.primaries or None,
        "transfer": info.transfer or None, "hdr": info.hdr, "start_timecode": info.start_timecode,
    }


def _row(info) -> tuple[str, ...]:
    fps = "" if info.fps is None else f"{float(info.fps):.3f}" + (" vfr" if info.variable_frame_rate else "")
    size = f"{info.width}x{info.height}" if info.kind != "audio" else ""
    audio = ", ".join(f"{a.codec} {a.sample_rate} Hz {a.layout}" for a in info.audio)
    colour = HDR_NAMES.get(info.transfer) or info.primaries if info.kind != "audio" else ""
    duration = "" if info.kind == "image" else f"{info.duration_s:.3f} s"  # a still has no length of its own
    return (info.kind, size, fps, str(info.frame_count), duration, info.codec, info.pix_fmt,
            colour, audio)


def _print_table(rows: list[tuple[str, tuple[str, ...]]]) -> None:
    header = ("file",) + TABLE_COLUMNS
    lines = [header] + [(path,) + row for path, row in rows]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())


def run(args: argparse.Namespace) -> int:
    from seine_editor.cli import EXIT_BAD_INPUT, EXIT_OK
    from seine_editor.errors import MediaError
    from seine_editor.media.probe import probe

    rows, failed = [], False
    for name in args.files:
        try:
            info = probe(name)
        except MediaError as error:
            failed = True
            print(f"seine-editor probe: {error}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps(describe(info)))
        else:
            rows.append((name, _row(info)))
    if rows:
        _print_table(rows)
    return EXIT_BAD_INPUT if failed else EXIT_OK
