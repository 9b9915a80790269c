"""One track being edited in whole frames: the live track read as a list of slots, changed, then written back as
OTIO children (gaps filled, transitions kept where their clips still meet). The live track is never changed here:
a slot's item is cloned the first time an edit reaches for it (`Slot.item`), so the children an edit did not touch
stay the very objects the timeline holds, and the document swaps in only what differs (`TimelineDocument._apply`)."""
from __future__ import annotations

import bisect
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

    __slots__ = ("start", "duration", "source_start", "id", "touched", "_live", "_own", "_shown", "_index")

    def __init__(self, start: int, duration: int, source_start: int, item: otio.core.Item, touched: bool = False):
        """A slot for an item the edit places (new, or a slot's `item` clone)."""
        self.start, self.duration, self.source_start, self.touched = start, duration, source_start, touched
        self._live, self._own, self._shown, self._index = None, item, None, None
        self.id = meta.item_id(item)

    @classmethod
    def live(cls, row: tuple, index: int, shift: int = 0) -> "Slot":
        """A slot of the item at ``index`` in the track's reading, from its `_rows` row, ``shift`` frames later (a
        ripple moved it before it was made)."""
        slot = cls.__new__(cls)
        slot.start, slot.duration, slot.source_start, slot._live, slot.id = row
        slot._own, slot.touched, slot._shown, slot._index = None, shift != 0, (slot.duration, slot.source_start), index
        slot.start += shift
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
    """A track's slots, made when an edit asks for them. An edit that names its clips (a split, a trim, a move, a
    paste) makes only the slots it reaches and writes back only the run of children between the first and the last
    thing it changed; the rest of the track stays the very children it was, unread. A ripple moves the slots it has
    not made as a run. An edit that needs the whole track (`ordered`, `slots`) makes every slot, once."""

    def __init__(self, track: otio.schema.Track, rate: Fraction, memo=None):
        """``memo``: the document's `memo.ItemMemo`, so reading a long track costs dictionary lookups."""
        self.track = track  # read only: names the track in messages
        self.rate = rate
        self.memo = memo
        with meta.reading(memo):
            self.children = memo.children_of(track) if memo is not None else list(track)
            placed, transitions = layout.read_track(track, rate)
            self._placed = placed
            self._rows, self._ids = _rows(track, placed, rate, memo)
            self.transitions = [(_key(t.left), _key(t.right), t.transition) for t in transitions]
            self._cuts = {meta.item_id(t.transition): t.cut for t in transitions}  # where each dissolve was
        self._made: dict[int, Slot] = {}  # the live slots an edit asked for, by index in the reading
        self._gone: set[int] = set()  # the live slots it removed
        self._added: list[Slot] = []  # the slots it placed
        self._shifts: list[tuple[int, int]] = []  # (first index, frames): items a ripple moved before being made
        self._all: Optional[list[Slot]] = None  # every slot, once an edit needed them all
        self._original_transitions = list(self.transitions)
        # the reading's index of the item before each dissolve, to count children; None: a dissolve with a free side
        self._dissolves_after: Optional[list[int]] = None if any(t.left is None or t.right is None
                                                                 for t in transitions) else sorted(
            _index_of(placed, t.left) for t in transitions)

    @property
    def id(self) -> str:
        return meta.item_id(self.track)

    @property
    def name(self) -> str:
        return self.track.name

    @property
    def slots(self) -> list[Slot]:
        """Every slot: the live ones (in track order) that were not removed, then those the edit placed."""
        if self._all is None:
            self._all = [self._live_slot(index) for index, row in enumerate(self._rows)
                         if row is not None and index not in self._gone] + self._added
        return self._all

    def _live_slot(self, index: int) -> Slot:
        slot = self._made.get(index)
        if slot is None:
            slot = self._made[index] = Slot.live(self._rows[index], index, self._shift_at(index))
        return slot

    def _shift_at(self, index: int) -> int:
        return sum(frames for first, frames in self._shifts if index >= first)

    def _start_at(self, index: int) -> int:
        """Where the reading's item ``index`` starts now, unless made since (a made slot says where it is)."""
        return self._placed[index].start + self._shift_at(index)

    def _end_at(self, index: int) -> int:
        return self._start_at(index) + self._placed[index].duration

    def _live_candidates(self, indices) -> list[Slot]:
        """The live slots at ``indices`` of the reading that are still in the track."""
        return [self._live_slot(i) for i in indices if self._rows[i] is not None and i not in self._gone]

    def _moved_or_added(self) -> list[Slot]:
        """Slots whose place may differ from the reading's: those made (still in the track), then those placed."""
        return [self._made[i] for i in sorted(self._made) if i not in self._gone] + self._added

    @property
    def end(self) -> int:
        if self._all is not None:
            return max((s.end for s in self._all), default=0)
        ends = [s.end for s in self._moved_or_added()]
        last = next((i for i in range(len(self._rows) - 1, -1, -1) if self._rows[i] is not None and (
            i not in self._gone) and i not in self._made), None)
        if last is not None:
            ends.append(self._end_at(last))
        return max(ends, default=0)

    def find(self, item_id: str) -> Optional[Slot]:
        if self._all is not None:
            return next((s for s in self._all if s.id == item_id), None)
        try:
            index = self._ids.index(item_id)
        except ValueError:
            index = None
        if index is not None and index not in self._gone:
            return self._live_slot(index)
        return next((s for s in self._added if s.id == item_id), None)

    def slot(self, item_id: str) -> Slot:
        found = self.find(item_id)
        if found is None:
            raise PlacementError(f"no clip with id {item_id!r} on {rules.track_label(self.track)}")
        return found

    def slot_at(self, frame: int) -> Optional[Slot]:
        return next((s for s in self._in_order(self._near(frame, frame + 1)) if s.start <= frame < s.end), None)

    def ordered(self) -> list[Slot]:
        return sorted(self.slots, key=lambda s: s.start)

    def neighbour_after(self, slot: Slot) -> Optional[Slot]:
        return next((s for s in self._in_order(self._near(slot.end - 1, slot.end + 1))
                     if s.start == slot.end and s is not slot), None)

    def _near(self, start: int, end: int) -> list[Slot]:
        """The slots that may reach into [start, end): all of them once made, else the live ones the reading has
        there plus every slot that may have moved."""
        if self._all is not None:
            return self._all
        first = bisect.bisect_right(range(len(self._placed)), start, key=self._end_at)
        last = bisect.bisect_left(range(len(self._placed)), end, key=self._start_at)
        return self._live_candidates(range(first, max(first, last))) + [
            s for s in self._moved_or_added() if s.start <= end and s.end >= start]  # a paste places hundreds

    def _in_order(self, slots: list[Slot]) -> list[Slot]:
        """``slots`` in the order of `slots` (the live ones by place in the reading, then those placed)."""
        if self._all is not None:
            return slots
        unique = list({id(s): s for s in slots}.values())
        if len(unique) < 2:
            return unique
        added = {id(s): place for place, s in enumerate(self._added)} if any(s._index is None for s in unique) else {}
        return sorted(unique, key=lambda s: (s._index is None, s._index if s._index is not None else 0,
                                             added[id(s)] if s._index is None else 0))

    # ---- changes ----------------------------------------------------------------------------------------

    def add(self, start: int, duration: int, source_start: int, item: otio.core.Item) -> Slot:
        """Place ``item``, which must be the edit's own (new, or a slot's `item` clone)."""
        slot = Slot(start, duration, source_start, item, touched=True)
        self._added.append(slot)
        if self._all is not None:
            self._all.append(slot)
        return slot

    def remove(self, slot: Slot) -> None:
        if self._all is not None:
            self._all.remove(slot)
        if slot._index is not None:
            self._gone.add(slot._index)
        else:
            self._added.remove(slot)

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
        for slot in self._in_order(list(self._near(start, end))):
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
        """Shift every slot starting at or after `at` by `delta` frames (refused if it would collide). The items
        not made yet are moved as a run (`_shifts`): a ripple makes only the slots it reaches."""
        if self._all is not None:
            moving = [s for s in self._all if s.start >= at and s not in keep]
            blocked = [s for s in self._all if s.start < at and s.end > at + delta]  # staying, in the way
        else:
            count = len(self._placed)
            first_moving = bisect.bisect_left(range(count), at, key=self._start_at)
            first_blocked = bisect.bisect_right(range(first_moving), at + delta, key=self._end_at) if delta < 0 \
                else first_moving
            unmade = [i for i in range(first_blocked, first_moving)
                      if self._rows[i] is not None and i not in self._gone and i not in self._made]
            made = self._moved_or_added()
            moving = [s for s in made if s.start >= at and s not in keep]
            blocked = self._in_order([self._live_slot(i) for i in unmade] + [
                s for s in made if s.start < at and s.end > at + delta])
            rest = next((i for i in range(first_moving, count) if self._rows[i] is not None and (
                i not in self._gone) and i not in self._made), None)
            if rest is not None:
                moving.append(self._live_slot(rest))  # the first of the run: what the check below reads
                self._shifts.append((rest + 1, delta))
        if delta < 0 and (blocked or (moving and min(s.start for s in moving) + delta < 0)):
            what = rules.clip_label(blocked[0].item) if blocked else "the track start"
            raise PlacementError(f"cannot pull clips after frame {at} on {rules.track_label(self.track)} "
                                 f"{-delta} frames earlier: {what} is in the way")
        for slot in moving:
            self.set(slot, start=slot.start + delta)

    # ---- writing back -----------------------------------------------------------------------------------

    def write(self) -> list[otio.core.Composable]:
        """The edited track's children, checked: no overlaps, media ranges respected. Untouched items, and items
        only moved, are the live objects; the document checks dissolve handles once they are in place."""
        if self._all is None:
            run = self._changed_run()
            if run is None:
                return self.children
            if run is not False:
                return self._write_run(*run)
        ordered = self.ordered()
        self._check_overlaps(ordered)
        return self._written(ordered, 0, None)

    def _changed_run(self):
        """(first, last) indices of the reading between which the edit changed something, widened over gaps so
        that gaps around it are written whole; None when nothing changed; False when the whole track is to be
        written (a dissolve with a free side, a track that ends in a gap)."""
        count = len(self._placed)
        boundaries = [i for first, frames in self._shifts if frames for i in (first - 1, first) if 0 <= i < count]
        dirty = [i for i, slot in self._made.items() if slot.touched or slot._own is not None] + list(self._gone)
        changed_transitions = set(self.transitions) ^ set(self._original_transitions)
        if not dirty and not boundaries and not self._added and not changed_transitions:
            return None
        if self._dissolves_after is None or (self._rows and self._rows[-1] is None):
            return False
        dirty += boundaries  # where a run a ripple moved meets what stayed
        spans = [(self._start_at(i), self._end_at(i)) for i in dirty]
        spans += [(s.start, s.end) for s in (*(self._made[i] for i in dirty if i in self._made and i not in
                                                self._gone), *self._added)]
        for left_id, right_id, _ in changed_transitions:
            spans += [(s.start, s.end) for s in (self.find(left_id), self.find(right_id)) if s is not None]
        low, high = min(start for start, _ in spans), max(end for _, end in spans)
        first = min([bisect.bisect_right(range(count), low, key=self._end_at), *dirty])
        last = max([bisect.bisect_left(range(count), high, key=self._start_at), *(i + 1 for i in dirty)])
        while first > 0 and self._rows[first - 1] is None:
            first -= 1
        while last < len(self._rows) and self._rows[last] is None:
            last += 1
        return first, last

    def _write_run(self, first: int, last: int) -> list[otio.core.Composable]:
        """The children with those of the reading's items [first, last) (and the dissolves beside them) written
        anew; the item before and the one after stay, and frame the run."""
        before = self._live_slot(first - 1) if first > 0 else None
        after = self._live_slot(last) if last < len(self._rows) else None
        ordered = sorted(self._live_candidates(range(first, last)) + self._added, key=lambda s: s.start)
        self._check_overlaps(([before] if before is not None else []) + ordered + ([after] if after else []))
        written = self._written(ordered + ([after] if after is not None else []), before.end if before else 0,
                                before)
        if after is not None:
            written.pop()
        start = self._child_index(first - 1) + 1 if first > 0 else 0
        end = self._child_index(last) if last < len(self._rows) else len(self.children)
        return [*self.children[:start], *written, *self.children[end:]]

    def _child_index(self, index: int) -> int:
        """Where the reading's item ``index`` is among the track's children (dissolves are children too)."""
        return index + bisect.bisect_left(self._dissolves_after, index)

    def _written(self, ordered: list[Slot], position: int, previous: Optional[Slot]) -> list[otio.core.Composable]:
        children: list[otio.core.Composable] = []
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
                slot.item.source_range = to_range(layout.media_start(slot.item, slot.source_start, self.rate),
                                                  slot.duration, self.rate)
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
        """The track's gap at ``start`` of ``duration`` frames when it has one, else a new one."""
        index = bisect.bisect_left(self._placed, start, key=lambda p: p.start)
        while index < len(self._placed) and self._placed[index].start == start:
            p = self._placed[index]
            if isinstance(p.item, otio.schema.Gap) and p.duration == duration:
                return p.item
            index += 1
        return otio.schema.Gap(source_range=to_range(0, duration, self.rate))

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


