"""The project side of generation: drop a generative item (one undoable command), queue its job at once, attach
the finished frames (one more undoable command), keep takes, and say why an item has no frames.

Job state (queued, running, progress, failure reason) lives here, never in the document or the undo stack.
A finished job whose item was deleted meanwhile stays in the cache only; a job whose item was re-requested
(new seed or prompt) meanwhile is dropped the same way. An item whose sources changed after the request is
"stale" (the document derives it); its result is still attached and the item offers regenerate.
"""
from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, replace
from pathlib import PurePath
from typing import Any, Optional

from PySide6.QtCore import QObject, Signal

from engine import registry
from seine_editor.errors import EngineNotReady, PlacementError
from seine_editor.jobs.context import JobFailure, Progress
from seine_editor.jobs.engines import EngineHost, engine_host
from seine_editor.jobs.generate import GenerateResult, GenerateSpec, GenerationParams, SourceFrames, generate
from seine_editor.jobs.preview import MorphPlaceholder
from seine_editor.jobs.qt_worker import QtJobRunner
from seine_editor.jobs.runner import REPLACED
from seine_editor.project import source_changes
from seine_editor.project.engine_settings import EngineSettings
from seine_editor.timeline import generated, meta


@dataclass
class ItemJobState:
    """What the job panel and the timeline badge show for one generative item."""

    state: str = "idle"  # "queued", "running", "done", "failed", "cancelled", "idle"
    job_id: Optional[str] = None
    progress: Optional[Progress] = None
    reason: Optional[str] = None  # why the last job failed (or was never queued), or a note (cached only)
    error_type: Optional[str] = None


NOT_READY = "EngineNotReady"  # ItemJobState.error_type of an item whose engine lacks its weights


@dataclass(frozen=True)
class _Request:
    item_id: str
    fingerprint: str  # the document's request fingerprint when queued


