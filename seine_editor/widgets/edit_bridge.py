"""The one place where view gestures become Project intent calls.

Views emit plain intents (`EditIntent`, dropped paths, a transition kind on a cut); these functions call the
matching Project method. A refused edit raises `SeineEditorError` (PlacementError, MediaError, ...) with the
reason in plain words, which the main window shows in its status bar; the document is unchanged.
"""
from __future__ import annotations

from typing import Iterable, Optional

from seine_editor.errors import PlacementError
from seine_editor.timeline.clip_factory import media_length_frames
from seine_editor.timeline.snapshot import TimelineInfo
from seine_editor.widgets.timeline_tools import EditIntent

DEFAULT_DISSOLVE_FRAMES = 12


def apply_intent(project, intent: EditIntent) -> None:
    if intent.kind == "move":
        project.move_clips(intent.clip_ids, intent.delta_frames, intent.track_id)
    elif intent.kind == "trim":
        project.trim_clip(intent.clip_ids[0], intent.edge, intent.delta_frames, ripple=intent.ripple)
    elif intent.kind == "roll":
        project.roll(intent.clip_ids[0], intent.delta_frames)
    elif intent.kind == "slip":
        project.slip(intent.clip_ids[0], intent.delta_frames)
    elif intent.kind == "extend":
        extend_by_drag(project, intent.clip_ids[0], intent.edge, abs(intent.delta_frames))
    else:
        raise ValueError(f"unknown edit {intent.kind!r}")


def first_track(info: TimelineInfo, kind: str) -> Optional[str]:
    """The lowest track of that kind (V1, A1): where media lands when dropped outside any track."""
    return next((t.id for t in info.tracks if t.kind == kind), None)


def add_media(project, paths: Iterable[str], track_id: Optional[str], frame: int, infos: dict,
              still_frames: int) -> list[str]:
    """Place files one after another from `frame` (one undo step). Audio-only files go to an audio track,
    pictures to a video track, whichever track was under the drop; a still image lasts ``still_frames`` (the
    preference). Files not probed yet (straight from a file manager) are probed first: a bad one is refused by
    name and nothing is placed."""
    from seine_editor.media.probe import probe  # PyAV: only for files the bin has not described yet

    paths = list(paths)
    medias = [infos.get(path) or probe(path) for path in paths]
    created: list[str] = []
    with project.macro(f"Add {len(paths)} clips" if len(paths) > 1 else f"Add '{paths[0].rsplit('/', 1)[-1]}'"):
        for media in medias:
            info = project.info()  # a track added for the file before is there for this one
            kind = "audio" if media.kind == "audio" else "video"
            target = track_id if track_id and info.track(track_id).kind == kind else None
            target = target or first_track(info, kind) or project.add_track(kind)
            ids = project.add_clip(media, target, frame, "insert",
                                   duration_frames=dropped_frames(media, info.rate, still_frames))
            created += list(ids)
            frame = project.info().clip(ids[0]).end_frame
    return created


def place_marked(project, media, frame: int, source_start: int, duration: int, mode: str) -> tuple[str, ...]:
    """The part of ``media`` marked in the source viewer, at timeline ``frame`` on the lowest track of its kind
    (made when there is none), inserted or over what is there (``mode``)."""
    kind = "audio" if media.kind == "audio" else "video"
    info = project.info()
    with project.macro(f"{mode.capitalize()} '{media.path.rsplit('/', 1)[-1]}'"):
        track = first_track(info, kind) or project.add_track(kind)
        start = {} if media.kind == "image" else {"source_start_frame": source_start}
        return project.add_clip(media, track, frame, mode, duration_frames=duration, **start)


def dropped_frames(media, rate, still_frames: int) -> int:
    """How long dropped media lasts on the timeline: the whole file; a still, the preferred duration."""
    return still_frames if media.kind == "image" else media_length_frames(media, rate)