def prepare(track: otio.schema.Track, rate: Fraction, memo) -> None:
    """Read what an edit of ``track`` reads (its slots' rows), ahead of the first edit."""
    with meta.reading(memo):
        _rows(track, layout.read_track(track, rate)[0], rate, memo)


def _rows(track: otio.schema.Track, placed: list[layout.Placed], rate: Fraction, memo) -> tuple[list, list]:
    """(start, duration, source start, item, id) of each item of the track's reading (None for a gap), and the
    ids alone, kept in the memo from one reading to the next (`kept_views`): an edit reads only what it changed."""
    def row(index: int) -> Optional[tuple]:
        p = placed[index]
        if isinstance(p.item, otio.schema.Gap):
            return None
        return p.start, p.duration, layout.span(p.item, rate, memo)[1], p.item, _live_id(p.item, memo)

    if memo is None:
        rows = [row(index) for index in range(len(placed))]
        return rows, [r[4] if r is not None else None for r in rows]
    held, change = kept_views.kept(memo, "rows", track, rate, placed)  # (track, rate, placed, rows, ids)
    if held is not None and change is None:
        return held[3], held[4]
    if held is not None:
        rows = kept_views.spliced(held[3], change, len(placed), row, _moved_row)
        ids = kept_views.spliced(held[4], change, len(placed), lambda i: rows[i][4] if rows[i] else None,
                                 lambda item_id, _: item_id)
    else:
        rows = [row(index) for index in range(len(placed))]
        ids = [r[4] if r is not None else None for r in rows]
    memo.views[("rows", id(track))] = (track, rate, placed, rows, ids)
    return rows, ids


def _moved_row(row: tuple, frames: int) -> tuple:
    return (row[0] + frames, *row[1:])


def _live_id(item: otio.core.Item, memo) -> Optional[str]:
    if memo is not None and isinstance(item, otio.schema.Clip):
        return memo.facts(item)[3]
    return meta.item_id(item)


def _index_of(placed: list[layout.Placed], item: layout.Placed) -> int:
    index = bisect.bisect_left(placed, item.start, key=lambda p: p.start)
    while placed[index] is not item:
        index += 1
    return index


def _key(placed: Optional[layout.Placed]) -> Optional[str]:
    if placed is None or isinstance(placed.item, otio.schema.Gap):
        return None
    return meta.item_id(placed.item)