class GenerationController(QObject):
    """Owned by a Project: ``project.generation``. Intent methods push commands through ``project.push``."""

    item_state_changed = Signal(str)  # item id
    result_attached = Signal(str, str)  # item id, take key

    def __init__(self, project: Any, runner: Optional[QtJobRunner] = None,
                 settings: EngineSettings = EngineSettings(), parent: Optional[QObject] = None):
        super().__init__(parent)
        self._project = weakref.ref(project)  # the project owns this controller: no cycle for a worker thread's GC
        self._runner = runner
        self._host: Optional[EngineHost] = None
        self._host_key: Optional[tuple] = None
        self._default_settings = settings  # this computer's, used while the project stores none
        self._session_settings: Optional[EngineSettings] = None  # this session only (the CLI's options)
        self._states: dict[str, ItemJobState] = {}
        self._requests: dict[str, _Request] = {}  # job id -> request
        self._changed_sources: dict[str, str] = {}  # item id -> a source whose content changed since its take
        if runner is not None:
            self._connect(runner)
        project.document.settings_changed.connect(self._on_document_settings_changed)

    @property
    def project(self) -> Any:
        return self._project()

    @property
    def runner(self) -> QtJobRunner:
        """The job runner, started on first use (the CLI generates without one)."""
        if self._runner is None:
            self._runner = QtJobRunner(self)
            self._connect(self._runner)
        return self._runner

    def _connect(self, runner: QtJobRunner) -> None:
        runner.job_started.connect(self._on_runner_job_started)
        runner.job_progress.connect(self._on_runner_job_progress)
        runner.job_finished.connect(self._on_runner_job_finished)
        runner.job_failed.connect(self._on_runner_job_failed)
        runner.job_cancelled.connect(self._on_runner_job_cancelled)

    @property
    def engines(self) -> EngineHost:
        """Where engines run, as the settings say (made on first use, replaced when the place changes)."""
        settings = self.settings
        key = (settings.host, settings.server_url, settings.token_file, settings.worker_idle_s)
        if self._host is None or key != self._host_key:
            if self._host is not None:
                self._host.close()
            self._host = engine_host(settings.host, server_url=settings.server_url, token_file=settings.token_file,
                                     idle_s=settings.worker_idle_s)
            self._host_key = key
        return self._host

    @property
    def document(self):
        return self.project.document

    # ---- settings --------------------------------------------------------------------------------------------

    @property
    def settings(self) -> EngineSettings:
        """The engine settings in force: this session's, else the project's (saved with it), else the default."""
        if self._session_settings is not None:
            return self._session_settings
        stored = self.document.stored_engine_settings()
        return EngineSettings.from_json(stored) if stored else self._default_settings

    @property
    def keeps_own_settings(self) -> bool:
        """The project keeps engine settings of its own (else it follows this computer's)."""
        return self.document.stored_engine_settings() is not None

    @property
    def machine_settings(self) -> EngineSettings:
        """This computer's engine settings (Preferences), in force while the project keeps none."""
        return self._default_settings

    @machine_settings.setter
    def machine_settings(self, settings: EngineSettings) -> None:
        self._default_settings = settings
        self._settings_changed()

    def follow_machine(self) -> None:
        """The project forgets the engine settings it kept (one undo step) and follows this computer's."""
        if self.keeps_own_settings:
            self.project.set_settings(engine={})
        self._settings_changed()

    def _on_document_settings_changed(self) -> None:
        """The frame size may differ from the one takes were made for: every item says its state again."""
        for clip in self._generative_clips():
            self.item_state_changed.emit(meta.item_id(clip))

    def _settings_changed(self) -> None:
        """Engines are loaded anew, and items that waited for their engine's weights are made now they are set."""
        self.engines.clear()
        for item_id in [i for i, state in self._states.items() if state.error_type == NOT_READY]:
            try:
                generative = self._generative(item_id)
            except PlacementError:  # deleted meanwhile
                self._states.pop(item_id, None)
                continue
            if self.settings.missing(generative.params.get("engine")) is None:
                self.generate_item(item_id)

    def set_engine_settings(self, settings: EngineSettings, persist: bool = True) -> None:
        """Validate first (a bad weights folder raises and nothing changes), then use from the next job on:
        kept in the project (one undo step) or, with `persist=False`, for this session only."""
        settings.check()
        if not persist:
            self._session_settings = settings
        elif settings != self.settings or self.document.stored_engine_settings() is None:
            self.project.set_settings(engine=settings.to_json())
        self._settings_changed()

    def placeholder_provider(self) -> MorphPlaceholder:
        """For `Compositor(..., placeholder=...)`: the instant morph preview of items not generated yet."""
        return MorphPlaceholder()

    # ---- intents ---------------------------------------------------------------------------------------------

    def add_generative_transition(self, track_id: str, cut_frame: int, params: Optional[dict] = None,
                                  mode: str = "bridge", duration_frames: Optional[int] = None) -> str:
        """Put a generative transition on the cut at ``cut_frame`` of ``track_id`` ("bridge": inserted, the
        timeline grows; "overlap": over A's tail and B's head) and queue its job. Returns the item id."""
        left = self._clip_ending_at(track_id, cut_frame)
        duration = duration_frames or self.default_duration()
        item_id = self.project.add_generative_transition(left.id, duration, mode, self._params(params))
        self.generate_item(item_id)
        return item_id

    def extend_clip(self, clip_id: str, duration_frames: int, params: Optional[dict] = None) -> str:
        """Insert an extension of ``duration_frames`` after ``clip_id``'s tail and queue its job."""
        item_id = self.project.add_extension(clip_id, duration_frames, self._params(params))
        self.generate_item(item_id)
        return item_id

    def animate_image(self, clip_id: str, params: Optional[dict] = None, frame: Optional[int] = None,
                      duration_frames: Optional[int] = None) -> str:
        """Animate a picture and queue its job. A still-image clip becomes an animation of the same length; for
        a video clip, the frame it shows at timeline ``frame`` (default: its first) is animated into a shot of
        ``duration_frames`` (default two seconds) inserted at that frame. Returns the item id."""
        clip = self.document.info().clip(clip_id)
        if clip.kind == "image":
            item_id = self.project.animate_still(clip_id, self._params(params))
        else:
            at = clip.start_frame if frame is None else frame
            item_id = self.project.animate_frame(clip_id, at, duration_frames or self.default_duration(),
                                                 self._params(params))
        self.generate_item(item_id)
        return item_id

    def regenerate(self, item_id: str, **changes: Any) -> Optional[str]:
        """Re-read the sources as they are now and apply new params (e.g. ``seed=7``, ``prompt="..."``) as one
        undoable edit, then queue a new job; earlier results stay as takes."""
        self.project.refresh_generative_request(item_id, changes)
        try:
            return self.generate_item(item_id)
        except PlacementError:  # e.g. a neighbour was removed: take the refresh back, the item stays as it was
            self.project.undo_stack.undo()
            raise

    def select_take(self, item_id: str, key: str) -> None:
        """Play another take (or "generator": the placeholder) of the item; undoable."""
        self.project.select_take(item_id, key)

    def set_generated_sound(self, item_id: str, on: bool) -> None:
        """Switch the item's generated sound on or off; undoable."""
        self.project.set_generated_sound(item_id, on)

    def generate_item(self, item_id: str) -> Optional[str]:
        """Queue the job of an item as it stands (pending, stale or regenerated); returns the job id. When its
        engine cannot run (no weights), nothing is queued: the item's state says why (`NOT_READY`), None."""
        try:
            spec = self.spec_for(item_id)
        except EngineNotReady as error:
            self._cancel_job(item_id, REPLACED)
            self._set_state(item_id, ItemJobState("failed", None, None, str(error), NOT_READY))
            return None
        self._cancel_job(item_id, REPLACED)
        job = self.runner.submit(functools.partial(generate, engines=self.engines), spec,
                                 title=self.job_title(item_id))
        self._requests[job.id] = _Request(item_id, self._generative(item_id).fingerprint)
        self._set_state(item_id, ItemJobState("queued", job.id))
        return job.id

    def use_fallback(self, item_id: str) -> Optional[str]:
        """"Use morph for now": the item asks for the fallback engine from now on (one undo step) and is made."""
        return self.regenerate(item_id, engine=registry.FALLBACK_ENGINE)

    def cancel(self, item_id: str) -> bool:
        """The person's cancel of the item's job (queued or running)."""
        return self._cancel_job(item_id, "")

    def _cancel_job(self, item_id: str, reason: str) -> bool:
        state = self._states.get(item_id)
        return bool(state and state.job_id and self._runner and self._runner.cancel(state.job_id, reason))

    def job_title(self, item_id: str) -> str:
        """What the job panel calls the item's job: "Transition: A → B", "Extend: A", "Animate: still.png"."""
        generative = self._generative(item_id)
        names = {c.id: c.name for c in self.document.info().clips()}

        def name(role: str) -> str:
            source = next((s for s in generative.sources if s.get("role") == role), {})
            media = source.get("media_path")
            return names.get(source.get("clip_id")) or (PurePath(media).name if media else "?")

        kind = generative.kind.rsplit(".", 1)[-1]
        if kind == "transition":
            return f"Transition: {name('left')} → {name('right')}"
        return f"Extend: {name('left')}" if kind == "extend" else f"Animate: {name('still')}"

    # ---- sources whose content changed ---------------------------------------------------------------------

    def check_sources(self) -> dict[str, str]:
        """Compare each take's recorded boundary frames with its files now (`source_changes`); items whose verdict
        changed announce it (`item_state_changed`). Returns item id -> the changed source."""
        found = source_changes.changed_items(self._generative_clips())
        before, self._changed_sources = self._changed_sources, found
        for item_id in set(before) ^ set(found) | {i for i in found if before.get(i) != found[i]}:
            self.item_state_changed.emit(item_id)
        return found

    def changed_source(self, item_id: str) -> Optional[str]:
        """The source of the item's take whose content changed since it was made (as last checked), or None."""
        return self._changed_sources.get(item_id)

    def canvas_changed(self, item_id: str) -> Optional[tuple[int, int]]:
        """The frame size the item's take was made for, when the project's is another now; None otherwise."""
        return self._canvases_changed().get(item_id)

    def _canvases_changed(self) -> dict[str, tuple[int, int]]:
        """Item id -> the frame size its take was made for, for the items whose size the project no longer has
        (one walk over the timeline, for all of them)."""
        settings = self.project.settings
        made = {meta.item_id(clip): tuple((generated.active_take(clip) or {}).get("canvas") or ())
                for clip in self._generative_clips()}
        return {item: size for item, size in made.items() if size and size != (settings.width, settings.height)}

    def stale_reason(self, item_id: str) -> Optional[str]:
        """Why the item's frames no longer fit its timeline (say it in the inspector), or None."""
        changed = self.changed_source(item_id)
        if changed:
            return f"{PurePath(changed).name} changed since this was generated: regenerate to update."
        canvas = self.canvas_changed(item_id)
        if canvas:
            settings = self.project.settings
            return (f"Made for {canvas[0]}×{canvas[1]}; the project is {settings.width}×{settings.height} now: "
                    f"regenerate to update.")
        return None

    def source_files(self) -> set[str]:
        """The files the active takes were made from (what a window watches to call `check_sources`)."""
        return {entry["path"] for clip in self._generative_clips()
                for entry in (generated.active_take(clip) or {}).get("sources") or [] if entry.get("path")}

    def _generative_clips(self) -> list:
        """The live OTIO clips of the generative items (found through the info, which knows them already)."""
        return self.document.live_items([c.id for c in self.document.info().generative_clips()])

    def pending_items(self) -> list[str]:
        """Ids of generative items with no frames yet, or whose sources changed since they were requested: other
        clips or frames at their cuts, or the same files with other content (`source_changes`)."""
        changed = source_changes.changed_items(self._generative_clips())
        resized = self._canvases_changed()
        return [c.id for c in self.document.info().generative_clips()
                if c.generative.status == "pending" or c.generative.stale or c.id in changed or c.id in resized]

    def engine_missing(self, item_id: str) -> Optional[str]:
        """Why the item's engine could not make it (no weights), while that holds; None otherwise."""
        state = self._states.get(item_id)
        return state.reason if state is not None and state.error_type == NOT_READY else None

    def item_state(self, item_id: str) -> ItemJobState:
        return self._states.get(item_id, ItemJobState())

    def active_items(self) -> list[str]:
        """Ids of items whose job is queued or running now."""
        return [item for item, state in self._states.items() if state.state in ("queued", "running")]

    def shutdown(self) -> bool:
        """Cancel every job, join the worker threads and stop the engine worker process (on quit)."""
        joined = True if self._runner is None else self._runner.shutdown()
        if self._host is not None:
            self._host.close()
        return joined

    def alive_threads(self) -> list[str]:
        return [] if self._runner is None else self._runner.alive_threads()

    # ---- specs -----------------------------------------------------------------------------------------------

    def spec_for(self, item_id: str) -> GenerateSpec:
        """The plain job spec of a generative item: its exact source frames, params and the timeline format. The
        item's own engine choice runs (the project's default when it names none), with the project's options."""
        clip = self.document.info().clip(item_id)
        generative = self._generative(item_id)
        kind = generative.kind.rsplit(".", 1)[-1]
        settings = self.project.settings
        p = generative.params
        name, options = self.settings.resolve(p.get("engine"))
        params = GenerationParams(p.get("prompt", ""), p.get("negative_prompt", ""), int(p.get("seed", 0)),
                                  p.get("preset"), p.get("steps"), p.get("guidance"), p.get("scheduler"), p.get("mode"))
        return GenerateSpec(kind, item_id, _source_frames(kind, clip.name, generative.sources), params,
                            settings.width, settings.height, settings.fps, clip.duration_frames,
                            str(self.project.cache_dir), name, options, fit=clip.fit_mode,
                            model_size=self.settings.model_size)

    def _generative(self, item_id: str):
        places = self.document.info().places
        if item_id not in places:
            raise PlacementError(f"no item with id {item_id!r} in the timeline")
        clip = places[item_id]
        if clip.generative is None:
            raise PlacementError(f"clip '{clip.name}' is not a generative item")
        return clip.generative

    def _params(self, params: Optional[dict]) -> dict:
        params = dict(params or {})
        params.setdefault("engine", self.settings.engine)
        if params["engine"] == self.settings.engine and self.settings.preset:
            params.setdefault("preset", self.settings.preset)
        return params

    def _clip_ending_at(self, track_id: str, cut_frame: int):
        track = self.document.info().track(track_id)
        left = next((c for c in track.clips if c.end_frame == cut_frame), None)
        if left is None:
            raise PlacementError(f"there is no cut at frame {cut_frame} on track '{track.name}'")
        return left

    def default_duration(self) -> int:
        return max(2, round(self.project.settings.fps * 2))  # two seconds, SEINE's 16 frames at 8 fps

    # ---- job events (UI thread) ------------------------------------------------------------------------------

    def _set_state(self, item_id: str, state: ItemJobState) -> None:
        self._states[item_id] = state
        self.item_state_changed.emit(item_id)

    def _update(self, job_id: str, **changes: Any) -> Optional[str]:
        request = self._requests.get(job_id)
        if request is None:
            return None
        current = self._states.get(request.item_id, ItemJobState())
        if current.job_id == job_id:
            self._set_state(request.item_id, replace(current, **changes))
        return request.item_id

    def _on_runner_job_started(self, job_id: str) -> None:
        self._update(job_id, state="running")

    def _on_runner_job_progress(self, job_id: str, progress: Progress) -> None:
        self._update(job_id, progress=progress)

    def _on_runner_job_failed(self, job_id: str, failure: JobFailure) -> None:
        self._update(job_id, state="failed", reason=failure.reason, error_type=failure.error_type)
        self._requests.pop(job_id, None)

    def _on_runner_job_cancelled(self, job_id: str) -> None:
        self._update(job_id, state="cancelled", reason="cancelled")
        self._requests.pop(job_id, None)

    def _on_runner_job_finished(self, job_id: str, result: GenerateResult) -> None:
        request = self._requests.pop(job_id, None)
        if request is not None and not self._superseded(request.item_id, job_id):
            self.attach_result(result, request.fingerprint, job_id)

    def _superseded(self, item_id: str, job_id: str) -> bool:
        """A newer job was queued for the item (reshaped meanwhile): this job's file stays in the cache only."""
        current = self._states.get(item_id)
        return current is not None and current.job_id not in (None, job_id)

    def requested_fingerprint(self, item_id: str) -> str:
        return self._generative(item_id).fingerprint

    def attach_result(self, result: GenerateResult, requested_fingerprint: str,
                      job_id: Optional[str] = None) -> Optional[str]:
        """Attach a finished result as the item's new take (one undoable command); returns the take key, or
        None when the item is gone or was re-requested meanwhile (the file stays in the cache)."""
        if not self._still_wanted(result.item_id, requested_fingerprint):
            return None
        path = self.project.adopt_path(result.path)  # the job may have started before an untitled project was saved
        try:
            key = self.project.attach_generated_media(result.item_id, path, requested_fingerprint,
                                                      take_provenance(result))
        except PlacementError as error:  # the item changed shape meanwhile: keep the file, say why
            self._set_state(result.item_id, ItemJobState("failed", job_id, None, str(error), "PlacementError"))
            return None
        note = "reused from the cache" if result.from_cache else None
        self._set_state(result.item_id, ItemJobState("done", job_id, Progress(1.0, "done", 0.0), note))
        self.result_attached.emit(result.item_id, key or "")
        return key

    def _still_wanted(self, item_id: str, requested_fingerprint: str) -> bool:
        """The item still exists and still asks for what this job made (not re-requested meanwhile)."""
        try:
            generative = self._generative(item_id)
        except PlacementError:
            self._states.pop(item_id, None)  # deleted: the result stays in the cache only
            return False
        return generative.fingerprint == requested_fingerprint


