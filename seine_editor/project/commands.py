"""One QUndoCommand per edit. Each holds the ids and values of its edit and the document's memento.

The first redo is the edit itself (run by `Project` before `push()`, so a refused edit pushes nothing);
every later undo/redo calls `document.restore(memento)`, which returns the memento of the other way.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from PySide6.QtGui import QUndoCommand

from seine_editor.media.info import MediaInfo
from seine_editor.timeline.declared import clip_name, track_name
from seine_editor.timeline.document import Edit, Memento, TimelineDocument
from seine_editor.timeline.time import timecode


class EditCommand(QUndoCommand):
    """Base: `edit()` calls one document method; `apply()` runs it once before the push (a refused edit
    raises PlacementError, changes nothing and is never pushed)."""

    def __init__(self, document: TimelineDocument, text: str):
        super().__init__(text)
        self.document = document
        self._memento: Optional[Memento] = None  # undoes the edit while applied; redoes it while undone
        self._skip_next_redo = False
        self.created_ids: tuple[str, ...] = ()

    def edit(self) -> Edit:
        raise NotImplementedError

    def apply(self) -> None:
        result = self.edit()
        self._memento, self.created_ids = result.undo, result.ids
        self._skip_next_redo = True  # QUndoStack.push() calls redo(); the edit is already made

    def redo(self) -> None:
        if self._skip_next_redo:
            self._skip_next_redo = False
        elif self._memento is None:
            self.apply()
            self._skip_next_redo = False
        else:
            self._memento = self.document.restore(self._memento)

    def undo(self) -> None:
        self._memento = self.document.restore(self._memento)

    def mementos(self) -> tuple[Memento, ...]:
        return () if self._memento is None else (self._memento,)


class CallCommand(EditCommand):
    """An edit that is one call of a document method with keyword arguments (ids, frames, values)."""

    def __init__(self, document: TimelineDocument, text: str, method: str, **arguments: Any):
        super().__init__(document, text)
        self.method, self.arguments = method, arguments

    def edit(self) -> Edit:
        return getattr(self.document, self.method)(**self.arguments)


class MacroCommand(QUndoCommand):
    """Several edits, already applied by `Project.macro` (which undoes them if one is refused), as one undo step
    (a drag that moves several clips)."""

    def __init__(self, text: str, commands: list[EditCommand]):
        super().__init__(text)
        self.commands = commands

    def redo(self) -> None:
        with self.commands[0].document.batch():
            for command in self.commands:
                command.redo()

    def undo(self) -> None:
        with self.commands[0].document.batch():
            for command in reversed(self.commands):
                command.undo()

    @property
    def created_ids(self) -> tuple[str, ...]:
        return tuple(i for command in self.commands for i in command.created_ids)

    def mementos(self) -> tuple[Memento, ...]:
        return tuple(m for command in self.commands for m in command.mementos())


def undo_history(stack) -> tuple[Memento, ...]:
    """Every memento the undo stack holds (both directions), for changes that must reach the whole history."""
    commands = (stack.command(index) for index in range(stack.count()))
    return tuple(m for command in commands if hasattr(command, "mementos") for m in command.mementos())


# ---- per-edit commands: each names its edit for the Edit menu and calls one document method ---------------

def _timecode(document: TimelineDocument, frame: int) -> str:
    return timecode(frame, document.rate)


def _clips_text(document: TimelineDocument, clip_ids) -> str:
    ids = list(clip_ids)
    return f"'{clip_name(document, ids[0])}'" if len(ids) == 1 else f"{len(ids)} clips"


class AddClipCommand(CallCommand):
    def __init__(self, document, media: MediaInfo, track_id: str, frame: int, mode: str = "insert", **options):
        verb = {"insert": "Insert", "overwrite": "Overwrite with"}.get(mode, mode)
        text = f"{verb} '{options.get('name') or Path(media.path).name}' at {_timecode(document, frame)}"
        super().__init__(document, text, "insert_clip", media=media, track_id=track_id, at_frame=frame, mode=mode,
                         **options)


class MoveClipCommand(CallCommand):
    def __init__(self, document, clip_id: str, frame: int, track_id: Optional[str] = None, mode: str = "overwrite"):
        text = f"Move '{clip_name(document, clip_id)}' to {_timecode(document, frame)}"
        super().__init__(document, text, "move_clip", clip_id=clip_id, to_frame=frame, track_id=track_id, mode=mode)


class SplitCommand(CallCommand):
    def __init__(self, document, clip_id: str, frame: int):
        text = f"Split '{clip_name(document, clip_id)}' at {_timecode(document, frame)}"
        super().__init__(document, text, "split_clip", clip_id=clip_id, at_frame=frame)


class DeleteCommand(CallCommand):
    def __init__(self, document, clip_ids, ripple: bool = False):
        text = f"{'Ripple delete' if ripple else 'Delete'} {_clips_text(document, clip_ids)}"
        super().__init__(document, text, "delete_clips", clip_ids=tuple(clip_ids), ripple=ripple)


class InsertGapCommand(CallCommand):
    def __init__(self, document, track_id: str, frame: int, duration_frames: int):
        text = f"Insert {duration_frames} frame gap at {_timecode(document, frame)}"
        super().__init__(document, text, "insert_gap", track_id=track_id, at_frame=frame,
                         duration_frames=duration_frames)


class CloseGapCommand(CallCommand):
    def __init__(self, document, track_id: str, frame: int):
        text = f"Close gap at {_timecode(document, frame)} on '{track_name(document, track_id)}'"
        super().__init__(document, text, "close_gap", track_id=track_id, at_frame=frame)


class LinkCommand(CallCommand):
    def __init__(self, document, clip_ids):
        super().__init__(document, f"Link {_clips_text(document, clip_ids)}", "link_clips", clip_ids=tuple(clip_ids))


class UnlinkCommand(CallCommand):
    def __init__(self, document, clip_id: str):
        super().__init__(document, f"Unlink '{clip_name(document, clip_id)}'", "unlink_clip", clip_id=clip_id)


class AddTrackCommand(CallCommand):
    def __init__(self, document, kind: str = "video", name: Optional[str] = None, index: Optional[int] = None):
        super().__init__(document, f"Add {kind} track{f' {name!r}' if name else ''}", "add_track", kind=kind,
                         name=name, index=index)






class TrimCommand(CallCommand):
    def __init__(self, document, clip_id: str, edge: str, delta_frames: int, ripple: bool = False):
        verb = "Ripple trim" if ripple else "Trim"
        text = f"{verb} {edge} of '{clip_name(document, clip_id)}' by {delta_frames:+d} frames"
        super().__init__(document, text, "trim_clip", clip_id=clip_id, edge=edge, delta_frames=delta_frames,
                         ripple=ripple)




class AddDissolveCommand(CallCommand):
    def __init__(self, document, left_clip_id: str, in_offset_frames: int, out_offset_frames: int):
        text = (f"Add {in_offset_frames + out_offset_frames} frame dissolve after "
                f"'{clip_name(document, left_clip_id)}'")
        super().__init__(document, text, "add_dissolve", left_clip_id=left_clip_id,
                         in_offset_frames=in_offset_frames, out_offset_frames=out_offset_frames)



class AddMarkerCommand(CallCommand):
    def __init__(self, document, frame: int, name: str = "", clip_id: Optional[str] = None, **options):
        where = f" on '{clip_name(document, clip_id)}'" if clip_id else ""
        super().__init__(document, f"Add marker{f' {name!r}' if name else ''}{where} at {_timecode(document, frame)}",
                         "add_marker", frame=frame, name=name, clip_id=clip_id, **options)




class AddGenerativeTransitionCommand(CallCommand):
    def __init__(self, document, left_clip_id: str, duration_frames: int, mode: str = "bridge",
                 params: Optional[dict] = None):
        text = f"Add {mode} transition after '{clip_name(document, left_clip_id)}'"
        super().__init__(document, text, "add_generative_transition", left_clip_id=left_clip_id,
                         duration_frames=duration_frames, mode=mode, params=params)


class AddExtensionCommand(CallCommand):
    def __init__(self, document, clip_id: str, duration_frames: int, params: Optional[dict] = None):
        super().__init__(document, f"Extend '{clip_name(document, clip_id)}' by {duration_frames} frames",
                         "add_extension", clip_id=clip_id, duration_frames=duration_frames, params=params)


class AnimateStillCommand(CallCommand):
    def __init__(self, document, clip_id: str, params: Optional[dict] = None):
        super().__init__(document, f"Animate '{clip_name(document, clip_id)}'", "animate_still", clip_id=clip_id,
                         params=params)


class AttachGeneratedCommand(CallCommand):
    def __init__(self, document, item_id: str, path: str, fingerprint: Optional[str] = None):
        super().__init__(document, f"Attach generated media to '{clip_name(document, item_id)}'",
                         "attach_generated_media", item_id=item_id, path=str(path), fingerprint=fingerprint)


class SelectTakeCommand(CallCommand):
    def __init__(self, document, item_id: str, key: str):
        super().__init__(document, f"Use {key} of '{clip_name(document, item_id)}'", "select_take",
                         item_id=item_id, key=key)


class DetachGeneratedCommand(CallCommand):
    def __init__(self, document, item_id: str):
        super().__init__(document, f"Show placeholder of '{clip_name(document, item_id)}'",
                         "detach_generated_media", item_id=item_id)


class RefreshGenerativeCommand(CallCommand):
    def __init__(self, document, item_id: str, params: Optional[dict] = None):
        super().__init__(document, f"Update request of '{clip_name(document, item_id)}'",
                         "refresh_generative_request", item_id=item_id, params=params)


class SettingsCommand(CallCommand):
    def __init__(self, document, **values: Any):
        given = {k: v for k, v in values.items() if v is not None}
        words = []
        if "width" in given or "height" in given:
            words.append("frame size")
        if "fps" in given:
            words.append("frame rate")
        if "audio_rate" in given:
            words.append("audio rate")
        if "engine" in given:
            words.append("engine settings")
        super().__init__(document, f"Change {' and '.join(words) or 'settings'}", "set_settings", **given)


class RelinkCommand(CallCommand):
    """Point every use of a media file at another file (offline media found again)."""

    def __init__(self, document: TimelineDocument, old_url: str, new_path: str):
        super().__init__(document, f"Relink '{Path(old_url).name}' to '{new_path}'", "relink_media",
                         old_path=old_url, new_path=new_path)
        self.old_url, self.new_path = old_url, new_path
