"""One track being edited in whole frames: the live track read as a list of slots, changed, then written back as
OTIO children (gaps filled, transitions kept where their clips still meet). The live track is never changed here:
a slot's item is cloned the first time an edit reaches for it (`Slot.item`), so the children an edit did not touch
stay the very objects the timeline holds, and the document swaps in only what differs (`TimelineDocument._apply`)."""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.timeline import kept_views, layout, meta, rules
from seine_editor.timeline.time import to_range


class Slot:
    """A clip-like item (not a gap or transition) at `start`, showing `duration` frames from `source_start`
    (the source_range start, timeline frames). `item` is a private clone, made on first use, that the edit may
    change; `current` is what the track will hold (that clone, or the live item when the edit never asked)."""

    __slots__ = ("start", "duration", "source_start", "id", "touched", "_live", "_own", "_shown")

    def __init__(self, start: int, duration: int, source_start: int, item: otio.core.Item, touched: bool = False):
        """A slot for an item the edit places (new, or a slot's `item` clone)."""
        self.start, self.duration, self.source_start, self.touched = start, duration, source_start, touched
        self._live, self._own, self._shown = None, item, None
        self.id = meta.item_id(item)

    @classmethod
    def live(cls, row: tuple) -> "Slot":
        """A slot of an item in the track, from its `_rows` row."""
        slot = cls.__new__(cls)
        slot.start, slot.duration, slot.source_start, slot._live, slot.id = row
        slot._own, slot.touched, slot._shown = None, False, (slot.duration, slot.source_start)
        return slot

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def item(self) -> otio.core.Item:
        if self._own is None:
            self._own = self._live.clone()
        return self._own

    @property
    def current(self) -> otio.core.Item:
        return self._own if self._own is not None else self._live

    def unchanged(self) -> bool:
        """Still the live item, showing the frames it showed (a ripple only moves it)."""
        return self._own is None and (self.duration, self.source_start) == self._shown