def split_at_playhead(project, info: TimelineInfo, frame: int, selected: list[str]) -> None:
    """Split the selected clips under the playhead, or every clip under it when none is selected."""
    under = [c for c in info.clips() if c.start_frame < frame < c.end_frame]
    chosen = [c for c in under if c.id in selected] or under
    if not chosen:
        raise PlacementError(f"no clip to split at frame {frame}")
    done: set[str] = set()
    with project.macro(f"Split at frame {frame}"):
        for clip in chosen:
            if clip.id not in done:
                project.split_clip(clip.id, frame)
                done.update((clip.id, *clip.linked_ids))


def add_transition(project, kind: str, left_id: str, right_id: str, frames: int = DEFAULT_DISSOLVE_FRAMES,
                   params: Optional[dict] = None, mode: str = "bridge", duration: Optional[int] = None) -> str:
    """A palette item dropped on the cut between two clips: a dissolve of ``frames``, or a generative item (its
    ``params``, ``mode`` and ``duration``, the engine's default length when None) whose job is queued at once,
    made by the project's engine or by the engine an "engine:NAME" entry names."""
    info = project.info()
    left = info.clip(left_id)
    if kind == "dissolve":
        half = frames // 2
        return project.add_dissolve(left_id, half, frames - half)
    engine = kind.partition("engine:")[2]
    params = {**(params or {}), **({"engine": engine} if engine else {})}
    return project.generation.add_generative_transition(left.track_id, left.end_frame, params=params or None,
                                                        mode=mode, duration_frames=duration)


def extend_or_animate(project, clip_id: str, params: Optional[dict] = None, duration: Optional[int] = None) -> str:
    """"Extend clip…" on a video clip (the engine's default length, or ``duration``), "Animate image…" on a still
    (as long as the still)."""
    clip = project.info().clip(clip_id)
    if clip.kind == "image":
        return project.generation.animate_image(clip_id, params)
    return project.generation.extend_clip(clip_id, duration or project.generation.default_duration(), params)


def extend_by_drag(project, clip_id: str, edge: str, frames: int, params: Optional[dict] = None) -> Optional[str]:
    """An edge dragged ``frames`` outwards with the Extend tool: the media's handle first (a ripple trim), and
    what lies past the end of the media generated as an extension (one undo step). Returns the extension's id
    (None when the handle was enough). Engines extend forwards only: a head is refused, saying so."""
    clip = project.info().clip(clip_id)
    if edge == "head":
        label = project.generation.settings.engine_label()
        raise PlacementError(f"{label} extends a clip forwards only (it predicts what comes next from the last "
                             f"frames), so '{clip.name}' cannot grow at its start: drag its end instead")
    room = frames if clip.available_frames is None else \
        max(0, clip.available_frames - clip.source_start_frame - clip.duration_frames)
    trim, beyond = min(room, frames), frames - min(room, frames)
    with project.macro(f"Extend '{clip.name}' by {frames} frames"):
        if trim:
            project.trim_clip(clip_id, "tail", trim, ripple=True)
        if beyond:
            return project.generation.extend_clip(clip_id, beyond, params)
    return None


def remove_markers(project, marker_ids: list[str]) -> None:
    with project.macro(f"Remove {len(marker_ids)} markers" if len(marker_ids) > 1 else "Remove marker"):
        for marker_id in marker_ids:
            project.remove_marker(marker_id)


JOB_BADGES = {"queued": "queued", "running": "generating", "failed": "failed"}


def job_badge(project, item_id: str) -> tuple[Optional[str], float]:
    """What the timeline draws on a generative item for its job: (badge state or None, progress 0..1)."""
    state = project.generation.item_state(item_id)
    progress = state.progress.fraction if state.progress is not None else 0.0
    if state.state not in JOB_BADGES and project.generation.stale_reason(item_id):
        return "stale", 0.0  # a file it was made from holds other pictures now, or the frame size changed
    return JOB_BADGES.get(state.state), progress
