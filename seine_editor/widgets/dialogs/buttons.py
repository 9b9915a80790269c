"""The OK / Cancel row every dialog ends with."""
from __future__ import annotations

from PySide6 import QtWidgets


def ok_cancel(dialog: QtWidgets.QDialog) -> QtWidgets.QDialogButtonBox:
    """OK and Cancel wired to the dialog's accept and reject."""
    buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.Ok | QtWidgets.QDialogButtonBox.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
