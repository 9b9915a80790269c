"""Marker edits of `TimelineDocument`: on the timeline, or on a clip (kept in the clip's source time, so the
marker stays on the same picture when the clip moves; it is reported at its timeline frame)."""
from __future__ import annotations

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.timeline import layout, meta, rules
from seine_editor.timeline.changes import DocumentChange, Edit
from seine_editor.timeline.declared import at, clip_name, undoable
from seine_editor.timeline.time import timecode, to_frames, to_range

COLORS = ("RED", "PINK", "ORANGE", "YELLOW", "GREEN", "CYAN", "BLUE", "PURPLE", "MAGENTA", "BLACK", "WHITE")


class MarkerEditsMixin:
    @undoable(lambda doc, frame, name="", clip_id=None, **_: _added_text(doc, frame, name, clip_id),
              example=lambda doc, ids: {"frame": 30, "name": "flash", "clip_id": ids["B"]}, one_id=True)
    def add_marker(self, frame: int, name: str = "", *, color: str = "RED", duration_frames: int = 0,
                   comment: str = "", clip_id: str | None = None):
        """A marker at timeline `frame`; on `clip_id` when given (the frame must be inside the clip)."""
        rules.check_frame(frame, "marker frame")
        rules.check_frame(duration_frames, "marker duration")
        if color not in COLORS:
            raise PlacementError(f"marker colour {color!r} is not one of {', '.join(COLORS)}")
        marker = otio.schema.Marker(name=name, color=color, comment=comment,
                                    marked_range=to_range(frame, duration_frames, self.rate))
        marker_id = meta.ensure_id(marker)
        if clip_id is None:
            edit = self._set_timeline_markers([*self._timeline.tracks.markers, marker])
            return Edit(edit.undo, (marker_id,))
        return self._edit_clip_markers("add_marker", clip_id, lambda slot, edit: (
            slot.item.markers.append(_in_clip(marker, slot, frame, edit))), (marker_id,))

    @undoable(lambda doc, marker_id, frame: f"Move marker to {timecode(frame, doc.rate)}",
              example=lambda doc, ids: {"marker_id": doc.add_marker(30, "check").ids[0], "frame": 40})
    def move_marker(self, marker_id: str, frame: int):
        rules.check_frame(frame, "marker frame")
        owner = self._marker_owner(marker_id)
        if owner is None:
            markers = [m.clone() for m in self._timeline.tracks.markers]
            for marker in markers:
                if meta.item_id(marker) == marker_id:
                    marker.marked_range = to_range(frame, _frames(marker.marked_range.duration, self), self.rate)
            return self._set_timeline_markers(markers)

        def move(slot, edit):
            for index, marker in enumerate(slot.item.markers):
                if meta.item_id(marker) == marker_id:
                    slot.item.markers[index] = _in_clip(marker.clone(), slot, frame, edit)
        return self._edit_clip_markers("move_marker", owner, move, ())

    @undoable(lambda doc, marker_id, name: f"Name marker '{name}'",
              example=lambda doc, ids: {"marker_id": doc.add_marker(30, "check", clip_id=ids["B"]).ids[0],
                                        "name": "Sunrise"})
    def rename_marker(self, marker_id: str, name: str):
        """Give a marker a new name (empty clears it); it keeps its id, frame, colour and comment."""
        if not isinstance(name, str):
            raise PlacementError(f"a marker name must be text, got {name!r}")
        return self._change_marker("rename_marker", marker_id, lambda marker: setattr(marker, "name", name))

    def _change_marker(self, action: str, marker_id: str, change):
        """Apply `change` to a clone of the marker, on the timeline or inside its clip."""
        owner = self._marker_owner(marker_id)
        if owner is None:
            markers = [m.clone() for m in self._timeline.tracks.markers]
            for marker in markers:
                if meta.item_id(marker) == marker_id:
                    change(marker)
            return self._set_timeline_markers(markers)

        def edit_in_clip(slot, _edit):
            for marker in slot.item.markers:
                if meta.item_id(marker) == marker_id:
                    change(marker)
        return self._edit_clip_markers(action, owner, edit_in_clip, ())

    @undoable(lambda doc, marker_id: "Remove marker",
              example=lambda doc, ids: {"marker_id": doc.add_marker(30, "check").ids[0]})
    def remove_marker(self, marker_id: str):
        owner = self._marker_owner(marker_id)
        if owner is None:
            return self._set_timeline_markers(
                [m for m in self._timeline.tracks.markers if meta.item_id(m) != marker_id])

        def remove(slot, edit):
            slot.item.markers[:] = [m for m in slot.item.markers if meta.item_id(m) != marker_id]
        return self._edit_clip_markers("remove_marker", owner, remove, ())

    def _marker_owner(self, marker_id: str) -> str | None:
        """The id of the clip holding the marker, or None for a timeline marker."""
        if any(meta.item_id(m) == marker_id for m in self._timeline.tracks.markers):
            return None
        for clip in self._timeline.find_clips():
            if any(meta.item_id(m) == marker_id for m in clip.markers):
                return meta.item_id(clip)
        raise PlacementError(f"no marker with id {marker_id!r}")

    def _set_timeline_markers(self, markers):
        memento = self._swap({}, markers=tuple(markers))
        self._emit(DocumentChange("markers"), markers=True)
        return Edit(memento)

    def _edit_clip_markers(self, action: str, clip_id: str, change, created: tuple[str, ...]):
        track_id = meta.item_id(self._track_of(clip_id))

        def fn(edits):
            change(edits[track_id].slot(clip_id), edits[track_id])
            return created

        edit = self._apply(action, [track_id], fn)
        self.markers_changed.emit()
        return edit


def _added_text(document, frame: int, name: str, clip_id: str | None) -> str:
    where = f" on '{clip_name(document, clip_id)}'" if clip_id else ""
    return f"Add marker{f' {name!r}' if name else ''}{where} at {at(document, frame)}"


def _frames(duration: otio.opentime.RationalTime, owner) -> int:
    return to_frames(duration, owner.rate)


def _in_clip(marker: otio.schema.Marker, slot, frame: int, edit) -> otio.schema.Marker:
    """Re-express a marker placed at timeline `frame` in the clip's source time (checked to be inside)."""
    if not slot.start <= frame < slot.end:
        raise PlacementError(f"marker frame {frame} is outside {rules.clip_label(slot.item)} "
                             f"(frames {slot.start}..{slot.end - 1})")
    duration = _frames(marker.marked_range.duration, edit)
    start = layout.media_start(slot.item, slot.source_start + frame - slot.start, edit.rate)
    marker.marked_range = to_range(start, duration, edit.rate)
    return marker
