"""`seine-editor export PROJECT -o OUT.otio|.otioz|.edl|.xml|.fcpxml`: the timeline for other editors."""
from __future__ import annotations

import argparse
import sys

from seine_editor.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help=".otio, .otioz, .edl, FCP7 .xml or .fcpxml file")
    parser.add_argument("-o", "--output", required=True,
                        help="OUT.otio, .otioz (with media), .edl (CMX3600), .xml (FCP7), .fcpxml (FCPX), "
                             ".mlt (Shotcut, melt), .otiod, .xges, .ale, .aaf")
    parser.add_argument("--rate", help="frame rate of an EDL project (EDLs carry none)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from seine_editor.cli.info import parse_rate
    from seine_editor.errors import ExportError, OutputLocationError, ProjectFileError
    from seine_editor.render.bake import make_baker
    from seine_editor.timeline import otio_io
    from seine_editor.timeline.interchange import adapter_for, export_timeline

    try:
        adapter_for(Path(args.output))
        opened = otio_io.read_timeline(args.project, rate=parse_rate(args.rate) if args.rate else None)
        settings = otio_io.read_settings(opened.timeline)
    except (ValueError, ProjectFileError, ExportError) as error:
        print(f"seine-editor export: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    size = (settings.width, settings.height)
    try:
        result = export_timeline(opened.timeline, args.output, rate=settings.fps, size=size,
                                 baker=make_baker(opened.timeline, size=size))
    except OutputLocationError as error:  # where it goes cannot take it: the caller's choice
        print(f"seine-editor export: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ExportError as error:
        print(f"seine-editor export: {error}", file=sys.stderr)
        return EXIT_FAILURE
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    baked = f" and {len(result.baked)} baked generative clip(s)" if result.baked else ""
    print(f"wrote {result.path}{baked}", file=sys.stderr)
    return EXIT_OK
