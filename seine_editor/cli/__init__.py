"""`seine-editor` entry point. Subcommands live in sibling modules and are imported only when run,
so `seine-editor --help` stays fast and never imports torch, diffusers or transformers."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

import seine_editor  # noqa: F401  (sets HF_HUB_OFFLINE before anything hub-aware loads)

# name -> (module under seine_editor.cli, one-line help). Each module has `add_arguments(parser)` and `run(args) -> int`.
SUBCOMMANDS = {
    "gui": ("gui", "open the editor window (default)"),
    "probe": ("probe", "describe media files"),
    "info": ("info", "describe a project or timeline file"),
    "render": ("render", "render a project to a video file or image sequence"),
    "export": ("export", "export a project as OTIO, EDL, FCP XML, ..."),
    "relink": ("relink", "find a project's offline media under folders and save it"),
    "generate": ("generate", "run pending generative items of a project"),
    "serve": ("serve", "serve an engine over HTTP to editors on other machines (or as a Ray Serve farm)"),
    "convert-weights": ("convert_weights", "convert SEINE weights to a fast-loading safetensors folder"),
    "evaluate": ("evaluate", "CLIPSIM metrics of a generated transition"),
}

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seine-editor", description="Seine Editor: story-level video editing "
                                     "with generative transitions on an OpenTimelineIO timeline.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=help_text, description=help_text)
        importlib.import_module(f"seine_editor.cli.{module}").add_arguments(sp)
    return parser


def with_default_command(argv: list[str]) -> list[str]:
    """`seine-editor`, `seine-editor PROJECT` and `seine-editor --screenshot X.png` mean the window."""
    if not argv or argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help"):
        return ["gui", *argv]
    return argv


def main(argv: list[str] | None = None) -> int:
    argv = with_default_command(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    module, _ = SUBCOMMANDS[args.command]
    try:
        return importlib.import_module(f"seine_editor.cli.{module}").run(args)
    except BrokenPipeError:
        # whoever read the output stopped (`info ... | head`): stop quietly, and keep Python from complaining
        # again when it flushes stdout at exit (the recipe of Python's own signal documentation)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE
