"""The editor window: docks, menus, toolbar and shortcuts wired to the Project. No editing logic lives here."""
from __future__ import annotations

import gc
import os
import threading
from pathlib import Path
from typing import Callable, Optional

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.widgets.resources import icon
from seine_editor.errors import SeineEditorError
from seine_editor.project.preferences import Preferences, load_preferences, save_preferences
from seine_editor.project.project import Project
from seine_editor.project.recovery import RecoveryAvailable
from seine_editor.timeline.settings import format_of_media, rate_label
from seine_editor.timeline.snapshot import changed_frames
from seine_editor.widgets import edit_bridge, menus
from seine_editor.widgets.generative_popover import GenerativePopover
from seine_editor.widgets.job_panel import JobPanel
from seine_editor.widgets.media_bin import MediaBinPanel
from seine_editor.widgets.media_tasks import MediaTasks
from seine_editor.widgets.offer_bar import OfferBar
from seine_editor.widgets.proxy_tasks import ProxyTasks
from seine_editor.widgets.source_viewer import SourceViewer
from seine_editor.widgets.timeline_panel import TimelinePanel
from seine_editor.widgets.viewer import ViewerPanel

PROJECT_FILTER = ("Projects and timelines (*.otio *.otioz *.edl *.xml *.fcpxml);;OpenTimelineIO (*.otio *.otioz);;"
                  "CMX 3600 EDL (*.edl);;Final Cut Pro XML (*.xml *.fcpxml);;All files (*)")
RECENT_KEPT = 10
CLIP_PROPERTY_EDITS = {"name": lambda p, clip, v: p.rename_clip(clip, v),
                       "enabled": lambda p, clip, v: p.set_clip_enabled(clip, v),
                       "fit_mode": lambda p, clip, v: p.set_fit_mode(clip, v),
                       "opacity": lambda p, clip, v: p.set_opacity(clip, v),
                       "gain_db": lambda p, clip, v: p.set_gain(clip, v),
                       "speed": lambda p, clip, v: p.set_speed(clip, v)}
PREVIEW_MAX = (960, 540)