class TrackEdit:
    def __init__(self, track: otio.schema.Track, rate: Fraction, memo=None):
        """``memo``: the document's `memo.ItemMemo`, so reading a long track costs dictionary lookups."""
        self.track = track  # read only: names the track in messages
        self.rate = rate
        self.memo = memo
        with meta.reading(memo):
            self.children = memo.children_of(track) if memo is not None else list(track)
            placed, transitions = layout.read_track(track, rate)
            self.slots = [Slot.live(row) for row in _rows(track, placed, rate, memo) if row is not None]
            self._placed = placed
            self._gaps: Optional[dict] = None  # the track's gaps by (start, duration), read when first wanted
            self.transitions = [(_key(t.left), _key(t.right), t.transition) for t in transitions]
            self._cuts = {meta.item_id(t.transition): t.cut for t in transitions}  # where each dissolve was

    @property
    def id(self) -> str:
        return meta.item_id(self.track)

    @property
    def name(self) -> str:
        return self.track.name

    @property
    def end(self) -> int:
        return max((s.end for s in self.slots), default=0)

    def find(self, item_id: str) -> Optional[Slot]:
        return next((s for s in self.slots if s.id == item_id), None)

    def slot(self, item_id: str) -> Slot:
        found = self.find(item_id)
        if found is None:
            raise PlacementError(f"no clip with id {item_id!r} on {rules.track_label(self.track)}")
        return found

    def slot_at(self, frame: int) -> Optional[Slot]:
        return next((s for s in self.slots if s.start <= frame < s.end), None)

    def ordered(self) -> list[Slot]:
        return sorted(self.slots, key=lambda s: s.start)

    def neighbour_after(self, slot: Slot) -> Optional[Slot]:
        return next((s for s in self.slots if s.start == slot.end and s is not slot), None)

    # ---- changes ----------------------------------------------------------------------------------------

    def add(self, start: int, duration: int, source_start: int, item: otio.core.Item) -> Slot:
        """Place ``item``, which must be the edit's own (new, or a slot's `item` clone)."""
        slot = Slot(start, duration, source_start, item, touched=True)
        self.slots.append(slot)
        return slot

    def remove(self, slot: Slot) -> None:
        self.slots.remove(slot)

    def set(self, slot: Slot, *, start: int | None = None, duration: int | None = None,
            source_start: int | None = None) -> None:
        slot.start = slot.start if start is None else start
        slot.duration = slot.duration if duration is None else duration
        slot.source_start = slot.source_start if source_start is None else source_start
        slot.touched = True

    def split(self, slot: Slot, frame: int) -> Slot:
        """Cut `slot` at timeline `frame`; returns the new right piece (a clone with a fresh id)."""
        if not slot.start < frame < slot.end:
            raise PlacementError(f"{rules.clip_label(slot.item)} on {rules.track_label(self.track)} spans frames "
                                 f"{slot.start}..{slot.end - 1}; cannot split at frame {frame}")
        right_item = slot.item.clone()
        meta.update(right_item, id=meta.new_id())
        right_item.markers[:] = [m for m in right_item.markers if self._marker_at(slot, m) >= frame]
        slot.item.markers[:] = [m for m in slot.item.markers if self._marker_at(slot, m) < frame]
        offset = frame - slot.start
        right = self.add(frame, slot.duration - offset, slot.source_start + offset, right_item)
        self.set(slot, duration=offset)
        self.transitions = [(right.id if left == slot.id else left, r, t) for left, r, t in self.transitions]
        return right

    def _marker_at(self, slot: Slot, marker: otio.schema.Marker) -> int:
        return slot.start + math.floor(layout.played(slot.item, marker.marked_range.start_time, self.rate)
                                       - slot.source_start)

    def clear(self, start: int, end: int) -> list[tuple[Slot, Slot]]:
        """Make [start, end) empty (overwrite): trims, removes or splits what is there.
        Returns (left piece, new right piece) for every clip split in two."""
        splits = []
        for slot in list(self.slots):
            if slot.end <= start or slot.start >= end:
                continue
            if slot.start < start and slot.end > end:
                right = self.split(slot, end)
                splits.append((slot, right))
                self.set(slot, duration=start - slot.start)
            elif slot.start >= start and slot.end <= end:
                self.remove(slot)
            elif slot.start < start:
                self.set(slot, duration=start - slot.start)
            else:
                cut = end - slot.start
                self.set(slot, start=end, duration=slot.duration - cut, source_start=slot.source_start + cut)
        return splits

    def ripple(self, at: int, delta: int, keep: tuple[Slot, ...] = ()) -> None:
        """Shift every slot starting at or after `at` by `delta` frames (refused if it would collide)."""
        moving = [s for s in self.slots if s.start >= at and s not in keep]
        if delta < 0:
            blocked = [s for s in self.slots if s.start < at and s.end > at + delta]  # staying, in the way
            if blocked or (moving and min(s.start for s in moving) + delta < 0):
                what = rules.clip_label(blocked[0].item) if blocked else "the track start"
                raise PlacementError(f"cannot pull clips after frame {at} on {rules.track_label(self.track)} "
                                     f"{-delta} frames earlier: {what} is in the way")
        for slot in moving:
            self.set(slot, start=slot.start + delta)

    # ---- writing back -----------------------------------------------------------------------------------

    def write(self) -> list[otio.core.Composable]:
        """The edited track's children, checked: no overlaps, media ranges respected. Untouched items, and items
        only moved, are the live objects; the document checks dissolve handles once they are in place."""
        ordered = self.ordered()
        self._check_overlaps(ordered)
        children: list[otio.core.Composable] = []
        position = 0
        previous: Optional[Slot] = None
        between = {(left, right): transition for left, right, transition in self.transitions}
        for slot in ordered:
            if slot.start > position:
                children.append(self._gap(position, slot.start - position))
                previous = None
            transition = between.get((previous.id, slot.id)) if previous else None
            if transition is not None:
                children.append(transition)
            if slot.touched and not slot.unchanged():
                with meta.reading(self.memo):
                    rules.check_within_media(slot.item, slot.source_start, slot.duration, self.track, self.rate)
                slot.item.source_range = to_range(layout.media_start(slot.item, slot.source_start, self.rate), slot.duration,
                                                  self.rate)
            children.append(slot.current)
            position, previous = slot.end, slot
        return children

    def _check_overlaps(self, ordered: list[Slot]) -> None:
        for first, second in zip(ordered, ordered[1:]):
            if second.start < first.end:
                raise PlacementError(
                    f"{rules.clip_label(second.item)} at frames {second.start}..{second.end - 1} would overlap "
                    f"{rules.clip_label(first.item)} at {first.start}..{first.end - 1} on "
                    f"{rules.track_label(self.track)}")
        if ordered and ordered[0].start < 0:
            raise PlacementError(f"{rules.clip_label(ordered[0].item)} would start at frame {ordered[0].start}, "
                                 f"before the start of {rules.track_label(self.track)}")

    def _gap(self, start: int, duration: int) -> otio.schema.Gap:
        if self._gaps is None:
            self._gaps = {(p.start, p.duration): p.item for p in self._placed if isinstance(p.item, otio.schema.Gap)}
        existing = self._gaps.pop((start, duration), None)
        return existing if existing is not None else otio.schema.Gap(source_range=to_range(0, duration, self.rate))

    def check_dissolves_kept(self, what: str) -> None:
        """Refuse (naming the dissolve) an edit that would separate two clips joined by a dissolve, which would
        otherwise drop it silently; `what` says what the edit was."""
        for left_id, right_id, transition in self.transitions:
            left, right = self.find(left_id), self.find(right_id)
            if left is not None and right is not None and left.end < right.start:
                cut = self._cuts.get(meta.item_id(transition), left.end)
                raise PlacementError(
                    f"{what} would separate {rules.clip_label(left.item)} and {rules.clip_label(right.item)} and "
                    f"drop the {rules.dissolve_label(transition, cut, self.track)}; delete the dissolve first, "
                    f"or use a ripple trim or a roll")

    def add_transition(self, left: Slot, right: Slot, transition: otio.schema.Transition) -> None:
        self.transitions = [t for t in self.transitions if not (t[0] == left.id and t[1] == right.id)]
        self.transitions.append((left.id, right.id, transition))

    def remove_transition(self, transition_id: str) -> None:
        self.transitions = [t for t in self.transitions if meta.item_id(t[2]) != transition_id]


