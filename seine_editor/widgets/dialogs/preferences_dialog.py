"""Preferences: what holds for every project on this machine (`project.preferences`). Saved when OK is pressed;
a refused value is named in the dialog, which stays open."""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from PySide6 import QtWidgets

from seine_editor.errors import SeineEditorError
from seine_editor.project.preferences import STILL_SECONDS
from seine_editor.widgets.dialogs.buttons import ok_cancel


class PreferencesDialog(QtWidgets.QDialog):
    def __init__(self, window, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent or window)
        self.setWindowTitle("Preferences")
        self._window = window
        current = window.preferences
        self.still_duration = QtWidgets.QDoubleSpinBox(minimum=STILL_SECONDS[0], maximum=STILL_SECONDS[1], decimals=2,
                                                       suffix=" s", value=current.still_duration_s)
        self.still_duration.setToolTip("How long a still image lasts when it is dropped on the timeline")
        self.message = QtWidgets.QLabel(wordWrap=True, styleSheet="color: #ff6b6b;")
        buttons = ok_cancel(self)
        form = QtWidgets.QFormLayout(self)
        form.addRow("Still image duration", self.still_duration)
        form.addRow(self.message)
        form.addRow(buttons)

    def preferences(self):
        return replace(self._window.preferences, still_duration_s=round(self.still_duration.value(), 2))

    def accept(self) -> None:
        try:
            self._window.set_preferences(self.preferences())
        except (SeineEditorError, OSError) as error:
            self.message.setText(str(error))
            return
        super().accept()
