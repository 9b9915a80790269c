"""Generation settings of the project: engine, SEINE weights folder (checked when chosen), device, default preset.

The dialog starts from the project's settings and changes only the fields it shows (`dataclasses.replace`), as
one undoable edit saved with the project (`GenerationController.set_engine_settings`). A bad weights folder is
named in the dialog, which stays open, and nothing changes."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from PySide6 import QtWidgets

from engine.errors import EngineError
from seine_editor.errors import SeineEditorError
from seine_editor.project.generation import ENGINES
from seine_editor.widgets.inspector import PRESETS

DEVICES = ("auto", "cuda", "cpu")
ERROR_STYLE, OK_STYLE = "color: #ff6b6b;", "color: #58c98a;"


class SettingsDialog(QtWidgets.QDialog):
    def __init__(self, project, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._project = project
        self._current = project.generation.settings
        self.engine = _combo(ENGINES, self._current.engine)
        self.weights = QtWidgets.QLineEdit(self._current.weights or "")
        self.weights.setPlaceholderText("folder with seine.pt and stable-diffusion-v1-4/")
        browse = QtWidgets.QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.weights, 1)
        row.addWidget(browse)
        self.device = _combo(DEVICES, self._current.device)
        self.preset = _combo(PRESETS, self._current.preset)
        self.message = QtWidgets.QLabel(wordWrap=True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QtWidgets.QFormLayout(self)
        for label, widget in (("Engine", self.engine), ("SEINE weights", row), ("Device", self.device),
                              ("Default preset", self.preset)):
            form.addRow(label, widget)
        form.addRow(self.message)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "SEINE weights folder", self.weights.text())
        if folder:
            self.weights.setText(folder)
            self.validate()

    def engine_settings(self):
        """The project's settings with the fields shown here as chosen (the others kept)."""
        return replace(self._current, engine=self.engine.currentText(), weights=self.weights.text().strip() or None,
                       device=self.device.currentText(), preset=self.preset.currentText())

    def validate(self) -> bool:
        """Check the weights folder now (it imports the engine's checker), so a bad folder is said at once."""
        try:
            self.engine_settings().check()
        except (SeineEditorError, EngineError) as error:
            self._say(str(error), ERROR_STYLE)
            return False
        self._say("Weights found." if self.weights.text().strip() else "", OK_STYLE)
        return True

    def accept(self) -> None:
        """Apply as one undo step of the project; on a refusal say why and stay open, the project unchanged."""
        try:
            self._project.generation.set_engine_settings(self.engine_settings())
        except (SeineEditorError, EngineError) as error:
            self._say(str(error), ERROR_STYLE)
            return
        super().accept()

    def _say(self, text: str, style: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)


def _combo(values: tuple[str, ...], current: str) -> QtWidgets.QComboBox:
    box = QtWidgets.QComboBox()
    box.addItems(values)
    if current not in values:
        box.addItem(current)  # a value saved by another version: shown as it is, not silently changed
    box.setCurrentText(current)
    return box
