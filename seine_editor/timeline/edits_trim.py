"""Trim edits of `TimelineDocument`: trim head/tail (plain or ripple), roll, slip, and cross dissolves.

Linked clips are trimmed, rolled and slipped with the clip. Plain trims never push neighbours: extending
into an occupied frame is refused; ripple trims shift what follows instead.
"""
from __future__ import annotations

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.timeline import meta, rules
from seine_editor.timeline.declared import clip_name, undoable
from seine_editor.timeline.time import to_rational
from seine_editor.timeline.track_edit import Slot, TrackEdit

EDGES = ("head", "tail")


def _dissolve_named(document, transition_id: str) -> str:
    """"6 frame dissolve after 'A'" for an undo text (the id when there is no such dissolve: the edit then raises
    naming it)."""
    found = next((t for track in document.info().tracks for t in track.transitions if t.id == transition_id), None)
    if found is None:
        return f"dissolve {transition_id!r}"
    return (f"{found.in_offset_frames + found.out_offset_frames} frame dissolve after "
            f"'{clip_name(document, found.left_clip_id)}'")


def trim_slot(edit: TrackEdit, slot: Slot, edge: str, delta: int, ripple: bool) -> None:
    """Head: delta > 0 removes frames from the start. Tail: delta > 0 adds frames at the end.
    Ripple keeps the clip's start and shifts what follows by the change in length."""
    old_end, original = slot.end, slot.duration
    change = -delta if edge == "head" else delta
    if edge == "head":
        start = slot.start if ripple else slot.start + delta
        edit.set(slot, start=start, duration=slot.duration - delta, source_start=slot.source_start + delta)
    else:
        edit.set(slot, duration=slot.duration + delta)
    if slot.duration < 1:
        raise PlacementError(f"{rules.clip_label(slot.item)} on {rules.track_label(edit.track)} has {original} "
                             f"frames; trimming {abs(delta)} at its {edge} would leave {slot.duration}")
    if ripple:
        edit.ripple(old_end, change, keep=(slot,))


