"""Geometry edits of generative items in `TimelineDocument`: a new length for a transition or extension, and a
transition switched between "bridge" (inserted at the cut) and "overlap" (over A's tail and B's head), as one
edit that keeps the item's id, request and takes.

The edit first takes the item out the way it went in (an overlap gives A and B their frames back, a bridge closes
up), then puts it back in its new shape. Tracks holding clips linked to what moved shift by the same amount, so
linked sound stays in sync. An item never generated gets the request of its new shape; an item with takes keeps
the request they were made for, so the snapshot reports it stale (mode changed) or its take no longer fits
(length changed), and the placeholder plays until it is regenerated.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.timeline import generated, meta, rules
from seine_editor.timeline.changes import Edit
from seine_editor.timeline.time import to_range
from seine_editor.timeline.track_edit import Slot, TrackEdit


@dataclass(frozen=True)
class Shape:
    """A generative item's length and mode ("bridge" for extensions: both are inserted)."""

    duration: int
    mode: str

    @property
    def head(self) -> int:
        """Frames taken from the end of the clip before (overlap only)."""
        return self.duration // 2 if self.mode == "overlap" else 0

    @property
    def tail(self) -> int:
        """Frames taken from the start of the clip after (overlap only)."""
        return self.duration - self.head if self.mode == "overlap" else 0

    @property
    def inserted(self) -> int:
        """Frames the item adds to the timeline."""
        return 0 if self.mode == "overlap" else self.duration


class GeometryEditsMixin:
    def set_generative_geometry(self, item_id: str, duration_frames: int, mode: Optional[str] = None) -> Edit:
        """Give a generative transition or extension `duration_frames` and (transitions only) `mode`; None keeps
        the mode. Refused, changing nothing, for animations, a mode on an extension, or an overlap longer than
        the clips either side can give."""
        item = self._item(item_id)
        old, new = self._shapes(item, duration_frames, mode)
        data = meta.seine(item)
        track_id = meta.item_id(self._track_of(item_id))
        start = self.info().clip(item_id).start_frame
        sync = self._sync_frames([track_id], start + old.duration)
        sources = self._reshaped_sources(track_id, item_id, old, new) if not data.get("takes") else None

        def fn(edits):
            edit = edits[track_id]
            slot = edit.slot(item_id)
            cut = _take_out(edit, slot, old, item.name)
            _put_back(edit, slot, cut, new, item.name)
            _reshape_item(slot.item, data, new, sources, self.rate)
            for tid, frame in sync.items():
                if new.inserted != old.inserted:
                    _ripple_linked(edits[tid], frame, new.inserted - old.inserted, item.name)
            return ()

        return self._apply("set_generative_geometry", [track_id, *sync], fn)

    def _shapes(self, item: otio.core.Item, duration_frames: int, mode: Optional[str]) -> tuple[Shape, Shape]:
        label = rules.clip_label(item)
        if not generated.is_generative(item):
            raise PlacementError(f"{label} is not a generative item")
        rules.check_frame(duration_frames, f"the length of {label}", minimum=1)
        kind = meta.get(item, "kind")
        if kind == generated.ANIMATE:
            raise PlacementError(f"{label} is an animation: it lasts as long as its picture and has no mode")
        if kind == generated.EXTEND and mode not in (None, "", "bridge"):
            raise PlacementError(f"{label} is an extension: only a transition can be {mode!r}")
        old_mode = meta.get(item, "params", {}).get("mode", "bridge")
        new_mode = mode or old_mode
        if new_mode not in generated.MODES:
            raise PlacementError(f"transition mode {new_mode!r} of {label} is not one of "
                                 f"{', '.join(generated.MODES)}")
        duration = self.info().clip(meta.item_id(item)).duration_frames
        return Shape(duration, old_mode), Shape(duration_frames, new_mode)

    def _reshaped_sources(self, track_id: str, item_id: str, old: Shape, new: Shape) -> Optional[list[dict]]:
        """The boundary frames of a transition in its new shape (an overlap shows less of A and B); None when they
        do not change (an extension, or bridge to bridge)."""
        if meta.get(self._item(item_id), "kind") != generated.TRANSITION or (old.head, old.tail) == (new.head,
                                                                                                  new.tail):
            return None
        track = self.info().track(track_id)
        item = self.info().clip(item_id)
        left = next((c for c in track.clips if c.end_frame == item.start_frame), None)
        right = next((c for c in track.clips if c.start_frame == item.end_frame), None)
        if left is None or right is None:
            return None  # refused later, naming the missing neighbour
        return [self._boundary("left", left.id, left.duration_frames + old.head - new.head - 1),
                self._boundary("right", right.id, new.tail - old.tail)]


