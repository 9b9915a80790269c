"""`seine-editor [PROJECT] [--screenshot OUT.png]`: open the editor window."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", nargs="?", help="project (.otio, .otioz) or interchange file (EDL, FCP XML) to open")
    parser.add_argument("--screenshot", metavar="OUT.png", type=Path,
                        help="lay out the window with the project loaded, save it as a PNG and exit "
                             "(works without a display)")


def run(args: argparse.Namespace) -> int:
    from seine_editor.app import headless_without_platform

    if headless_without_platform():
        if args.screenshot is None:
            print("seine-editor: no display found (DISPLAY/WAYLAND_DISPLAY unset and QT_QPA_PLATFORM not chosen).\n"
                  "  To render a project without a window use:  seine-editor render PROJECT -o OUT.mp4\n"
                  "  To see the window on a headless machine use: seine-editor PROJECT --screenshot OUT.png",
                  file=sys.stderr)
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    if args.project and not Path(args.project).exists():
        print(f"seine-editor: {args.project}: no such file", file=sys.stderr)
        return 2
    from seine_editor import app

    return app.run(args.project, args.screenshot)
