"""`seine-editor relink PROJECT --search DIR [--search DIR ...]`: find a project's offline media and save it."""
from __future__ import annotations

import argparse
import sys

from seine_editor.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="the .otio project to repair (saved in place, with a backup)")
    parser.add_argument("--search", action="append", required=True, metavar="DIR",
                        help="a folder to search, with its subfolders (repeat for several)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from seine_editor.errors import ProjectFileError
    from seine_editor.timeline import otio_io

    folders = [Path(folder) for folder in args.search]
    for folder in folders:
        if not folder.is_dir():
            print(f"seine-editor relink: --search {folder}: no such folder", file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        opened = otio_io.read_timeline(args.project)
        if opened.format != "otio_json" or Path(args.project).suffix.lower() != ".otio":
            raise ProjectFileError(args.project, "relink saves the project in place, so it takes an .otio project "
                                                 "(export another format to .otio first)")
        report = otio_io.relink_folder(opened.timeline, folders)
        if report.found:
            otio_io.save_timeline(opened.timeline, args.project)
    except ProjectFileError as error:
        print(f"seine-editor relink: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for old, new in report.found.items():
        print(f"relinked {old} -> {new}")
    for old, why in report.unsure.items():
        print(f"not relinked {old}: {why}")
    for old in report.missing:
        print(f"not found {old}")
    print(f"{len(report.found)} relinked, {len(report.unsure) + len(report.missing)} still offline", file=sys.stderr)
    return EXIT_OK if not report.unsure and not report.missing else EXIT_FAILURE
