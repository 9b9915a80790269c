"""Export the timeline for other editors: every interchange format the installed adapters offer; generative
items are baked into movie files first (as a job, since baking renders frames)."""
from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

FORMATS = (("OpenTimelineIO (*.otio)", ".otio"), ("OpenTimelineIO bundle with media (*.otioz)", ".otioz"),
           ("CMX 3600 EDL (*.edl)", ".edl"), ("Final Cut Pro 7 XML (*.xml)", ".xml"),
           ("Final Cut Pro X XML (*.fcpxml)", ".fcpxml"))


def available_formats() -> list[tuple[str, str]]:
    """The formats whose adapter is installed here."""
    import opentimelineio as otio

    from seine_editor.timeline.interchange import ADAPTERS

    installed = set(otio.adapters.available_adapter_names())
    return [(text, suffix) for text, suffix in FORMATS if ADAPTERS[suffix] in installed]


def run_interchange(spec, ctx):
    from seine_editor.jobs.context import Progress
    from seine_editor.render.bake import make_baker
    from seine_editor.timeline.interchange import export_timeline

    timeline, snapshot, path, rate, size, placeholder = spec
    ctx.report(Progress(0.0, "baking generative items"))
    baker = make_baker(snapshot, size=size, placeholder=placeholder)
    result = export_timeline(timeline, path, rate=rate, size=size, baker=baker)
    ctx.report(Progress(1.0, f"wrote {Path(result.path).name}"))
    return result


def export_timeline(window) -> None:
    formats = available_formats()
    path, chosen = QtWidgets.QFileDialog.getSaveFileName(window, "Export timeline", "",
                                                         ";;".join(text for text, _ in formats))
    if not path:
        return
    suffix = dict(formats).get(chosen, Path(path).suffix or ".otio")
    path = Path(path) if Path(path).suffix else Path(path).with_suffix(suffix)
    project = window.project
    settings = project.settings
    # a private copy made here on the UI thread; the job never sees the live document
    spec = (project.document.timeline.deepcopy(), project.document.render_snapshot(), path, settings.fps,
            (settings.width, settings.height), project.generation.placeholder_provider())
    project.generation.runner.submit(run_interchange, spec, lane="cpu", title=f"Export {path.name}")
    window.docks["jobs"].raise_()
