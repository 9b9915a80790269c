"""`seine-editor generate PROJECT`: run every pending or stale generative item, attach the results, save."""
from __future__ import annotations

import argparse
import sys

from engine.errors import EngineError
from seine_editor.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK
from seine_editor.errors import SeineEditorError

BAR_WIDTH = 24
_FAILURES = (EngineError, SeineEditorError, OSError, ValueError)  # an item's failure; others are bugs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from seine_editor.cli.engine_flags import add_engine_arguments

    parser.add_argument("project", help="the .otio project file (saved in place, atomically)")
    add_engine_arguments(parser, "engine for this run (default: the project's engine settings, else this "
                                 "computer's; an engine whose weights are not set makes nothing)", server=True)
    parser.add_argument("--only", action="append", metavar="ID", help="generate only this item (repeatable)")


def run(args: argparse.Namespace) -> int:
    try:
        project, controller = _open(args)
        capacity = controller.engines.capacity  # a server that does not answer is said here, before any work
    except (SeineEditorError, OSError, ValueError) as error:  # engine weight errors are OSError/ValueError kinds
        print(f"seine-editor generate: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _run(args, project, controller, capacity)
    finally:
        controller.shutdown()  # stops the engine worker process


def _run(args: argparse.Namespace, project, controller, capacity: int) -> int:
    items = controller.pending_items()
    unknown = sorted(set(args.only or ()) - {c.id for c in project.document.info().clips()})
    if unknown:
        print(f"seine-editor generate: no generative item with id {', '.join(unknown)} in {args.project}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.only:
        items = [i for i in items if i in args.only]
    failures = _generate_all(project, controller, items, args, capacity)
    done = len(items) - failures
    print(f"{done} of {len(items)} item(s) generated; {args.project} saved" if done
          else f"{len(items)} item(s) to generate, none generated", file=sys.stderr)
    return EXIT_FAILURE if failures else EXIT_OK


def _open(args: argparse.Namespace):
    from PySide6.QtCore import QCoreApplication

    from seine_editor.cli.engine_flags import settings_for_run
    from seine_editor.project.generation import GenerationController
    from seine_editor.project.project import Project, machine_engine_settings

    _app = QCoreApplication.instance() or QCoreApplication([])  # QUndoStack needs an application object
    project = Project.open(args.project, recovery_choice="ignore")
    controller = GenerationController(project, settings=machine_engine_settings())
    settings = settings_for_run(controller.settings, args)
    # this run only, not saved; one clear error for a bad weights folder, before any work
    controller.set_engine_settings(settings, persist=False)
    return project, controller



def _generate_all(project, controller, items: list[str], args: argparse.Namespace, capacity: int) -> int:
    """Send the items to the engine host, ``capacity`` at once (a server: its slots and queue; this computer:
    one), attach each result as it arrives and save after each (atomically), so nothing made is lost to a later
    failure. A failed item does not stop the others. Returns the number of failures."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from seine_editor.jobs.context import HeadlessContext
    from seine_editor.jobs.generate import generate

    host = controller.engines
    labels = {item_id: f"[{n}/{len(items)}] {controller.document.info().clip(item_id).name}"
              for n, item_id in enumerate(items, 1)}
    parallel = max(1, min(len(items), capacity))
    failures = 0
    with ThreadPoolExecutor(parallel, thread_name_prefix="seine-generate") as pool:
        running = {}
        for item_id in items:
            try:
                spec, requested = _spec(controller, item_id, args)
            except _FAILURES as error:
                failures += _say_failed(labels[item_id], error)
                continue
            label = labels[item_id]
            context = HeadlessContext((lambda p, label=label: _draw_bar(label, p)) if parallel == 1 else None)
            running[pool.submit(generate, spec, context, host)] = (item_id, requested)
        for future in as_completed(running):
            item_id, requested = running[future]
            try:
                result = future.result()
                controller.attach_result(result, requested)
                project.save()
            except _FAILURES as error:
                failures += _say_failed(labels[item_id], error)
                continue
            sys.stderr.write(f"\r{labels[item_id]}: done{' (from the cache)' if result.from_cache else ''}"
                             .ljust(79) + "\n")
    return failures


def _spec(controller, item_id: str, args: argparse.Namespace):
    from dataclasses import replace

    spec = controller.spec_for(item_id)
    if args.engine:  # this run's engine, for every item
        name, options = controller.settings.resolve(args.engine)
        spec = replace(spec, engine=name, engine_options=options)
    if args.preset:
        spec = replace(spec, params=replace(spec.params, preset=args.preset))
    return spec, controller.requested_fingerprint(item_id)


def _say_failed(label: str, error: BaseException) -> int:
    sys.stderr.write(f"\r{label}: failed: {error}\n")
    return 1


def _draw_bar(label: str, progress) -> None:
    filled = int(round(progress.fraction * BAR_WIDTH))
    eta = f" ETA {progress.eta_s:.0f}s" if progress.eta_s else ""
    line = f"\r{label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {progress.fraction:4.0%} {progress.message}{eta}"
    sys.stderr.write(line[:120].ljust(79))
    sys.stderr.flush()
