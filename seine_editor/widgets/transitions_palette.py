"""The transitions palette: Dissolve, Generative transition, Morph — dragged onto a cut of the timeline."""
from __future__ import annotations

from typing import Optional

from PySide6 import QtCore, QtWidgets

from seine_editor.widgets.resources import icon
from seine_editor.widgets.timeline_drops import TRANSITION_MIME

ITEMS = (("generative", "generate", "Generative transition", "SEINE makes the frames between the two shots"),
         ("morph", "morph", "Morph", "Optical-flow morph: instant, no model"),
         ("dissolve", "dissolve", "Dissolve", "Cross dissolve over the clips' handles"))


class TransitionsPalette(QtWidgets.QListWidget):
    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QtWidgets.QAbstractItemView.DragOnly)
        self.setIconSize(QtCore.QSize(22, 22))
        self.setSpacing(2)
        for kind, icon_name, text, tip in ITEMS:
            item = QtWidgets.QListWidgetItem(icon(icon_name), text)
            item.setData(QtCore.Qt.UserRole, kind)
            item.setToolTip(tip + " — drag onto a cut")
            self.addItem(item)

    def mimeData(self, items) -> QtCore.QMimeData:
        mime = QtCore.QMimeData()
        mime.setData(TRANSITION_MIME, items[0].data(QtCore.Qt.UserRole).encode())
        return mime

    def mimeTypes(self) -> list[str]:
        return [TRANSITION_MIME]
