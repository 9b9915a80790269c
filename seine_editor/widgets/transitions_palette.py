"""The transitions palette, dragged onto a cut of the timeline: Generative transition (the project's engine), one
entry per engine that runs without weights (its frames at once: Morph, Crossfade), and Dissolve."""
from __future__ import annotations

from typing import Optional

from PySide6 import QtCore, QtWidgets

from seine_editor.widgets.resources import icon
from seine_editor.widgets.timeline_drops import TRANSITION_MIME

ENGINE_PREFIX = "engine:"  # "engine:NAME": a generative transition made by that engine, whatever the project's


def palette_items() -> list[tuple[str, str, str, str]]:
    """(drop kind, icon, text, tip) of every entry."""
    from engine import engine_info, engine_names
    from engine.registry import DEFAULT_ENGINE

    items = [("generative", "generate", "Generative transition",
              "The project's engine makes the frames between the two shots")]
    for name in engine_names():
        info = engine_info(name)
        if name != DEFAULT_ENGINE and not info.required and "transition" in info.modes:
            items.append((ENGINE_PREFIX + name, "instant-transition", info.label, f"{info.description}: made at once"))
    items.append(("dissolve", "dissolve", "Dissolve", "Cross dissolve over the clips' handles"))
    return items


class TransitionsPalette(QtWidgets.QListWidget):
    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.setDragEnabled(True)
        self.setDragDropMode(QtWidgets.QAbstractItemView.DragOnly)
        self.setIconSize(QtCore.QSize(22, 22))
        self.setSpacing(2)
        for kind, icon_name, text, tip in palette_items():
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