def preview_size(width: int, height: int) -> tuple[int, int]:
    """The project frame scaled to fit PREVIEW_MAX (even sizes, aspect kept): what the viewer composites."""
    scale = min(1.0, PREVIEW_MAX[0] / width, PREVIEW_MAX[1] / height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


class MainWindow(QtWidgets.QMainWindow):
    project_changed = QtCore.Signal(object)

    def __init__(self, settings_scope: Optional[str] = None, interactive: bool = True, session_engine=None):
        super().__init__()
        self.session_engine = session_engine  # engine settings from the command line: every project, this session
        self.settings = QtCore.QSettings(settings_scope, QtCore.QSettings.IniFormat) if settings_scope \
            else QtCore.QSettings()
        self.interactive = interactive  # False in tests and screenshots: never open a modal dialog
        self.ask_on_generate = interactive  # generative drops and actions ask for a prompt first
        self.project: Optional[Project] = None
        self.undo_group = QtGui.QUndoGroup(self)
        self.tasks = MediaTasks(self)
        self.source_watcher = QtCore.QFileSystemWatcher(self)  # the files generated items were made from
        self.source_watcher.fileChanged.connect(self._on_source_file_changed)
        self.proxies = ProxyTasks(self)
        self.clipboard: list = []
        self.setWindowIcon(icon("app"))
        self.resize(1440, 900)
        self.setDockNestingEnabled(True)
        self._build_panels()
        self.actions_ = menus.build(self)
        self.statusBar().showMessage("Ready")
        self.preferences = self._load_preferences()
        self._restore_layout()
        self.set_project(Project.new())

    # panels -----------------------------------------------------------------------------------------------
    def _build_panels(self) -> None:
        self.bin = MediaBinPanel(self.tasks, self.proxies)
        self.viewer = ViewerPanel()
        self.viewer_compositors = ViewerCompositors()
        self.source_viewer = SourceViewer(ViewerCompositors())
        self._viewer_snapshot = None  # the render snapshot the viewer shows
        self.timeline = TimelinePanel(self.tasks)
        self.jobs = JobPanel()
        from seine_editor.widgets.inspector import InspectorPanel

        from seine_editor.widgets.transitions_palette import TransitionsPalette

        self.inspector = InspectorPanel()
        self._inspected_transition = None  # the dissolve the inspector's form holds, as it was loaded
        self.palette = TransitionsPalette()
        self.popover = GenerativePopover(self)
        self.offer_bar = OfferBar()
        central = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.offer_bar)
        # the program monitor (the timeline) and the source monitor (one file), tabbed as in Kdenlive
        self.monitors = QtWidgets.QTabWidget(documentMode=True, tabPosition=QtWidgets.QTabWidget.South)
        self.monitors.addTab(self.viewer, "Timeline")
        self.monitors.addTab(self.source_viewer, "Source")
        column.addWidget(self.monitors, 1)
        self.setCentralWidget(central)
        self.docks = {}
        for key, title, widget, area in (("bin", "Media", self.bin, QtCore.Qt.LeftDockWidgetArea),
                                         ("inspector", "Inspector", self.inspector, QtCore.Qt.RightDockWidgetArea),
                                         ("timeline", "Timeline", self.timeline, QtCore.Qt.BottomDockWidgetArea),
                                         ("jobs", "Jobs", self.jobs, QtCore.Qt.RightDockWidgetArea),
                                         ("palette", "Transitions", self.palette, QtCore.Qt.LeftDockWidgetArea)):
            dock = QtWidgets.QDockWidget(title, self, objectName=f"dock_{key}")
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[key] = dock
        self.tabifyDockWidget(self.docks["inspector"], self.docks["jobs"])
        self.tabifyDockWidget(self.docks["bin"], self.docks["palette"])
        self.docks["bin"].raise_()
        self.docks["inspector"].raise_()
        self.resizeDocks([self.docks["timeline"]], [360], QtCore.Qt.Vertical)
        self.resizeDocks([self.docks["bin"], self.docks["inspector"]], [300, 320], QtCore.Qt.Horizontal)
        self.tasks.updated.connect(self._on_tasks_updated)
        self.proxies.finished.connect(lambda _path, _proxy: self._refresh_viewer())
        view = self.timeline.view
        view.seek_requested.connect(self.viewer.seek)
        view.edit_requested.connect(self._on_view_edit_requested)
        view.media_dropped.connect(self._on_view_media_dropped)
        view.dropped_length = self._dropped_length
        view.transition_dropped.connect(self.request_transition)
        view.selection_changed.connect(self._on_view_selection_changed)
        view.marker_move_requested.connect(lambda marker, frame: self.run_edit(lambda p: p.move_marker(marker, frame)))
        view.marker_rename_requested.connect(
            lambda marker, name: self.run_edit(lambda p: p.rename_marker(marker, name)))
        view.context_menu_requested.connect(lambda clip, cut, pos: menus.clip_context_menu(self, clip, cut, pos))
        self.timeline.track_flag_toggled.connect(
            lambda track, flag, on: self.run_edit(lambda p: p.set_track_flags(track, **{flag: on})))
        self.timeline.track_add_requested.connect(lambda kind: self.run_edit(lambda p: p.add_track(kind)))
        self.timeline.track_remove_requested.connect(lambda track: self.run_edit(lambda p: p.remove_track(track)))
        self.viewer.position_changed.connect(view.set_playhead)
        self.viewer.note.connect(lambda text: self.statusBar().showMessage(text, 8000))
        form = self.inspector.form
        form.generate_requested.connect(
            lambda item, params: self.run_edit(lambda p: p.generation.regenerate(item, **params)))
        form.cancel_requested.connect(lambda item: self.project.generation.cancel(item))
        form.reshape_requested.connect(
            lambda item, frames, mode: self.run_edit(lambda p: p.set_generative_geometry(item, frames, mode or None)))
        self.inspector.properties.changed.connect(
            lambda clip, key, value: self.run_edit(lambda p: CLIP_PROPERTY_EDITS[key](p, clip, value)))
        self.inspector.dissolve.changed.connect(
            lambda transition, before, after: self.run_edit(lambda p: p.set_dissolve(transition, before, after)))
        view.transition_selected.connect(self._on_view_transition_selected)
        form.take_chosen.connect(lambda item, key: self.run_edit(lambda p: p.generation.select_take(item, key)))
        form.fallback_requested.connect(lambda item: self.run_edit(lambda p: p.generation.use_fallback(item)))
        form.engine_settings_requested.connect(lambda: menus.open_dialog(self, "settings"))
        form.sound_switched.connect(
            lambda item, on: self.run_edit(lambda p: p.generation.set_generated_sound(item, on)))
        self.bin.add_to_timeline_requested.connect(
            lambda paths: self._on_view_media_dropped(paths, None, self.viewer.position))
        self.bin.animate_requested.connect(self._animate_from_bin)
        self.bin.source_requested.connect(self.show_source)
        self.source_viewer.place_requested.connect(self._place_from_source)
        view.seek_requested.connect(lambda _frame: self.monitors.setCurrentWidget(self.viewer))

    def _on_tasks_updated(self, path: str) -> None:
        self.timeline.view.picture_ready(path)

    # project ----------------------------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        old = self.project
        if old is not None:
            old.changed.disconnect(self._on_project_changed)
            old.clean_changed.disconnect(self._refresh_title)
            old.path_changed.disconnect(self._on_project_path_changed)
            old.autosave_failed.disconnect(self._on_autosave_failed)
            old.autosaved.disconnect(self._on_autosaved)
            old.generation.shutdown()
            self.undo_group.removeStack(old.undo_stack)
            old.close()
        self.project = project
        self.undo_group.addStack(project.undo_stack)
        self.undo_group.setActiveStack(project.undo_stack)
        project.changed.connect(self._on_project_changed)
        project.clean_changed.connect(self._refresh_title)
        project.path_changed.connect(self._on_project_path_changed)
        project.autosave_failed.connect(self._on_autosave_failed)
        project.autosaved.connect(self._on_autosaved)
        project.generation.item_state_changed.connect(self._on_generation_item_state_changed)
        if self.session_engine is not None:
            project.generation.set_engine_settings(self.session_engine, persist=False)
        self._watch_sources()
        self.jobs.connect_runner(project.generation.runner)
        self.tasks.cache_dir = project.cache_dir
        self.viewer.seek(0)
        self._viewer_snapshot = None  # another project: no cached frame holds
        self._on_project_changed()
        self.timeline.view.fit_until_zoomed()
        self._refresh_title()
        self.bin.clear()  # a bin per project: its own media, never what the last project held
        self.bin.import_paths(sorted({c.media_path for c in project.info().clips()
                                      if c.media_path and c.generative is None and Path(c.media_path).exists()}))
        self.project_changed.emit(project)
        if _is_long(project):
            _settle_heap()

    def _on_project_changed(self, change=None) -> None:
        """The timeline redrawn after an edit. `set_timeline` announces the kept selection again, which reloads
        the inspector only where the selected item or its values changed (a form being typed in stays up)."""
        self.timeline.set_timeline(self.project.info())
        self._refresh_viewer(after_edit=True)
        self.timeline.view.set_playhead(self.viewer.position, follow=False)
        self._watch_sources()  # a new take, or an undo back to an old one
        if _is_long(self.project):  # what the edit made lives on too: the next edit's collections skip it
            gc.freeze()

    def _refresh_viewer(self, after_edit: bool = False) -> None:
        """The viewer on the timeline as it is now: after an edit (cached frames outside what it changed are
        kept), or anew (a new project, a proxy that makes preview cheaper)."""
        info = self.project.info()
        settings = self.project.settings
        snapshot, cache = self.project.render_snapshot(), self.project.cache_dir
        changed = changed_frames(self._viewer_snapshot, snapshot) if after_edit else None
        self._viewer_snapshot = snapshot
        size = preview_size(settings.width, settings.height)
        self.viewer.set_timeline(self.viewer_compositors.factory(snapshot, size, cache), duration=info.duration_frames,
                                 rate=info.rate, size=(settings.width, settings.height),
                                 audio=lambda: _audio_mixer(snapshot, settings.audio_rate),
                                 audio_rate=settings.audio_rate, changed=changed)

    def _on_generation_item_state_changed(self, item_id: str) -> None:
        state, progress = edit_bridge.job_badge(self.project, item_id)
        self.timeline.view.set_job_state(item_id, state, progress)
        if self.timeline.view.selected_clip_ids() == [item_id]:
            self._on_view_selection_changed([item_id])  # the inspector says what changed
        generation = self.project.generation
        reason = generation.item_state(item_id).reason
        if state == "failed" and reason:
            self.show_error(reason)
        missing = generation.engine_missing(item_id)
        if missing:
            self.jobs.show_refusal(f"setup:{item_id}", generation.job_title(item_id), missing)
        else:
            self.jobs.drop_refusal(f"setup:{item_id}")

    def _watch_sources(self) -> None:
        """Watch the files the project's generated items were made from, and judge them again (on open, after each
        edit, and when one changes on disk). The watcher belongs to the window, so it lives and dies on the UI
        thread with it."""
        wanted = {path for path in self.project.generation.source_files() if os.path.exists(path)}
        watched = set(self.source_watcher.files())
        if watched - wanted:
            self.source_watcher.removePaths(sorted(watched - wanted))
        if wanted - watched:
            self.source_watcher.addPaths(sorted(wanted - watched))
        self.project.generation.check_sources()

    def _on_source_file_changed(self, _path: str) -> None:
        self._watch_sources()  # a file replaced by renaming over it is watched again under its name

    def _on_project_path_changed(self, _path: str) -> None:
        """Saved into another folder: thumbnails, indexes and proxies go to its cache from now on."""
        self.tasks.cache_dir = self.project.cache_dir
        self._refresh_viewer()
        self._refresh_title()

    def _refresh_title(self, *_args) -> None:
        name = self.project.path.name if self.project and self.project.path else "Untitled"
        dirty = "" if self.project is None or self.project.is_clean() else " •"
        self.setWindowTitle(f"{name}{dirty} — Seine Editor")

    def run_edit(self, fn: Callable, *args) -> bool:
        """Call an edit on the project; a refusal becomes a status line and changes nothing."""
        try:
            fn(self.project, *args)
        except SeineEditorError as error:
            self.show_error(str(error))
            return False
        return True

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(f"⚠ {text}", 10000)

    def _on_autosave_failed(self, problem: str) -> None:
        self.statusBar().showMessage(f"⚠ {problem[0].upper()}{problem[1:]}")  # stays until autosave works again

    def _on_autosaved(self, _path: str) -> None:
        if self.statusBar().currentMessage().startswith("⚠ Autosave failed"):
            self.statusBar().showMessage("Autosave works again", 8000)

    def _on_view_media_dropped(self, paths: list, track_id, frame: int) -> None:
        self.bin.import_paths(paths)
        paths = [str(Path(p).resolve()) for p in paths]
        infos = {p: self.bin.info(p) for p in paths if self.bin.info(p) is not None}
        still_frames = self.preferences.still_frames(self.project.info().rate)
        was_empty = not self.project.info().clips()
        if self.run_edit(edit_bridge.add_media, paths, track_id, frame, infos, still_frames) and was_empty:
            self._offer_format_of(self.project.info().clips()[0])

    def _generate(self, kind: str, frames: int, edit: Callable, fixed_length: bool = False) -> None:
        """A generative edit, ``edit(project, params, length, mode)``: after the popover (Enter; Esc does nothing)
        when asking, else at once with the defaults (None)."""
        if not self.ask_on_generate:
            self.run_edit(lambda p: edit(p, None, None, None))
            return
        self.popover.ask(kind, QtGui.QCursor.pos(), frames, lambda params, length, mode: self.run_edit(
            lambda p: edit(p, params, length, mode)), fixed_length)

    def _on_view_edit_requested(self, intent) -> None:
        """A drag's edit; a generative extension by the Extend tool asks for its prompt first."""
        if intent.kind != "extend" or intent.edge != "tail":
            self.run_edit(edit_bridge.apply_intent, intent)
            return
        clip_id, frames = intent.clip_ids[0], abs(intent.delta_frames)
        self._generate("extend", frames, lambda p, params, length, _mode: edit_bridge.extend_by_drag(
            p, clip_id, "tail", length or frames, params))

    def request_transition(self, kind: str, left_id: str, right_id: str) -> None:
        """A transition on the cut between two clips: a dissolve at once; a generative one after its prompt."""
        if kind == "dissolve":
            self.run_edit(edit_bridge.add_transition, kind, left_id, right_id)
            return
        self._generate("transition", self.project.generation.default_duration(),
                       lambda p, params, length, mode: edit_bridge.add_transition(
                           p, kind, left_id, right_id, params=params, mode=mode or "bridge", duration=length))

    def request_extend_or_animate(self, clip_id: str) -> None:
        """"Extend clip…" / "Animate image…", after its prompt."""
        clip = self.project.info().clip(clip_id)
        still = clip.kind == "image"
        self._generate("animate" if still else "extend",
                       clip.duration_frames if still else self.project.generation.default_duration(),
                       lambda p, params, length, _mode: edit_bridge.extend_or_animate(p, clip_id, params, length),
                       fixed_length=still)

    def show_source(self, path: str) -> None:
        """A bin item in the source viewer, at the project's rate and size, its tab brought forward."""
        media = self.bin.info(path)
        if media is None:
            self.show_error(self.bin.error(path) or f"{Path(path).name} is still being read")
            return
        settings = self.project.settings
        self.source_viewer.show_media(media, settings.fps, (settings.width, settings.height),
                                      preview_size(settings.width, settings.height), settings.audio_rate,
                                      self.preferences.still_frames(settings.fps), self.project.cache_dir)
        self.monitors.setCurrentWidget(self.source_viewer)

    def _place_from_source(self, media, start: int, duration: int, mode: str) -> None:
        """The source viewer's marked part at the timeline's playhead; the timeline's monitor shows the result."""
        if self.run_edit(edit_bridge.place_marked, media, self.viewer.position, start, duration, mode):
            self.monitors.setCurrentWidget(self.viewer)

    def _dropped_length(self, paths: list) -> Optional[int]:
        """Frames media dragged from the bin will take once dropped (None while one is not probed yet)."""
        infos = [self.bin.info(p) for p in paths]
        if not infos or None in infos:
            return None
        rate = self.project.info().rate
        still_frames = self.preferences.still_frames(rate)
        return sum(edit_bridge.dropped_frames(info, rate, still_frames) for info in infos)

    def _animate_from_bin(self, path: str) -> None:
        """A still from the bin placed at the playhead and animated, as one undo step, after its prompt (Esc places
        nothing)."""
        still_frames = self.preferences.still_frames(self.project.info().rate)
        frame = self.viewer.position

        def animate(project, params, _length, _mode) -> None:
            with project.macro(f"Animate '{Path(path).name}'"):
                ids = edit_bridge.add_media(project, [path], None, frame, {path: self.bin.info(path)}, still_frames)
                edit_bridge.extend_or_animate(project, ids[0], params)
        self._generate("animate", still_frames, animate, fixed_length=True)

    def _offer_format_of(self, clip) -> None:
        """The first clip of an empty project offers its frame size and rate when they differ from the project's
        (one undo step when taken; the clip keeps its length in time)."""
        from seine_editor.media.probe import probe

        if not clip.media_path:
            return
        try:  # probed already, by the bin or by the drop
            media = self.bin.info(clip.media_path) or probe(clip.media_path)
        except SeineEditorError:
            return
        if media.kind != "video" or not media.fps:
            return
        current = self.project.settings
        proposed = format_of_media(media.width, media.height, media.fps, current)
        if proposed == current:
            return
        said = lambda s: f"{s.width}×{s.height} at {rate_label(s.fps)} fps"
        self.offer_bar.offer(f"{Path(media.path).name} is {said(proposed)}; the project is {said(current)}.",
                             f"Use {said(proposed)}", lambda: self.run_edit(lambda p: p.set_settings(
                                 **{k: v for k, v in proposed.to_fields().items() if getattr(current, k) != v})))

    def _on_view_selection_changed(self, clip_ids: list) -> None:
        if not clip_ids and self.timeline.view.selected_transition() is not None:
            return  # a dissolve on its own: transition_selected shows it (hiding its form here took the focus)
        self._inspected_transition = None
        info = self.project.info() if self.project else None
        clips = [info.clip(i) for i in clip_ids] if info else []
        generation = self.project.generation
        self.inspector.show_clips(clips, info.rate if info else None, generation.stale_reason,
                                  generation.engine_missing)

    def _on_view_transition_selected(self, transition) -> None:
        if transition is not None and transition != self._inspected_transition:
            self._inspected_transition = transition
            self.inspector.show_transition(transition, self.project.info().rate)

    # files ------------------------------------------------------------------------------------------------
    def open_project(self, path: str, recovery_choice: str = "ask") -> bool:
        try:
            project = Project.open(path, recovery_choice=recovery_choice)
        except RecoveryAvailable as found:
            use = self.interactive and QtWidgets.QMessageBox.question(
                self, "Recover unsaved work?",
                f"An autosaved version of {Path(path).name} is newer than the file.\nOpen the autosaved version?"
            ) == QtWidgets.QMessageBox.Yes
            return self.open_project(str(found.path), "use" if use else "ignore")
        except SeineEditorError as error:
            self.show_error(str(error))
            if self.interactive:
                QtWidgets.QMessageBox.warning(self, "Cannot open", str(error))
            return False
        if not self.confirm_discard():
            project.close()
            return False
        self.set_project(project)
        self.add_recent(path)
        for note in project.notes:
            self.statusBar().showMessage(note, 8000)
        return True

    def confirm_stop_jobs(self) -> bool:
        """True when no generation is under way, or the person agrees to stop it (its results would be lost)."""
        active = [] if self.project is None else self.project.generation.active_items()
        if not active or not self.interactive:
            return True
        titles = "\n".join(self.project.generation.job_title(item) for item in active)
        answer = QtWidgets.QMessageBox.question(
            self, "Generation under way", f"{len(active)} generative item(s) are being made. Quit and stop them?\n\n"
            f"{titles}", QtWidgets.QMessageBox.Yes | QtWidgets.QMessageBox.Cancel, QtWidgets.QMessageBox.Cancel)
        return answer == QtWidgets.QMessageBox.Yes

    def confirm_discard(self) -> bool:
        """True when the current project may be replaced: saved, or the person chose what to do."""
        if self.project is None or self.project.is_clean() or not self.interactive:
            return True
        answer = QtWidgets.QMessageBox.question(
            self, "Unsaved changes", "Save the changes to the current project first?",
            QtWidgets.QMessageBox.Save | QtWidgets.QMessageBox.Discard | QtWidgets.QMessageBox.Cancel)
        if answer == QtWidgets.QMessageBox.Save:
            return self.save()
        return answer == QtWidgets.QMessageBox.Discard

    def new_project(self) -> None:
        if self.confirm_discard():
            self.set_project(Project.new())

    def open_with_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open project", "", PROJECT_FILTER)
        if path:
            self.open_project(path)

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self.run_edit(lambda p: p.save())

    def save_as(self, path: Optional[str] = None) -> bool:
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save project as", "", "OpenTimelineIO (*.otio)")
            if not path:
                return False
            path = path if path.endswith(".otio") else path + ".otio"
        if self.run_edit(lambda p: p.save_as(path)):
            self.add_recent(path)
            self._refresh_title()
            return True
        return False

    def save_recovery(self) -> Optional[Path]:
        """For the crash guard: an autosave of unsaved edits (None when there is nothing to save)."""
        return self.project.autosave() if self.project is not None else None

    def recent_projects(self) -> list[str]:
        value = self.settings.value("recent_projects", [])
        return [value] if isinstance(value, str) else list(value or [])

    def add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        recent = [path] + [p for p in self.recent_projects() if p != path]
        self.settings.setValue("recent_projects", recent[:RECENT_KEPT])
        menus.refresh_recent(self)

    def _load_preferences(self) -> Preferences:
        """The saved preferences; a file that cannot be used is named in the status bar and the defaults used."""
        try:
            return load_preferences()
        except SeineEditorError as error:
            self.show_error(str(error))
            return Preferences()

    def set_preferences(self, preferences: Preferences) -> None:
        """Keep ``preferences`` for every project on this machine (SettingsError on a refused value)."""
        save_preferences(preferences)
        self.preferences = preferences
        if self.project is not None:
            self.project.generation.machine_settings = preferences.engine_settings()

    # layout and shutdown ----------------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())

    def save_screenshot(self, path) -> bool:
        """Lay out and paint the window once (works offscreen) and save it as a PNG."""
        self.show()
        app = QtWidgets.QApplication.instance()
        deadline = QtCore.QDeadlineTimer(8000)
        waiting = lambda: (self.viewer.duration > 0 and self.viewer.canvas.image() is None) or \
            not self.tasks.wait_idle(0) or not self.proxies.wait_idle(0)
        while not deadline.hasExpired() and waiting():
            app.processEvents(QtCore.QEventLoop.AllEvents, 50)
            self.viewer.source.wait_idle(50)
        QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)  # not run by processEvents
        self.timeline.view.zoom_to_fit()
        app.processEvents()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return self.grab().save(str(path), "PNG")

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self.confirm_stop_jobs() or not self.confirm_discard():
            event.ignore()
            return
        self.save_layout()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        self.source_viewer.shutdown()
        self.viewer.shutdown()
        self.viewer_compositors.close()  # the viewer's worker has stopped: nothing uses it any more
        self.proxies.shutdown()
        self.tasks.shutdown()
        if self.project is not None:
            self.project.generation.shutdown()
            self.project.close()