def take_provenance(result: GenerateResult) -> dict[str, Any]:
    """What made a result, as its take records it: the engine, its weights identity and resolved parameters."""
    resolved = {key: result.resolved.get(key) for key in ("preset", "steps", "scheduler", "guidance")}
    return {"engine": result.engine, "engine_identity": result.engine_identity, **resolved, "sound": result.sound,
            "sources": [dict(s) for s in result.source_stamps], **({"canvas": list(result.canvas)} if result.canvas
                                                                   else {})}


def _source_frames(kind: str, name: str, sources) -> tuple[SourceFrames, ...]:
    """The document's boundary sources as exact frame lists for the job."""
    by_role = {s["role"]: s for s in sources}
    wanted = {"transition": ("left", "right"), "extend": ("left",), "animate": ("still",)}[kind]
    missing = [role for role in wanted if not by_role.get(role, {}).get("media_path")]
    if missing:
        raise PlacementError(f"'{name}' has no {' or '.join(missing)} source to generate from: "
                             f"a {kind} needs {' and '.join(wanted)} media")
    frames = []
    for role in wanted:
        source = by_role[role]
        last = int(source["frame"])
        # an extension names its clip's last frame; the job takes the context before it at the engine's spacing
        frames.append(SourceFrames("tail" if kind == "extend" else role, source["media_path"], (last,)))
    return tuple(frames)
