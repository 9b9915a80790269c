"""Application settings: generation engine, SEINE weights folder (checked when chosen), device, default preset."""
from __future__ import annotations

from typing import Optional

from PySide6 import QtCore, QtWidgets

from seine_editor.errors import SeineEditorError

ENGINES = ("seine", "morph", "crossfade")
DEVICES = ("auto", "cuda", "cpu")
PRESETS = ("draft", "preview", "final")


class SettingsDialog(QtWidgets.QDialog):
    """Values live in QSettings under "generation/"; the window applies them to the project's generation."""

    applied = QtCore.Signal(object)  # EngineSettings

    def __init__(self, settings: QtCore.QSettings, window: Optional[QtWidgets.QWidget] = None):
        super().__init__(window)
        self.setWindowTitle("Settings")
        self._settings = settings
        self._window = window
        self.engine = QtWidgets.QComboBox()
        self.engine.addItems(ENGINES)
        self.engine.setCurrentText(settings.value("generation/engine", "seine"))
        self.weights = QtWidgets.QLineEdit(settings.value("generation/weights", ""))
        self.weights.setPlaceholderText("folder with seine.pt and stable-diffusion-v1-4/")
        browse = QtWidgets.QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.weights, 1)
        row.addWidget(browse)
        self.device = QtWidgets.QComboBox()
        self.device.addItems(DEVICES)
        self.device.setCurrentText(settings.value("generation/device", "auto"))
        self.preset = QtWidgets.QComboBox()
        self.preset.addItems(PRESETS)
        self.preset.setCurrentText(settings.value("generation/preset", "draft"))
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
        from seine_editor.project.generation import EngineSettings

        return EngineSettings(engine=self.engine.currentText(), weights=self.weights.text().strip() or None,
                              device=self.device.currentText())

    def validate(self) -> bool:
        """Check the weights folder now (it imports the engine's checker), so a bad folder is said at once."""
        try:
            self.engine_settings().check()
        except (SeineEditorError, Exception) as error:  # EngineError is not a SeineEditorError
            self.message.setStyleSheet("color: #ff6b6b;")
            self.message.setText(str(error))
            return False
        self.message.setStyleSheet("color: #58c98a;")
        self.message.setText("Weights found." if self.weights.text().strip() else "")
        return True

    def accept(self) -> None:
        if not self.validate():
            return
        for key, value in (("engine", self.engine.currentText()), ("weights", self.weights.text().strip()),
                           ("device", self.device.currentText()), ("preset", self.preset.currentText())):
            self._settings.setValue(f"generation/{key}", value)
        self.applied.emit(self.engine_settings())
        super().accept()