def _rows(track: otio.schema.Track, placed: list[layout.Placed], rate: Fraction, memo) -> list[Optional[tuple]]:
    """(start, duration, source start, item, id) of each item of the track's reading (None for a gap), kept in the
    memo from one reading to the next (`kept_views`): an edit reads only what it changed."""
    def row(index: int) -> Optional[tuple]:
        p = placed[index]
        if isinstance(p.item, otio.schema.Gap):
            return None
        return p.start, p.duration, layout.span(p.item, rate, memo)[1], p.item, _live_id(p.item, memo)

    if memo is None:
        return [row(index) for index in range(len(placed))]
    held = memo.views.get(("rows", id(track)))  # (track, rate, placed, rows)
    if held is not None and (held[0] is not track or held[1] != rate):
        held = None
    if held is not None and held[2] is placed:
        return held[3]
    change = layout.change_since(track, held[2]) if held is not None else None
    if change is not None:
        rows = kept_views.spliced(held[3], change, len(placed), row, _moved_row)
    else:
        rows = [row(index) for index in range(len(placed))]
    memo.views[("rows", id(track))] = (track, rate, placed, rows)
    return rows


def _moved_row(row: tuple, frames: int) -> tuple:
    return (row[0] + frames, *row[1:])


def _live_id(item: otio.core.Item, memo) -> Optional[str]:
    if memo is not None and isinstance(item, otio.schema.Clip):
        return memo.facts(item)[3]
    return meta.item_id(item)


def _key(placed: Optional[layout.Placed]) -> Optional[str]:
    if placed is None or isinstance(placed.item, otio.schema.Gap):
        return None
    return meta.item_id(placed.item)
