"""Menus, toolbar, shortcuts and context menus of the main window: a table of actions and their keys."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.widgets.resources import icon
from seine_editor.widgets import edit_bridge
from seine_editor.widgets.transitions_palette import palette_items

Key = QtGui.QKeySequence


def _action(window, menu, text, slot, shortcuts=(), icon_name=None, checkable=False, key=None):
    action = QtGui.QAction(icon(icon_name) if icon_name else QtGui.QIcon(), text, window)
    action.setShortcuts([Key(s) for s in shortcuts])
    action.setShortcutContext(QtCore.Qt.WindowShortcut)
    action.setCheckable(checkable)
    action.triggered.connect(slot)
    menu.addAction(action)
    window.addAction(action)  # shortcuts work whichever dock has focus
    window.actions_by_key[key or text] = action
    return action


def _selected(window) -> list:
    return window.timeline.view.selected_clip_ids()


def build(window) -> dict:
    window.actions_by_key = {}
    bar = window.menuBar()
    _file_menu(window, bar.addMenu("&File"))
    _edit_menu(window, bar.addMenu("&Edit"))
    _view_menu(window, bar.addMenu("&View"))
    _playback_menu(window, bar.addMenu("&Playback"))
    _timeline_menu(window, bar.addMenu("&Timeline"))
    help_menu = bar.addMenu("&Help")
    _action(window, help_menu, "Keyboard shortcuts", lambda: show_shortcuts(window), key="shortcuts")
    _action(window, help_menu, "About Seine Editor", lambda: QtWidgets.QMessageBox.about(
        window, "About Seine Editor", "Seine Editor: story-level video editing with generative transitions "
        "on an OpenTimelineIO timeline."), key="about")
    _toolbar(window)
    refresh_recent(window)
    return window.actions_by_key


def _file_menu(window, menu) -> None:
    _action(window, menu, "&New project", window.new_project, [Key.New], "new", key="new")
    _action(window, menu, "&Open… (project, EDL, XML)", window.open_with_dialog, [Key.Open], "open", key="open")
    window.recent_menu = menu.addMenu("Open &recent")
    menu.addSeparator()
    _action(window, menu, "&Import media…", window.bin.import_with_dialog, ["Ctrl+I"], "import", key="import")
    _action(window, menu, "Re&link offline media…", lambda: open_dialog(window, "relink"), key="relink")
    menu.addSeparator()
    _action(window, menu, "&Save", window.save, [Key.Save], "save", key="save")
    _action(window, menu, "Save &as…", lambda: window.save_as(), [Key.SaveAs], key="save_as")
    menu.addSeparator()
    _action(window, menu, "&Render…", lambda: open_dialog(window, "render"), ["Ctrl+M"], "render", key="render")
    _action(window, menu, "&Export timeline (OTIO, EDL, XML)…", lambda: open_dialog(window, "export"), ["Ctrl+E"],
            "export", key="export")
    menu.addSeparator()
    _action(window, menu, "Project se&ttings (size, frame rate)…", lambda: open_dialog(window, "project_format"),
            ["Ctrl+Shift+,"], key="project_format")
    _action(window, menu, "Engine settings…", lambda: open_dialog(window, "settings"), ["Ctrl+,"], "settings",
            key="settings")
    _action(window, menu, "&Quit", window.close, [Key.Quit], key="quit")


def _edit_menu(window, menu) -> None:
    undo = window.undo_group.createUndoAction(window, "&Undo")
    undo.setShortcuts([Key("Ctrl+Z")])
    undo.setIcon(icon("undo"))
    redo = window.undo_group.createRedoAction(window, "&Redo")
    redo.setShortcuts([Key("Ctrl+Shift+Z"), Key("Ctrl+Y")])
    redo.setIcon(icon("redo"))
    for key, action in (("undo", undo), ("redo", redo)):
        menu.addAction(action)
        window.addAction(action)
        window.actions_by_key[key] = action
    menu.addSeparator()
    view = window.timeline.view
    _action(window, menu, "Cu&t", lambda: (copy_clips(window), _delete(window, ripple=False)), [Key.Cut], key="cut")
    _action(window, menu, "&Copy", lambda: copy_clips(window), [Key.Copy], key="copy")
    _action(window, menu, "&Paste at playhead", lambda: paste_clips(window), [Key.Paste], key="paste")
    _action(window, menu, "Select &all", view.select_all, [Key.SelectAll], key="select_all")
    menu.addSeparator()
    _action(window, menu, "&Delete", lambda: _delete(window, ripple=False), ["Delete", "Backspace"], key="delete")
    _action(window, menu, "R&ipple delete", lambda: _delete(window, ripple=True), ["Shift+Delete"], key="ripple_delete")
    _action(window, menu, "&Split at playhead", lambda: window.run_edit(
        edit_bridge.split_at_playhead, window.project.info(), window.viewer.position, _selected(window)),
        ["S", "Ctrl+K"], "split", key="split")
    menu.addSeparator()
    _action(window, menu, "Pre&ferences…", lambda: open_dialog(window, "preferences"), key="preferences")


def _delete(window, ripple: bool) -> None:
    markers = sorted(window.timeline.view.selected_marker_ids)
    if markers:  # a selected marker flag is what Delete means, even with clips selected below
        window.run_edit(edit_bridge.remove_markers, markers)
        return
    transition = window.timeline.view.selected_transition()
    if transition is not None:  # a dissolve picked on its own
        window.run_edit(lambda p: p.remove_transition(transition.id))
        return
    ids = _selected(window)
    if ids:
        window.run_edit(lambda p: p.delete_clips(ids, ripple=ripple))


def _view_menu(window, menu) -> None:
    view = window.timeline.view
    _action(window, menu, "Zoom &in", lambda: view.zoom_by(1.5), ["+", "=", "Ctrl++"], "zoom-in", key="zoom_in")
    _action(window, menu, "Zoom &out", lambda: view.zoom_by(1 / 1.5), ["-", "Ctrl+-"], "zoom-out", key="zoom_out")
    _action(window, menu, "Zoom to &fit", view.zoom_to_fit, ["Shift+Z"], "zoom-fit", key="zoom_fit")
    menu.addSeparator()
    _action(window, menu, "Safe-area overlay", window.viewer.set_safe_area, ["'"], "safe-area", True, key="safe_area")
    snap = _action(window, menu, "Snapping", window.timeline.set_snapping, ["Shift+S"], "snap", True, key="snapping")
    snap.setChecked(True)
    menu.addSeparator()
    for dock in window.docks.values():
        menu.addAction(dock.toggleViewAction())


def _playback_menu(window, menu) -> None:
    v = window.viewer
    for key, text, slot, keys, icon_name in (
            ("play", "Play / pause", v.toggle_play, ["Space"], "play"),
            ("shuttle_back", "Shuttle backwards", partial(v.shuttle, -1), ["J"], None),
            ("shuttle_stop", "Stop", partial(v.shuttle, 0), ["K"], None),
            ("shuttle_forward", "Shuttle forwards", partial(v.shuttle, 1), ["L"], None),
            ("prev_frame", "Previous frame", partial(v.step, -1), ["Left"], "step-back"),
            ("next_frame", "Next frame", partial(v.step, 1), ["Right"], "step-forward"),
            ("back_second", "Back one second", lambda: v.step(-round(v.rate)), ["Shift+Left"], None),
            ("forward_second", "Forward one second", lambda: v.step(round(v.rate)), ["Shift+Right"], None),
            ("start", "Go to start", v.go_to_start, ["Home"], "to-start"),
            ("end", "Go to end", v.go_to_end, ["End"], "to-end"),
            ("mark_in", "Mark in", v.set_mark_in, ["I"], "mark-in"),
            ("mark_out", "Mark out", v.set_mark_out, ["O"], "mark-out"),
            ("clear_marks", "Clear in/out", v.clear_marks, ["Alt+X"], None)):
        _action(window, menu, text, slot, keys, icon_name, key=key)


def _timeline_menu(window, menu) -> None:
    panel = window.timeline
    for key, text, keys in (("select", "Select tool", "V"), ("ripple", "Ripple trim tool", "B"),
                            ("roll", "Roll tool", "N"), ("slip", "Slip tool", "Y"),
                            ("extend", "Generative extend tool", "E")):
        _action(window, menu, text, partial(panel.set_tool, key), [keys], key=f"tool_{key}")
    menu.addSeparator()
    for kind in ("video", "audio"):
        _action(window, menu, f"Add {kind} track", partial(window.run_edit, lambda p, k=kind: p.add_track(k)),
                key=f"add_{kind}_track")
    menu.addSeparator()
    _action(window, menu, "Add &marker at playhead", lambda: window.run_edit(
        lambda p: p.add_marker(window.viewer.position)), ["M"], key="add_marker")
    menu.addSeparator()
    _action(window, menu, "Add dissolve at cut (selected clip's tail)", lambda: _dissolve_selected(window),
            ["Ctrl+T"], "dissolve", key="add_dissolve")


def _dissolve_selected(window) -> None:
    ids = _selected(window)
    if ids:
        window.run_edit(lambda p: p.add_dissolve(ids[0], 6, 6))


def _toolbar(window) -> None:
    bar = window.addToolBar("Main")
    bar.setObjectName("toolbar_main")
    bar.setIconSize(QtCore.QSize(18, 18))
    a = window.actions_by_key
    for key in ("new", "open", "save", None, "undo", "redo", None, "import", None, "split", "add_dissolve", None,
                "render", "export"):
        if key is None:
            bar.addSeparator()
        else:
            bar.addAction(_steady(window, a[key], "Undo" if key == "undo" else "Redo") if key in ("undo", "redo")
                          else a[key])


def _steady(window, action: QtGui.QAction, text: str) -> QtGui.QAction:
    """A toolbar stand-in for the undo stack's ``action``, whose text names the last edit and so changes with every
    edit: a toolbar lays out the whole window again, and repaints it, whenever one of its actions changes."""
    proxy = QtGui.QAction(action.icon(), text, window)
    proxy.setToolTip(f"{text} ({action.shortcut().toString(QtGui.QKeySequence.NativeText)})")
    proxy.setEnabled(action.isEnabled())
    action.enabledChanged.connect(proxy.setEnabled)
    proxy.triggered.connect(action.trigger)
    return proxy


def refresh_recent(window) -> None:
    menu = window.recent_menu
    menu.clear()
    recent = window.recent_projects()
    for path in recent:
        menu.addAction(Path(path).name, partial(window.open_project, path)).setToolTip(path)
    menu.setEnabled(bool(recent))


def copy_clips(window) -> None:
    info = window.project.info()
    window.clipboard = [info.clip(i) for i in _selected(window)]


def paste_clips(window) -> None:
    """Paste copied clips at the playhead, on their own tracks, keeping their spacing."""
    copied = {c.id for c in window.clipboard}
    # a linked audio clip comes back with its video clip: pasting it again would stack a second copy
    clips = [c for c in window.clipboard if c.media_path and not (c.kind == "audio" and copied & set(c.linked_ids))]
    if not clips:
        return
    first = min(c.start_frame for c in clips)
    frame = window.viewer.position

    def paste(project):  # one edit, one undo step, one update of the views
        project.add_clips([{"media": clip.media_path, "track_id": clip.track_id,
                            "at_frame": frame + clip.start_frame - first, "source_start_frame": clip.source_start_frame,
                            "duration_frames": clip.duration_frames}
                           for clip in sorted(clips, key=lambda c: c.start_frame)])
    window.run_edit(paste)


def clip_context_menu(window, clip_id, cut, global_pos) -> None:
    menu = clip_menu(window, clip_id, cut)
    if not menu.isEmpty():
        menu.popup(global_pos)


def clip_menu(window, clip_id, cut) -> QtWidgets.QMenu:
    """The timeline's context menu over a clip (``clip_id``) or a cut between two (``cut``)."""
    menu = QtWidgets.QMenu(window)
    if cut is not None:
        for kind, icon_name, text, _tip in palette_items():  # the palette's entries, in its order
            menu.addAction(icon(icon_name), text + ("…" if kind == "generative" else ""),
                           lambda kind=kind: window.request_transition(kind, *cut))
        menu.addSeparator()
    if clip_id is not None:
        clip = window.project.info().clip(clip_id)
        text = "Animate image…" if clip.kind == "image" else "Extend clip…"
        menu.addAction(icon("generate"), text, lambda: window.request_extend_or_animate(clip_id))
        if clip.generative is None and clip.media_path in {m.target_url for m in window.project.offline_media()}:
            menu.addAction(window.actions_by_key["relink"])
        menu.addSeparator()
        for key in ("split", "delete", "ripple_delete", "copy", "cut"):
            menu.addAction(window.actions_by_key[key])
    return menu


def show_shortcuts(window) -> None:
    rows = [(a.text().replace("&", ""), ", ".join(s.toString() for s in a.shortcuts()))
            for a in window.actions_by_key.values() if a.shortcuts()]
    text = "\n".join(f"{keys:<22} {name}" for name, keys in rows)
    box = QtWidgets.QMessageBox(window)
    box.setWindowTitle("Keyboard shortcuts")
    box.setText("<pre>" + text + "</pre>")
    box.open()


def open_dialog(window, name: str) -> None:
    from seine_editor.widgets import dialogs

    dialogs.open_dialog(window, name)
