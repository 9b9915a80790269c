"""The small form a generative drop or action opens where it happened: prompt, seed, length and (for a transition)
mode, with what each mode does. Enter makes the item; Esc, or a click elsewhere, cancels: nothing is placed."""
from __future__ import annotations

import random
from typing import Callable, Optional

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.timeline.generated import MODES
from seine_editor.widgets.inspector import PROMPT_HINTS, seed_field
from seine_editor.widgets.resources import icon

MODE_HINTS = {"bridge": "New frames between the two shots: nothing of them is lost, the timeline grows.",
              "overlap": "Replaces the end of the first shot and the start of the second: the length stays."}
TITLES = {"transition": "Generative transition", "extend": "Extend clip", "animate": "Animate image"}


class GenerativePopover(QtWidgets.QFrame):
    """One request at a time (`ask`); ``on_accept(params, duration_frames, mode)`` runs on Enter."""

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent, QtCore.Qt.Popup)
        self.setFrameShape(QtWidgets.QFrame.StyledPanel)
        self.title = QtWidgets.QLabel(objectName="sectionTitle")
        self.prompt = QtWidgets.QLineEdit()
        self.seed, seed_row = seed_field()
        self.duration = QtWidgets.QSpinBox(minimum=1, maximum=100000, suffix=" frames")
        self.mode = QtWidgets.QComboBox()
        self.mode.addItems(MODES)
        self.mode_hint = QtWidgets.QLabel(objectName="hint", wordWrap=True)
        self.mode.currentTextChanged.connect(lambda mode: self.mode_hint.setText(MODE_HINTS.get(mode, "")))
        self.go = QtWidgets.QPushButton(icon("generate"), "Generate", objectName="primary")
        self.go.clicked.connect(self.accept)
        hint = QtWidgets.QLabel("Enter to generate · Esc to cancel", objectName="hint")
        self._form = QtWidgets.QFormLayout(self)
        self._form.addRow(self.title)
        self._form.addRow("Prompt", self.prompt)
        self._form.addRow("Seed", seed_row)
        self._form.addRow("Length", self.duration)
        self._form.addRow("Mode", self.mode)
        self._form.addRow(self.mode_hint)
        self._form.addRow(hint, self.go)
        self.setMinimumWidth(340)
        self._on_accept: Optional[Callable[[dict, int, Optional[str]], None]] = None
        self._kind = "transition"

    def ask(self, kind: str, at: QtCore.QPoint, frames: int, on_accept: Callable[[dict, int, Optional[str]], None],
            fixed_length: bool = False) -> None:
        """Show the form for a ``kind`` item ("transition", "extend", "animate") at global point ``at``."""
        self._kind, self._on_accept = kind, on_accept
        self.title.setText(TITLES[kind])
        self.prompt.clear()
        self.prompt.setPlaceholderText(PROMPT_HINTS[kind])
        self.seed.setValue(random.randrange(2 ** 31))
        self.duration.setValue(frames)
        self.duration.setEnabled(not fixed_length)  # an animation lasts as long as its still
        transition = kind == "transition"
        for widget in (self.mode, self.mode_hint):
            self._form.setRowVisible(widget, transition)
        self.mode.setCurrentText(MODES[0])
        self.mode_hint.setText(MODE_HINTS[MODES[0]])
        self.adjustSize()
        self.move(at)
        self.show()
        self.prompt.setFocus()

    def accept(self) -> None:
        """Close, then make the item once the key or click that asked for it is done (the edit rebuilds the
        timeline's items: never from inside the popup's own event)."""
        action, self._on_accept = self._on_accept, None
        self.hide()
        if action is not None:
            params = {"prompt": self.prompt.text().strip(), "seed": self.seed.value()}
            values = (params, self.duration.value(), self.mode.currentText() if self._kind == "transition" else None)
            QtCore.QTimer.singleShot(0, lambda: action(*values))

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter):
            self.accept()
        elif event.key() == QtCore.Qt.Key_Escape:
            self._on_accept = None
            self.hide()
        else:
            super().keyPressEvent(event)

    def hideEvent(self, event: QtGui.QHideEvent) -> None:  # noqa: N802
        self._on_accept = None  # closed by a click elsewhere: cancelled
        super().hideEvent(event)
