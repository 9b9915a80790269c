"""A bar above the viewer that offers one thing without stopping the person (a browser's info bar): the first clip
of an empty project offers its format. Accept does it; Dismiss, or the next offer, drops it."""
from __future__ import annotations

from typing import Callable, Optional

from PySide6 import QtWidgets


class OfferBar(QtWidgets.QFrame):
    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent, objectName="offerBar")
        self.setStyleSheet("#offerBar { background: #2d3b4f; border-bottom: 1px solid #46607f; }")
        self.text = QtWidgets.QLabel(wordWrap=True)
        self.accept_button = QtWidgets.QPushButton()
        self.dismiss_button = QtWidgets.QPushButton("Keep the project's")
        self.accept_button.clicked.connect(self._accept)
        self.dismiss_button.clicked.connect(self.dismiss)
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(10, 4, 6, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.accept_button)
        row.addWidget(self.dismiss_button)
        self._action: Optional[Callable[[], None]] = None
        self.hide()

    def offer(self, text: str, accept_label: str, action: Callable[[], None]) -> None:
        self.text.setText(text)
        self.accept_button.setText(accept_label)
        self._action = action
        self.show()

    def dismiss(self) -> None:
        self._action = None
        self.hide()

    def _accept(self) -> None:
        action, self._action = self._action, None
        self.hide()
        if action is not None:
            action()
