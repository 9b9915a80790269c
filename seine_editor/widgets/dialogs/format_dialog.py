"""Project settings: the frame size (by preset or any even size), the frame rate and the audio rate of the project,
changed as one undo step (`Project.set_settings`). A new frame rate keeps every cut at its instant (`retime`). A
refused value is named in the dialog, which stays open, and nothing changes."""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

from PySide6 import QtWidgets

from seine_editor.errors import SeineEditorError
from seine_editor.timeline.settings import AUDIO_RATES, FRAME_RATES, FRAME_SIZES, MAX_SIDE, rate_label
from seine_editor.widgets.dialogs.buttons import ok_cancel

CUSTOM = "Custom"


class FormatDialog(QtWidgets.QDialog):
    def __init__(self, window, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent or window)
        self.setWindowTitle("Project settings")
        self._project = window.project
        current = self._project.settings
        self.size_preset = QtWidgets.QComboBox()
        for name, (width, height) in FRAME_SIZES.items():
            self.size_preset.addItem(f"{name} ({width}×{height})", (width, height))
        self.size_preset.addItem(CUSTOM, None)
        self.width_box = QtWidgets.QSpinBox(minimum=2, maximum=MAX_SIDE, singleStep=2, value=current.width,
                                            suffix=" px")
        self.height_box = QtWidgets.QSpinBox(minimum=2, maximum=MAX_SIDE, singleStep=2, value=current.height,
                                             suffix=" px")
        self.rate = QtWidgets.QComboBox(editable=True)
        for rate in sorted({*FRAME_RATES, current.fps}):
            self.rate.addItem(rate_label(rate), rate)
        self.rate.setCurrentIndex(self.rate.findData(current.fps))
        self.rate.setToolTip("Frames per second. Changing it keeps every cut at its time, to the nearest frame")
        self.audio_rate = QtWidgets.QComboBox()
        for hertz in AUDIO_RATES:
            self.audio_rate.addItem(f"{hertz} Hz", hertz)
        self.audio_rate.setCurrentIndex(self.audio_rate.findData(current.audio_rate))
        self.message = QtWidgets.QLabel(wordWrap=True, styleSheet="color: #ff6b6b;")
        buttons = ok_cancel(self)
        size_row = QtWidgets.QHBoxLayout()
        size_row.addWidget(self.width_box)
        size_row.addWidget(QtWidgets.QLabel("×"))
        size_row.addWidget(self.height_box)
        form = QtWidgets.QFormLayout(self)
        form.addRow("Frame size", self.size_preset)
        form.addRow("", size_row)
        form.addRow("Frame rate", self.rate)
        form.addRow("Audio rate", self.audio_rate)
        form.addRow(self.message)
        form.addRow(buttons)
        self._show_preset()
        self.size_preset.activated.connect(self._use_preset)
        self.width_box.valueChanged.connect(self._show_preset)
        self.height_box.valueChanged.connect(self._show_preset)

    def _use_preset(self, _index: int) -> None:
        size = self.size_preset.currentData()
        if size is not None:
            self.width_box.setValue(size[0])
            self.height_box.setValue(size[1])

    def _show_preset(self) -> None:
        """The preset that names the size typed, or Custom."""
        index = self.size_preset.findData((self.width_box.value(), self.height_box.value()))
        self.size_preset.setCurrentIndex(index if index >= 0 else self.size_preset.count() - 1)

    def frame_rate(self) -> Fraction:
        """The rate chosen, or typed (23.976, 30000/1001, 48); SettingsError names text that is not a rate."""
        index = self.rate.findText(self.rate.currentText())
        if index >= 0:
            return self.rate.itemData(index)
        text = self.rate.currentText().strip()
        try:
            rate = Fraction(text)
        except (ValueError, ZeroDivisionError):
            raise SeineEditorError(f"frame rate {text!r} is not a number: give 25, 29.97 or 30000/1001") from None
        ntsc = Fraction(round(rate * 1001 / 1000) * 1000, 1001)  # 29.97 typed means 30000/1001
        return ntsc if rate.denominator != 1 and abs(ntsc - rate) < Fraction(1, 100) else rate

    def accept(self) -> None:
        """Apply what changed as one undo step; on a refusal say why and stay open, the project unchanged."""
        current = self._project.settings
        try:
            chosen = {"width": self.width_box.value(), "height": self.height_box.value(), "fps": self.frame_rate(),
                      "audio_rate": self.audio_rate.currentData()}
            changed = {k: v for k, v in chosen.items() if getattr(current, k) != v}
            if changed:
                self._project.set_settings(**changed)
        except SeineEditorError as error:
            self.message.setText(str(error))
            return
        super().accept()
