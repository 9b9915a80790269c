"""Files under resources/: icons (SVG) and the theme style sheet."""
from __future__ import annotations

from pathlib import Path

from PySide6 import QtGui

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


def icon(name: str) -> QtGui.QIcon:
    """An icon from resources/icons (SVG); an empty icon when the file is missing rather than a crash."""
    path = resource_path("icons", f"{name}.svg")
    return QtGui.QIcon(str(path)) if path.exists() else QtGui.QIcon()
