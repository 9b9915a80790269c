"""`seine-editor generate PROJECT`: run every pending or stale generative item, attach the results, save."""
from __future__ import annotations

import argparse
import sys

from seine_editor.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK

BAR_WIDTH = 24


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help="the .otio project file (saved in place, atomically)")
    parser.add_argument("--engine", choices=("seine", "morph", "crossfade"),
                        help="engine for this run (default: the project's engine settings; seine without weights "
                             "falls back to morph)")
    weights = parser.add_argument_group("SEINE weights (local only; nothing downloads)")
    weights.add_argument("--weights", help="folder with seine.pt beside a Stable Diffusion 1.4 folder")
    weights.add_argument("--checkpoint", help="seine.pt, with --sd-path")
    weights.add_argument("--sd-path", help="Stable Diffusion 1.4 folder (vae/, text_encoder/, tokenizer/, unet/)")
    weights.add_argument("--device", help="cuda, cpu or auto (default: the project's, else auto)")
    parser.add_argument("--preset", choices=("draft", "final", "preview"),
                        help="quality preset for this run (default: each item's own)")
    parser.add_argument("--only", action="append", metavar="ID", help="generate only this item (repeatable)")


def run(args: argparse.Namespace) -> int:
    from seine_editor.errors import SeineEditorError

    if bool(args.checkpoint) != bool(args.sd_path):
        print("seine-editor generate: --checkpoint and --sd-path go together", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        project, controller = _open(args)
    except (SeineEditorError, OSError, ValueError) as error:  # engine weight errors are OSError/ValueError kinds
        print(f"seine-editor generate: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _, _, note = controller.settings.resolve()
    if note:
        print(f"note: {note}", file=sys.stderr)
    items = controller.pending_items()
    unknown = sorted(set(args.only or ()) - {c.id for c in project.document.info().clips()})
    if unknown:
        print(f"seine-editor generate: no generative item with id {', '.join(unknown)} in {args.project}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.only:
        items = [i for i in items if i in args.only]
    failures = sum(not _generate_one(controller, item_id, args.preset, n, len(items))
                   for n, item_id in enumerate(items, 1))
    if len(items) > failures:
        project.save()
    print(f"{len(items) - failures} of {len(items)} item(s) generated; {args.project} saved"
          if len(items) > failures else f"{len(items)} item(s) to generate, none generated", file=sys.stderr)
    return EXIT_FAILURE if failures else EXIT_OK


def _open(args: argparse.Namespace):
    from PySide6.QtCore import QCoreApplication

    from seine_editor.project.generation import EngineSettings, GenerationController
    from seine_editor.project.project import Project

    _app = QCoreApplication.instance() or QCoreApplication([])  # QUndoStack needs an application object
    project = Project.open(args.project, recovery_choice="ignore")
    controller = GenerationController(project)
    given = {k: v for k, v in (("engine", args.engine), ("weights", args.weights), ("checkpoint", args.checkpoint),
                               ("sd_path", args.sd_path), ("device", args.device)) if v is not None}
    if given.keys() & {"weights", "checkpoint"} and "engine" not in given:
        given["engine"] = "seine"
    settings = EngineSettings.from_json({**controller.settings.to_json(), **given}) if given else controller.settings
    # this run only, not saved; one clear error for a bad weights folder, before any work
    controller.set_engine_settings(settings, persist=False)
    return project, controller


def _generate_one(controller, item_id: str, preset, number: int, total: int) -> bool:
    from dataclasses import replace

    from engine.errors import EngineError
    from seine_editor.errors import SeineEditorError
    from seine_editor.jobs.context import HeadlessContext
    from seine_editor.jobs.generate import generate

    name = controller.document.info().clip(item_id).name
    label = f"[{number}/{total}] {name}"
    try:
        spec = controller.spec_for(item_id)
        if preset:
            spec = replace(spec, params=replace(spec.params, preset=preset))
        requested = controller.requested_fingerprint(item_id)
        result = generate(spec, HeadlessContext(lambda p: _draw_bar(label, p)), controller.engines)
        controller.attach_result(result, requested)
    except (EngineError, SeineEditorError, OSError, ValueError) as error:
        sys.stderr.write(f"\r{label}: failed: {error}\n")
        return False
    sys.stderr.write(f"\r{label}: done{' (from the cache)' if result.from_cache else ''}".ljust(79) + "\n")
    return True


def _draw_bar(label: str, progress) -> None:
    filled = int(round(progress.fraction * BAR_WIDTH))
    eta = f" ETA {progress.eta_s:.0f}s" if progress.eta_s else ""
    line = f"\r{label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {progress.fraction:4.0%} {progress.message}{eta}"
    sys.stderr.write(line[:120].ljust(79))
    sys.stderr.flush()
