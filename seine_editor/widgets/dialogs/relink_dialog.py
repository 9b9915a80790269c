"""File → Relink offline media…, and the same from an offline clip's menu: choose a folder, and every offline file
found under it (by name, then by length: `timeline.media_paths.find_offline_media`, which the `relink` command
uses too) is relinked as one undo step. What was not found is said, with the reason."""
from __future__ import annotations

from PySide6 import QtWidgets


def relink_offline_media(window) -> None:
    if not window.project.offline_media():
        window.statusBar().showMessage("No media is offline", 5000)
        return
    folder = QtWidgets.QFileDialog.getExistingDirectory(window, "Find offline media in folder")
    if folder:
        relink_from(window, folder)


def relink_from(window, folder: str) -> None:
    reports = []
    if not window.run_edit(lambda project: reports.append(project.relink_folder(folder))):
        return
    report = reports[0]
    window.statusBar().showMessage(summary(report), 10000)
    left = [f"{old}: {why}" for old, why in report.unsure.items()] + [f"{old}: not found" for old in report.missing]
    if left:
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Information, "Relink offline media", summary(report),
                                    QtWidgets.QMessageBox.Ok, window)
        box.setDetailedText("\n".join(left))
        box.open()


def summary(report) -> str:
    still = len(report.unsure) + len(report.missing)
    return f"Relinked {len(report.found)} file(s); {still} still offline" if still else \
        f"Relinked {len(report.found)} file(s); nothing is offline"