def _take_out(edit: TrackEdit, slot: Slot, old: Shape, name: str) -> int:
    """Remove the item, giving the clips either side back what an overlap took; returns the cut frame."""
    edit.remove(slot)
    if old.mode != "overlap":
        edit.ripple(slot.end, -old.duration)
        return slot.start
    left, right = _neighbours(edit, slot.start, slot.end, name)
    edit.set(left, duration=left.duration + old.head)
    edit.set(right, start=right.start - old.tail, duration=right.duration + old.tail,
             source_start=right.source_start - old.tail)
    return slot.start + old.head


def _put_back(edit: TrackEdit, slot: Slot, cut: int, new: Shape, name: str) -> None:
    """Place the item at `cut` in its new shape: inserted (bridge), or over the clips either side (overlap)."""
    if new.mode != "overlap":
        edit.ripple(cut, new.duration)
        edit.add(cut, new.duration, 0, slot.item)
        return
    left, right = _neighbours(edit, cut, cut, name)
    for clip, taken in ((left, new.head), (right, new.tail)):
        if clip.duration - taken < 1:
            raise PlacementError(f"'{name}' cannot overlap {new.duration} frames: {rules.clip_label(clip.item)} "
                                 f"shows {clip.duration} frames (frames {clip.start}..{clip.end - 1}) and would "
                                 f"give {taken} of them; make it shorter or use bridge")
    edit.set(left, duration=left.duration - new.head)
    edit.set(right, start=right.start + new.tail, duration=right.duration - new.tail,
             source_start=right.source_start + new.tail)
    edit.add(cut - new.head, new.duration, 0, slot.item)


def _neighbours(edit: TrackEdit, end: int, start: int, name: str) -> tuple[Slot, Slot]:
    """The clip ending at `end` and the one starting at `start`: an overlap needs both."""
    left = next((s for s in edit.slots if s.end == end and s.duration > 0), None)
    right = next((s for s in edit.slots if s.start == start and s.duration > 0), None)
    if left is None or right is None:
        missing = "before" if left is None else "after"
        raise PlacementError(f"'{name}' has no clip right {missing} it (frame {end if left is None else start}) on "
                             f"{rules.track_label(edit.track)}; an overlap needs a clip on both sides")
    return left, right


def _reshape_item(item: otio.schema.Clip, data: dict, new: Shape, sources: Optional[list[dict]], rate) -> None:
    """The new mode in the request; the placeholder's length; a take that no longer fits stops playing (kept)."""
    params = dict(data["params"])
    if data["kind"] == generated.TRANSITION:
        params["mode"] = new.mode
    references = dict(item.media_references())
    active = item.active_media_reference_key
    old = references[generated.GENERATOR_KEY]
    references[generated.GENERATOR_KEY] = otio.schema.GeneratorReference(
        name=old.name, generator_kind=old.generator_kind, available_range=to_range(0, new.duration, rate),
        parameters=params, metadata=old.metadata)
    if generated.take_length(item, active, rate) not in (None, new.duration):
        active = generated.GENERATOR_KEY
    item.set_media_references(references, active)
    changes = {"params": params, "status": "pending" if active == generated.GENERATOR_KEY else "baked"}
    if not data.get("takes"):  # never generated: the request is the new shape's
        request_sources = sources if sources is not None else data["sources"]
        changes.update(sources=request_sources,
                       fingerprint=generated.request_fingerprint(data["kind"], params, request_sources))
    meta.update(item, **changes)


def _ripple_linked(edit: TrackEdit, frame: int, delta: int, name: str) -> None:
    try:
        edit.ripple(frame, delta)
    except PlacementError as error:
        raise PlacementError(f"changing '{name}' would move linked clips: {error}") from None
