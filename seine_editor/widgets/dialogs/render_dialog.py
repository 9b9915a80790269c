"""Render the timeline to a movie or image sequence: choose format, preset, CRF, range and file; offline media is
listed before anything starts; the render runs as a job (progress and cancel in the jobs panel)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6 import QtWidgets

from seine_editor.media.writer import CRF_RANGES
from seine_editor.render.export import PRESETS
from seine_editor.widgets.dialogs.buttons import ok_cancel

FORMATS = (("H.264 + AAC (.mp4)", "mp4"), ("ProRes 422 HQ + PCM (.mov)", "mov"), ("PNG sequence (folder)", "png"))


class RenderDialog(QtWidgets.QDialog):
    def __init__(self, parent: QtWidgets.QWidget, has_marks: bool, default_name: str):
        super().__init__(parent)
        self.setWindowTitle("Render")
        self.format = QtWidgets.QComboBox()
        for text, key in FORMATS:
            self.format.addItem(text, key)
        self.preset = QtWidgets.QComboBox()
        self.preset.addItems(PRESETS)
        self.preset.setCurrentText("standard")
        self.crf = QtWidgets.QSpinBox(minimum=0, maximum=CRF_RANGES["h264"][1], specialValueText="preset",
                                      toolTip="H.264 quality factor (lower is better); MP4 only")
        self.format.currentIndexChanged.connect(lambda _i: self.crf.setEnabled(self.format.currentData() == "mp4"))
        self.range = QtWidgets.QComboBox()
        self.range.addItems(["Whole timeline"] + (["In to out marks"] if has_marks else []))
        self.output = QtWidgets.QLineEdit(default_name)
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.output, 1)
        row.addWidget(browse)
        buttons = ok_cancel(self)
        buttons.button(QtWidgets.QDialogButtonBox.Ok).setText("Render")
        form = QtWidgets.QFormLayout(self)
        for label, widget in (("Format", self.format), ("Quality", self.preset), ("CRF", self.crf),
                              ("Range", self.range), ("Output", row)):
            form.addRow(label, widget)
        form.addRow(buttons)

    def _browse(self) -> None:
        if self.format.currentData() == "png":
            path = QtWidgets.QFileDialog.getExistingDirectory(self, "Render into folder")
        else:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Render to", self.output.text())
        if path:
            self.output.setText(path)

    def choice(self) -> dict:
        out = Path(self.output.text()).expanduser()
        fmt = self.format.currentData()
        if fmt != "png" and out.suffix.lower() != f".{fmt}":
            out = out.with_suffix(f".{fmt}")
        return {"output": out, "format": fmt, "preset": self.preset.currentText(),
                "crf": (self.crf.value() or None) if fmt == "mp4" else None,
                "use_marks": self.range.currentIndex() == 1}


def confirm_offline(parent: QtWidgets.QWidget, unusable: list, interactive: bool = True) -> bool:
    """List the missing or damaged files (`render.source_check.UnusableSource`) with their reasons; rendering goes
    on (with MEDIA OFFLINE slates) only if the person says so."""
    if not unusable:
        return True
    if not interactive:
        return False
    box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Warning, "Offline media",
                                f"{len(unusable)} media file(s) are missing or damaged. Their clips render as a "
                                "'MEDIA OFFLINE' slate.", QtWidgets.QMessageBox.Cancel, parent)
    box.setDetailedText("\n".join(f"{u.path}: {u.reason}" for u in unusable))
    box.addButton("Render anyway", QtWidgets.QMessageBox.AcceptRole)
    return box.exec() == 0


class _ExportProgress:
    """The jobs runner's context as render.export wants it (frames done of total)."""

    def __init__(self, ctx):
        self._ctx = ctx

    def progress(self, done_frames: int, total_frames: int) -> None:
        from seine_editor.jobs.context import Progress

        self._ctx.report(Progress(min(1.0, done_frames / max(1, total_frames)), f"{done_frames}/{total_frames} frames"))

    def cancelled(self) -> bool:
        return self._ctx.cancelled()


def run_export(spec, ctx):
    from seine_editor.render.export import export

    return export(spec, _ExportProgress(ctx))


def submit_render(window, choice: dict, allow_offline: bool) -> Optional[str]:
    """Queue the render on the project's job runner; returns the job id."""
    from seine_editor.render.export import ExportSpec

    project, viewer = window.project, window.viewer
    marks = choice["use_marks"] and viewer.mark_in is not None
    spec = ExportSpec(snapshot=project.render_snapshot(), output=choice["output"], format=choice["format"],
                      preset=choice["preset"], crf=choice["crf"], allow_offline=allow_offline,
                      in_frame=viewer.mark_in if marks else None,
                      out_frame=(viewer.mark_out + 1) if marks and viewer.mark_out is not None else None,
                      size=(project.settings.width, project.settings.height),
                      audio_rate=project.settings.audio_rate,
                      placeholder=project.generation.placeholder_provider())
    job = project.generation.runner.submit(run_export, spec, lane="cpu", title=f"Render {choice['output'].name}")
    return job.id


def start_render(window) -> None:
    name = (window.project.path.stem if window.project.path else "untitled") + ".mp4"
    dialog = RenderDialog(window, window.viewer.mark_in is not None, str(Path.home() / name))
    accepted = dialog.exec() == QtWidgets.QDialog.Accepted
    choice = dialog.choice()
    dialog.deleteLater()  # a child of the window: else each opening lives until quit
    if not accepted:
        return
    from seine_editor.render.plan import plan_of
    from seine_editor.render.source_check import unusable_sources

    offline = unusable_sources(plan_of(window.project.render_snapshot()))
    if not confirm_offline(window, offline, window.interactive):
        return
    submit_render(window, choice, allow_offline=bool(offline))
    window.docks["jobs"].raise_()