class TrimEditsMixin:
    @undoable(lambda doc, clip_id, edge, delta_frames, ripple=False:
              f"{'Ripple trim' if ripple else 'Trim'} {edge} of '{clip_name(doc, clip_id)}' by {delta_frames:+d} frames",
              example=lambda doc, ids: {"clip_id": ids["A"], "edge": "tail", "delta_frames": -4, "ripple": True})
    def trim_clip(self, clip_id: str, edge: str, delta_frames: int, ripple: bool = False):
        """Move the clip's `edge` ("head" or "tail") by `delta_frames` (positive = later on the timeline)."""
        if edge not in EDGES:
            raise PlacementError(f"trim edge {edge!r} is not one of {', '.join(EDGES)}")
        group = self._link_group(clip_id)
        clip = self.info().clip(clip_id)
        at = clip.end_frame
        shift = -delta_frames if edge == "head" else delta_frames
        sync = self._sync_frames([t for t, _ in group], at) if ripple else {}

        def fn(edits):
            for tid, cid in group:
                trim_slot(edits[tid], edits[tid].slot(cid), edge, delta_frames, ripple)
                edits[tid].check_dissolves_kept(f"trimming the {edge} of {rules.clip_label(edits[tid].slot(cid).item)}")
            for tid, frame in sync.items():
                edits[tid].ripple(frame, shift)
            return ()

        return self._apply("ripple_trim" if ripple else "trim_clip", [t for t, _ in group] + list(sync), fn)

    def ripple_trim(self, clip_id: str, edge: str, delta_frames: int):
        return self.trim_clip(clip_id, edge, delta_frames, ripple=True)

    @undoable(lambda doc, left_clip_id, delta_frames: f"Roll cut after '{clip_name(doc, left_clip_id)}' by "
                                                      f"{delta_frames:+d} frames",
              example=lambda doc, ids: {"left_clip_id": ids["A"], "delta_frames": 3})
    def roll(self, left_clip_id: str, delta_frames: int):
        """Move the cut between a clip and the clip right after it by `delta_frames`; total length kept.
        Linked clips that meet at the same cut roll with it."""
        pairs = []
        for tid, cid in self._link_group(left_clip_id):
            track = self.info().track(tid)
            left = next(c for c in track.clips if c.id == cid)
            right = next((c for c in track.clips if c.start_frame == left.end_frame), None)
            if right is None and cid == left_clip_id:
                raise PlacementError(f"clip '{left.name}' on {rules.track_label(self._track(tid))} has no clip "
                                     f"right after it (frame {left.end_frame}) to roll against")
            if right is not None:
                pairs.append((tid, cid, right.id))

        def fn(edits):
            for tid, left_id, right_id in pairs:
                edit = edits[tid]
                left, right = edit.slot(left_id), edit.slot(right_id)
                edit.set(left, duration=left.duration + delta_frames)
                edit.set(right, start=right.start + delta_frames, duration=right.duration - delta_frames,
                         source_start=right.source_start + delta_frames)
            return ()

        return self._apply("roll", [t for t, _, _ in pairs], fn)

    @undoable(lambda doc, clip_id, delta_frames: f"Slip '{clip_name(doc, clip_id)}' by {delta_frames:+d} frames",
              example=lambda doc, ids: {"clip_id": ids["A"], "delta_frames": 5})
    def slip(self, clip_id: str, delta_frames: int):
        """Show media `delta_frames` later (or earlier) without moving the clip; linked clips slip too."""
        group = self._link_group(clip_id)

        def fn(edits):
            for tid, cid in group:
                slot = edits[tid].slot(cid)
                edits[tid].set(slot, source_start=slot.source_start + delta_frames)
            return ()

        return self._apply("slip", [t for t, _ in group], fn)

    # ---- dissolves -------------------------------------------------------------------------------------

    @undoable(lambda doc, left_clip_id, in_offset_frames, out_offset_frames, **_:
              f"Add {in_offset_frames + out_offset_frames} frame dissolve after '{clip_name(doc, left_clip_id)}'",
              example=lambda doc, ids: {"left_clip_id": ids["A"], "in_offset_frames": 6, "out_offset_frames": 6},
              one_id=True)
    def add_dissolve(self, left_clip_id: str, in_offset_frames: int, out_offset_frames: int,
                     name: str = "Cross Dissolve"):
        """A cross dissolve at the cut after `left_clip_id`: `in_offset` frames before the cut (the right
        clip's head handle), `out_offset` after it (the left clip's tail handle). Edit.ids = (transition,)."""
        rules.check_dissolve_offsets(in_offset_frames, out_offset_frames)
        track_id = meta.item_id(self._track_of(left_clip_id))
        transition = otio.schema.Transition(
            name=name, transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
            in_offset=to_rational(in_offset_frames, self.rate), out_offset=to_rational(out_offset_frames, self.rate))
        transition_id = meta.ensure_id(transition)

        def fn(edits):
            edit = edits[track_id]
            left = edit.slot(left_clip_id)
            right = edit.neighbour_after(left)
            if right is None:
                raise PlacementError(f"{rules.clip_label(left.item)} has no clip right after it (frame {left.end}) "
                                     f"on {rules.track_label(edit.track)}; a dissolve needs two clips that meet")
            rules.check_new_dissolve(left.current, left.duration, right.current, in_offset_frames, out_offset_frames,
                                     left.end, self.rate)
            edit.add_transition(left, right, transition)
            return (transition_id,)

        return self._apply("add_dissolve", [track_id], fn)

    @undoable(lambda doc, transition_id, in_offset_frames, out_offset_frames:
              f"Change dissolve to {in_offset_frames + out_offset_frames} frames",
              example=lambda doc, ids: {"transition_id": doc.add_dissolve(ids["A"], 6, 6).ids[0],
                                        "in_offset_frames": 4, "out_offset_frames": 2})
    def set_dissolve(self, transition_id: str, in_offset_frames: int, out_offset_frames: int):
        rules.check_dissolve_offsets(in_offset_frames, out_offset_frames)
        track_id = meta.item_id(self._track_of(transition_id))

        def fn(edits):
            edit = edits[track_id]
            for index, (left, right, transition) in enumerate(edit.transitions):
                if meta.item_id(transition) == transition_id:
                    changed = transition.clone()
                    changed.in_offset = to_rational(in_offset_frames, self.rate)
                    changed.out_offset = to_rational(out_offset_frames, self.rate)
                    edit.transitions[index] = (left, right, changed)
            return ()

        return self._apply("set_dissolve", [track_id], fn)

    @undoable(lambda doc, transition_id: f"Remove {_dissolve_named(doc, transition_id)}",
              example=lambda doc, ids: {"transition_id": doc.add_dissolve(ids["A"], 6, 6).ids[0]})
    def remove_transition(self, transition_id: str):
        track_id = meta.item_id(self._track_of(transition_id))
        return self._apply("remove_transition", [track_id],
                           lambda edits: edits[track_id].remove_transition(transition_id) or ())