class ViewerCompositors:
    """The viewer's compositor, one timeline state at a time, on the viewer's worker thread (the only thread that
    renders with it). An edit hands the same compositor the new state, so its decoders stay open; a new size, rate
    or project builds another, closing the one before first: its decoders do not stay open until garbage
    collection finds it."""

    def __init__(self):
        self._lock = threading.Lock()
        self.current = None
        self._cache_dir = None

    def factory(self, snapshot, size: tuple[int, int], cache_dir) -> Callable:
        """What the viewer calls on its worker when it first renders this state."""
        return lambda: self._replace(snapshot, size, cache_dir)

    def close(self) -> None:
        """Close the current compositor: from the worker, or once the worker has stopped."""
        with self._lock:
            previous, self.current = self.current, None
        if previous is not None:
            previous.close()

    def _replace(self, snapshot, size: tuple[int, int], cache_dir):
        """Runs on the viewer's worker thread: the compositor for one timeline state, with the morph preview
        standing in for generative items that have no frames yet."""
        from seine_editor.jobs.preview import MorphPlaceholder
        from seine_editor.render.compositor import Compositor

        with self._lock:
            current = self.current
        if current is not None and (current.size, current.rate, self._cache_dir) == (size, snapshot.rate, cache_dir):
            current.show(snapshot)  # after an edit: the readers it has open stay open
            return current.frame
        self.close()
        compositor = Compositor(snapshot, size=size, placeholder=MorphPlaceholder(), use_proxies=True,
                                cache_dir=cache_dir)
        with self._lock:
            self.current, self._cache_dir = compositor, cache_dir
        return compositor.frame


LONG_TIMELINE_CLIPS = 1000  # from here a full garbage collection is a pause a person notices


def _is_long(project: Project) -> bool:
    return sum(len(t.clips) for t in project.info().tracks) >= LONG_TIMELINE_CLIPS


def _settle_heap() -> None:
    """What a long project opened with lives as long as the window shows it: moved out of the garbage collector's
    way (`gc.freeze`), as is what each edit leaves (`_on_project_changed`), so that a collection walks what the
    edit under way makes, not every clip: at 5,000 clips a track a full one took some 65 ms and a ripple's some
    40 ms, a pause in whichever edit it fell on. Objects freed by their count of references still go at once;
    cycles among them wait for the next project. What the last project left is collected first (a collection of
    its own: some 0.1 s, once per project opened)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _audio_mixer(snapshot, rate: int):
    """Runs on the viewer's audio worker: the sound mix of one timeline state."""
    from seine_editor.render.audio import AudioMixer
    from seine_editor.render.plan import plan_of

    return AudioMixer(plan_of(snapshot), rate=rate)
