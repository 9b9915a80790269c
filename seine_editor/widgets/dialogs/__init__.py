"""Dialogs of the main window: render, interchange export, engine settings, the project's format, preferences,
offline media."""
from __future__ import annotations


def open_dialog(window, name: str) -> None:
    if name == "render":
        from seine_editor.widgets.dialogs.render_dialog import start_render

        start_render(window)
    elif name == "export":
        from seine_editor.widgets.dialogs.export_dialog import export_timeline

        export_timeline(window)
    elif name == "relink":
        from seine_editor.widgets.dialogs.relink_dialog import relink_offline_media

        relink_offline_media(window)
    elif name in DIALOGS:
        from importlib import import_module

        from PySide6 import QtCore

        module, cls = DIALOGS[name]
        dialog = getattr(import_module(f"seine_editor.widgets.dialogs.{module}"), cls)(window)
        dialog.setAttribute(QtCore.Qt.WA_DeleteOnClose)  # a child of the window: else each opening lives until quit
        dialog.open()
    else:
        raise ValueError(f"unknown dialog {name!r}")


# Modal forms built from the window: name -> (module, class).
DIALOGS = {"settings": ("settings_dialog", "SettingsDialog"), "preferences": ("preferences_dialog", "PreferencesDialog"),
           "project_format": ("format_dialog", "FormatDialog")}
