"""`seine-editor [PROJECT] [--new] [--screenshot OUT.png] [engine flags]`: open the editor window (on the demo by
default), with the same engine flags as `generate` for this session."""
from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", nargs="?", help="project (.otio, .otioz) or interchange file (EDL, FCP XML) to "
                                                   "open; without one the demo project opens")
    parser.add_argument("--new", action="store_true", help="start with an empty project instead of the demo")
    parser.add_argument("--screenshot", metavar="OUT.png", type=Path,
                        help="lay out the window with the project loaded, save it as a PNG and exit "
                             "(works without a display)")
    from seine_editor.cli.engine_flags import add_engine_arguments

    add_engine_arguments(parser, "engine for this session, as for `generate` (default: the project's engine "
                                 "settings, else this computer's)", presets=False, server=True)


def headless_help(project: str | None) -> str:
    """What to run instead when there is no display: the exact commands for this project (or the demo)."""
    python = shlex.quote(sys.executable)
    lines = ["seine-editor: no display found (DISPLAY/WAYLAND_DISPLAY unset and QT_QPA_PLATFORM not chosen)."]
    if project:
        lines += ["  To render this project without a window:",
                  f"    {python} -m seine_editor render {shlex.quote(project)} -o OUT.mp4"]
    else:
        from seine_editor.app import demo_folder
        from seine_editor.demo import MAKER

        folder = demo_folder()
        demo = folder / "demo.otio"
        make = "" if demo.exists() else \
            f"{python} {shlex.quote(str(MAKER))} {shlex.quote(str(folder))} && "
        lines += ["  To render the demo project without a window:",
                  f"    {make}{python} -m seine_editor render {shlex.quote(str(demo))} -o demo.mp4"]
    lines += ["  (any project: seine-editor render PROJECT -o OUT.mp4)",
              "  To see the window on a headless machine: seine-editor [PROJECT] --screenshot OUT.png"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from seine_editor.app import headless_without_platform

    if headless_without_platform():
        if args.screenshot is None:
            print(headless_help(args.project), file=sys.stderr)
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    if args.project and not Path(args.project).exists():
        print(f"seine-editor: {args.project}: no such file", file=sys.stderr)
        return 2
    from engine.errors import EngineError
    from seine_editor.errors import SeineEditorError

    try:
        engine = _session_engine(args)
    except (SeineEditorError, EngineError, OSError, ValueError) as error:  # a refused flag or weights folder
        print(f"seine-editor: {error}", file=sys.stderr)
        return 2
    from seine_editor import app

    return app.run(args.project, args.screenshot, demo=not args.new, engine=engine)


def _session_engine(args: argparse.Namespace):
    """The engine settings the flags ask for, this session only (checked now: a bad weights folder is said before
    the window opens); None without engine flags."""
    from seine_editor.cli.engine_flags import engine_flags_given, settings_for_run
    from seine_editor.project.project import machine_engine_settings

    if not engine_flags_given(args):
        return None
    settings = settings_for_run(machine_engine_settings(), args)
    settings.check()
    return settings
