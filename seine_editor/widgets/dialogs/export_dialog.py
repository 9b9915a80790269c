"""Export the timeline for other editors: every interchange format the installed adapters offer; generative
items are baked into movie files first, as a job of the project (`Project.export_interchange`)."""
from __future__ import annotations

from pathlib import Path

from PySide6 import QtWidgets

FORMATS = (("OpenTimelineIO (*.otio)", ".otio"), ("OpenTimelineIO bundle with media (*.otioz)", ".otioz"),
           ("CMX 3600 EDL (*.edl)", ".edl"), ("Final Cut Pro 7 XML (*.xml)", ".xml"),
           ("Final Cut Pro X XML (*.fcpxml)", ".fcpxml"), ("MLT XML for Shotcut and melt (*.mlt)", ".mlt"))


def available_formats() -> list[tuple[str, str]]:
    """The formats whose adapter is installed here."""
    from seine_editor.jobs.interchange import installed_suffixes

    installed = set(installed_suffixes())
    return [(text, suffix) for text, suffix in FORMATS if suffix in installed]


def chosen_path(path: str, chosen_filter: str, formats: list[tuple[str, str]]) -> Path:
    """The file to write: the name typed, with the chosen format's suffix when it has none."""
    suffix = dict(formats).get(chosen_filter, ".otio")
    return Path(path) if Path(path).suffix else Path(path).with_suffix(suffix)


def export_timeline(window) -> None:
    formats = available_formats()
    path, chosen = QtWidgets.QFileDialog.getSaveFileName(window, "Export timeline", "",
                                                         ";;".join(text for text, _ in formats))
    if path and window.run_edit(lambda project: project.export_interchange(chosen_path(path, chosen, formats))):
        window.docks["jobs"].raise_()
