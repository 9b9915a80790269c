"""Project: the timeline document + its undo stack + settings + files (project, backups, recovery, cache).

Views call the intent methods: one per edit declared on the document, of the same name and arguments
(`split_clip`, `move_clips`, `set_speed`, ...), and the project's own (`add_clip`, `add_clips`, `relink`, ...). Each
builds one command from `commands.py`, applies it (the document validates: a refused edit raises `PlacementError`
and pushes nothing) and pushes it. Related edits become one undo step with `with project.macro("Move 3 clips"):`.
Files: `Project.new()`, `Project.open(path)` (a failed open raises and leaves every other project as it
was), `save()`, `save_as()`. Unsaved edits are autosaved to `name.otio.recovery` every 60 s and after 25 edits, each
time at the next pause in editing.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Iterator, Optional

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from seine_editor.errors import ProjectFileError, SettingsError
from seine_editor.media import cache as cache_files
from seine_editor.project import recovery
from seine_editor.project.commands import EditCommand, MacroCommand, undo_history
from seine_editor.project.intents import IntentsMixin
from seine_editor.timeline import media_folders, media_paths, otio_io
from seine_editor.timeline.document import TimelineDocument

AUTOSAVE_INTERVAL_MS = 60_000
AUTOSAVE_EVERY_EDITS = 25  # then written at the next pause in editing ...
AUTOSAVE_PAUSE_MS = 1_500  # ... this long after the last edit: a run of edits is never held up by a write
AUTOSAVE_AT_MOST_EDITS = 100  # written at once however fast the edits come, so little is ever lost
CACHE_DIR = "cache"
LEFT_BEHIND = ("proxies",)  # cache subfolders a saved project's Save As does not copy: remade on demand


class Project(IntentsMixin, QObject):
    changed = Signal(object)  # the document changed (edit, undo or redo): its DocumentChange
    clean_changed = Signal(bool)  # True when everything is saved
    offline_media_changed = Signal(list)  # [OfflineMedia] after open, relink and edits
    path_changed = Signal(str)
    autosaved = Signal(str)  # the recovery file written
    autosave_failed = Signal(str)  # why the recovery file cannot be written: once per failing spell, not per edit

    def __init__(self, document: Optional[TimelineDocument] = None, path: Optional[Path] = None,
                 notes: tuple[str, ...] = (), parent: Optional[QObject] = None):
        super().__init__(parent)
        self.document = document or TimelineDocument()
        self.path = Path(path) if path else None
        self.notes = notes  # what opening decided for the user ("EDL read at 24 fps", ...)
        self.undo_stack = QUndoStack(self)
        self._open_macro: Optional[list[EditCommand]] = None
        self._edits_since_autosave = 0
        self.autosave_problem: Optional[str] = None  # set while autosave fails; retried on the timer and edits
        self._scratch: Optional[tempfile.TemporaryDirectory] = None
        self._moved_caches: dict[Path, Path] = {}  # scratch cache -> project cache, after Save As
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(AUTOSAVE_INTERVAL_MS)
        self._autosave_timer.timeout.connect(self._on_autosave_tick)
        if QCoreApplication.instance() is not None:  # a script has no event loop to run it
            self._autosave_timer.start()
        self._last_edit = 0.0  # time.monotonic() of the last edit
        self._pause_timer = QTimer(self)  # restarted by each edit once AUTOSAVE_EVERY_EDITS are unsaved
        self._pause_timer.setSingleShot(True)
        self._pause_timer.setInterval(AUTOSAVE_PAUSE_MS)
        self._pause_timer.timeout.connect(self.autosave)
        self.undo_stack.cleanChanged.connect(self.clean_changed)
        self.undo_stack.indexChanged.connect(self._on_undo_stack_index_changed)
        self.document.changed.connect(self._on_document_changed)
        self._generation = None  # generation hook: see the `generation` property

    # ---- files ---------------------------------------------------------------------------------------------

    @classmethod
    def new(cls, settings: Optional[otio_io.TimelineSettings] = None) -> "Project":
        settings = settings or otio_io.TimelineSettings()
        otio_io.check_settings(settings)
        document = TimelineDocument(rate=settings.fps)
        otio_io.write_settings(document.timeline, settings)
        return cls(document)

    @classmethod
    def open(cls, path: os.PathLike | str, rate=None, recovery_choice: str = "ask") -> "Project":
        """Open a project or interchange file. recovery_choice: "ask" raises `RecoveryAvailable` when an
        autosave newer than the file exists; "use" opens that autosave (unsaved); "ignore" opens the file."""
        if recovery_choice not in recovery.RECOVERY_CHOICES:
            raise ValueError(f"recovery_choice {recovery_choice!r} is not one of {recovery.RECOVERY_CHOICES}")
        path = Path(path).absolute()
        found = recovery.recovery_available(path) if path.suffix.lower() == ".otio" else None
        if found and recovery_choice == "ask":
            raise recovery.RecoveryAvailable(path, found)
        use_recovery = bool(found) and recovery_choice == "use"
        opened = otio_io.read_timeline(found if use_recovery else path, rate=rate)
        try:
            document = TimelineDocument(opened.timeline)
        except Exception as exc:  # the document refuses timelines it cannot hold; say so as a file error
            raise ProjectFileError(path, f"cannot be edited: {exc}") from None
        is_project = opened.format == "otio_json"
        project = cls(document, path if is_project else None, opened.notes)
        if use_recovery or not is_project:
            project._mark_unsaved()
        return project

    @staticmethod
    def recovery_available(path: os.PathLike | str) -> Optional[Path]:
        return recovery.recovery_available(Path(path).absolute())

    def save(self) -> None:
        if self.path is None:
            raise ProjectFileError("(untitled)", "the project has no file yet: choose one with Save As")
        self._write(self.path)

    def save_as(self, path: os.PathLike | str) -> None:
        """Write the project to `path`. Its generated media goes along: the cache of an untitled project (a scratch
        folder that `close` deletes) or of the project's old folder is copied to `<new folder>/cache/` first (proxies
        left behind: they are remade on demand) and the timeline and its undo history point there from then on."""
        path = Path(path).absolute()
        old_path = self.path
        moved = None
        if old_path is None and self._scratch is not None:
            moved = self._bring_cache(Path(self._scratch.name) / CACHE_DIR, path)
        elif old_path is not None and old_path.parent != path.parent:
            moved = self._bring_cache(old_path.parent / CACHE_DIR, path, leave=LEFT_BEHIND)
        old_name = self.document.follow_file_name(path.stem, old_path.stem if old_path else None)
        try:
            self._write(path)
        except ProjectFileError:
            if old_name is not None:
                self.document.follow_file_name(old_name, path.stem)
            if moved is not None:  # not saved there: keep using the cache the project came with
                self.document.rebase_media(moved[1], moved[0], undo_history(self.undo_stack))
                self._moved_caches.pop(moved[0], None)
            raise
        if old_path != path:
            self.path = path
            self.path_changed.emit(str(path))
            if old_path is not None:
                recovery.discard_recovery(old_path)

    def _write(self, path: Path) -> None:
        otio_io.save_timeline(self.document.timeline, path)
        recovery.discard_recovery(path)
        self._edits_since_autosave = 0
        self.undo_stack.setClean()

    def _bring_cache(self, old: Path, path: Path, leave: tuple[str, ...] = ()) -> Optional[tuple[Path, Path]]:
        """Copy the cache folder `old` (but its `leave` subfolders) beside `path` and rebase the timeline onto it;
        returns (old, new), or None when there is no cache to bring."""
        if not old.is_dir():
            return None
        new = path.parent / CACHE_DIR
        try:
            cache_files.copy_tree(old, new, leave)
        except OSError as exc:
            raise ProjectFileError(path, f"cannot copy the generated media to {new}: {exc}") from None
        self.document.rebase_media(old, new, undo_history(self.undo_stack))
        self._moved_caches[old] = new
        return old, new

    def adopt_path(self, path: os.PathLike | str) -> str:
        """Where a file a job wrote belongs now: a file in a cache the project has left (an untitled project saved
        meanwhile) is copied to the project's cache, and its new path returned; other paths are unchanged."""
        for old, new in self._moved_caches.items():
            moved = media_folders.rebased(str(path), old, new)
            if moved != str(path):
                cache_files.copy_entry(path, moved)
                return moved
        return str(path)

    def autosave(self) -> Optional[Path]:
        """Write the recovery file if there are unsaved edits; returns its path, or None when there was nothing
        to write or it could not be written (a full or read-only disk). A failure never raises into the edit
        that triggered it: it is said once (`autosave_failed`) and retried on the next tick or run of edits."""
        if self.is_clean() or self.path is None:
            return None
        target = recovery.recovery_path(self.path)
        self._edits_since_autosave = 0
        self._pause_timer.stop()
        try:
            text = otio_io.timeline_to_json(self.document.timeline, self.path)
            otio_io.write_atomically(target, text.encode("utf-8"), backups=0)
        except ProjectFileError as error:
            problem = f"autosave failed: {error}; your edits are safe in memory until you save elsewhere"
            if problem != self.autosave_problem:
                self.autosave_problem = problem
                self.autosave_failed.emit(problem)
            return None
        self.autosave_problem = None
        self.autosaved.emit(str(target))
        return target

    def close(self, discard_recovery: bool = False) -> None:
        """Stop autosaving; `discard_recovery` when the user chose not to keep unsaved edits."""
        self._autosave_timer.stop()
        self._pause_timer.stop()
        if self._generation is not None:  # generation hook: cancel and join running jobs
            self._generation.shutdown()
        if discard_recovery and self.path is not None:
            recovery.discard_recovery(self.path)
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    @property
    def generation(self):
        """Generative items: intents, job state and engine settings (`project/generation.py`), made on first use."""
        if self._generation is None:
            from seine_editor.project.generation import GenerationController

            self._generation = GenerationController(self, settings=machine_engine_settings(), parent=self)
        return self._generation

    def is_clean(self) -> bool:
        return self.undo_stack.isClean()

    def _mark_unsaved(self) -> None:
        """Content that is not in the project file (a recovered autosave, an import): unclean, no undo step."""
        self.undo_stack.resetClean()

    def _report_offline(self) -> None:
        self.offline_media_changed.emit(self.offline_media())

    @property
    def folder(self) -> Path:
        """Where the project keeps its files: the project file's folder, or a scratch folder until saved."""
        if self.path is not None:
            return self.path.parent
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="seine-project-")
        return Path(self._scratch.name)

    @property
    def cache_dir(self) -> Path:
        """Generated media, thumbnails and proxies: `<folder>/cache/`, created on first use."""
        cache = self.folder / CACHE_DIR
        cache.mkdir(parents=True, exist_ok=True)
        return cache

    @property
    def settings(self) -> otio_io.TimelineSettings:
        return otio_io.read_settings(self.document.timeline)

    def info(self):
        """The frozen `TimelineInfo` of the timeline now: what views read."""
        return self.document.info()

    def render_snapshot(self):
        """The frozen `RenderSnapshot` of the timeline now, for the viewer, render and export (any thread)."""
        return self.document.render_snapshot()

    def interchange_spec(self, path: os.PathLike | str, media_folder: Optional[os.PathLike | str] = None):
        """The plain job spec of an interchange export of the timeline as it is now (a private copy)."""
        from seine_editor.jobs.interchange import InterchangeSpec
        from seine_editor.timeline.interchange import adapter_for

        path = Path(path).absolute()
        adapter_for(path)  # ExportError naming the file and the allowed suffixes, before any work
        settings = self.settings
        return InterchangeSpec(self.document.timeline.deepcopy(), self.render_snapshot(), path, settings.fps,
                               (settings.width, settings.height), self.generation.placeholder_provider(),
                               Path(media_folder) if media_folder else None)

    def export_interchange(self, path: os.PathLike | str, *, media_folder: Optional[os.PathLike | str] = None,
                           background: bool = True):
        """Write the timeline for another editor (.otio, .otioz, .edl, .xml, .fcpxml, ...), generative items baked
        into movies. In the background (a CPU-lane job of the project's runner) it returns the job id; otherwise
        it runs here and returns the `InterchangeResult`."""
        from seine_editor.jobs.context import HeadlessContext
        from seine_editor.jobs.interchange import export_interchange

        spec = self.interchange_spec(path, media_folder)
        if not background:
            return export_interchange(spec, HeadlessContext())
        return self.generation.runner.submit(export_interchange, spec, lane="cpu", title=f"Export {spec.path.name}").id

    def offline_media(self) -> list[media_paths.OfflineMedia]:
        return media_paths.offline_media(self.document.timeline)

    # ---- pushing edits -------------------------------------------------------------------------------------

    def push(self, command: EditCommand) -> tuple[str, ...]:
        """Apply `command` (raises and pushes nothing if the document refuses it), then push it."""
        if self._open_macro is not None:
            command.apply()
            self._open_macro.append(command)
            return command.created_ids
        command.apply()
        self.undo_stack.push(command)
        return command.created_ids

    @contextlib.contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Edits inside the block become one undo step; if one is refused, the earlier ones are undone."""
        if self._open_macro is not None:
            yield
            return
        self._open_macro = []
        try:
            with self.document.batch():  # the window updates once
                try:
                    yield
                except BaseException:
                    for command in reversed(self._open_macro):
                        command.undo()
                    raise
        finally:
            applied, self._open_macro = self._open_macro, None
        if applied:
            self.undo_stack.push(MacroCommand(text, applied))

    # ---- slots ---------------------------------------------------------------------------------------------

    def _on_document_changed(self, change) -> None:
        self.changed.emit(change)

    def _on_autosave_tick(self) -> None:
        """The minute's autosave, put off to the next pause when the person is editing right now."""
        if time.monotonic() - self._last_edit < AUTOSAVE_PAUSE_MS / 1000:
            self._pause_timer.start()
        else:
            self.autosave()

    def _on_undo_stack_index_changed(self, _index: int) -> None:
        """Writing a long timeline takes a fraction of a second (about 0.3 s at 1,000 clips a track): it waits for
        a pause rather than freezing the edit that happened to be the 25th."""
        self._edits_since_autosave += 1
        self._last_edit = time.monotonic()
        if self._edits_since_autosave >= AUTOSAVE_AT_MOST_EDITS:
            self.autosave()
        elif self._edits_since_autosave >= AUTOSAVE_EVERY_EDITS and QCoreApplication.instance() is not None:
            self._pause_timer.start()  # without an event loop (a script) no pause is waited for


def machine_engine_settings():
    """The engine settings this computer keeps for projects that keep none (the defaults when its preferences
    cannot be read: the window says why when it starts)."""
    from seine_editor.project.preferences import Preferences, load_preferences

    try:
        return load_preferences().engine_settings()
    except SettingsError:
        return Preferences().engine_settings()
