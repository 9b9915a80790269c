"""Dialogs of the main window: render, interchange export, settings, offline media."""
from __future__ import annotations


def open_dialog(window, name: str) -> None:
    if name == "render":
        from seine_editor.widgets.dialogs.render_dialog import start_render

        start_render(window)
    elif name == "export":
        from seine_editor.widgets.dialogs.export_dialog import export_timeline

        export_timeline(window)
    elif name == "settings":
        from seine_editor.widgets.dialogs.settings_dialog import SettingsDialog

        SettingsDialog(window.project, window).open()
    else:
        raise ValueError(f"unknown dialog {name!r}")
