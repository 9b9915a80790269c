"""Per-item views of a track (`ClipInfo`, `RenderItem`, link groups) kept from one reading of the track to the next.

An edit changes one run of a track's children; `layout.change_since` says which run, in the track's items. A view
kept as a list aligned with the items (`layout.Placed`) is brought up to date by rebuilding that run and one item
on each side of it (a dissolve and a generative item read their neighbours), and by reusing the rest of the list
as it was, or after a ripple a copy of it moved along. So an edit costs what it changed (a ripple: what it moved),
plus copying a few lists of pointers, however long the timeline.
"""
from __future__ import annotations

import bisect
from typing import Callable, Iterable, Optional

import opentimelineio as otio

from seine_editor.timeline import layout


def kept(memo, kind: str, track: otio.schema.Track, key,
         placed: list) -> tuple[Optional[tuple], Optional[layout.Change]]:
    """The view of ``kind`` the memo keeps for ``track``, made under ``key`` (stored as (track, key, placed, ...)),
    and what changed in the track since: (view, None) when it was made from this very reading, (view, change) when
    it can be brought up to date, (None, None) when there is none to start from (another key, or one made too many
    readings ago)."""
    held = memo.views.get((kind, id(track)))
    if held is None or held[0] is not track or held[1] != key:
        return None, None
    if held[2] is placed:
        return held, None
    change = layout.change_since(track, held[2])
    return (held, change) if change is not None else (None, None)


def spliced(before: list, change: layout.Change, count: int, build: Callable[[int], object],
            move: Optional[Callable[[object, int], object]] = None) -> list:
    """The view of a reading of ``count`` items, from ``before``, the view of ``change.before``: ``build(index)``
    for what changed and its neighbours; the rest reused, or after a ripple moved by ``move(view, frames)`` (built
    anew without one). A None in the view (an item it does not show) stays None."""
    first = max(0, change.head - 1)
    last = min(count, count - change.tail + 1)  # the new items built: [first, last)
    if change.moved and move is None:
        last = count
    reused_from = len(change.before) - (count - last)
    rest = before[reused_from:]
    if change.moved:
        rest = [None if view is None else move(view, change.shift) for view in rest]
    return [*before[:first], *(build(index) for index in range(first, last)), *rest]


# ---- link groups -----------------------------------------------------------------------------------------------

Part = dict  # link group -> [(the track's item holding the clip, clip id)], in track order


def link_part(track: otio.schema.Track, placed: list, memo) -> tuple[Part, Optional[set]]:
    """The linked clips of ``track`` (those nested in its compositions too) by group, and the groups whose entries
    changed since the part was last asked for (None: any may have). Entries name the track's items, which a
    ripple leaves alone: only what an edit changed is read again."""
    held, change = kept(memo, "links", track, None, placed)
    if held is not None and change is None:
        return held[3], set()
    if held is not None:
        part, touched = _spliced_part(held[3], change, placed, memo)
    else:
        part = {}
        for p in placed:
            for group, clip_id in _linked(p, memo):
                part.setdefault(group, []).append((p.item, clip_id))
        touched = None
    memo.views[("links", id(track))] = (track, None, placed, part)
    return part, touched


def _spliced_part(before: Part, change: layout.Change, placed: list, memo) -> tuple[Part, set]:
    removed = change.before[change.head:len(change.before) - change.tail]
    gone = {id(p.item) for p in removed}
    part = dict(before)
    touched = {group for p in removed for group, _ in _linked(p, memo)}
    for group in touched:
        kept = [entry for entry in part[group] if id(entry[0]) not in gone]
        if kept:
            part[group] = kept
        else:
            del part[group]
    places = None
    for p in placed[change.head:len(placed) - change.tail]:
        for group, clip_id in _linked(p, memo):
            touched.add(group)
            entries = list(part.get(group, ()))
            if entries:  # another of the group's clips on this track: in track order (the index is read once)
                places = places or _places(placed)
                at = bisect.bisect_right([places[id(item)] for item, _ in entries], places[id(p.item)])
            else:
                at = 0
            entries.insert(at, (p.item, clip_id))
            part[group] = entries
    return part, touched


def _places(placed: list) -> dict[int, int]:
    """The index in ``placed`` of each item, by the item's id."""
    return {id(p.item): index for index, p in enumerate(placed)}


def _linked(p: layout.Placed, memo) -> list[tuple[str, str]]:
    """(group, id) of each linked clip ``p`` holds: itself, or the clips nested in it."""
    item = p.item
    if isinstance(item, otio.schema.Clip):
        clips: Iterable = (item,)
    elif isinstance(item, otio.core.Composition):
        clips = item.find_clips()
    else:
        return []
    found = []
    for clip in clips:
        _, group, _, clip_id = memo.facts(clip)
        if group:
            found.append((group, clip_id))
    return found


class Links:
    """Clip ids by link group, in timeline order (track by track), read from the tracks' parts when asked."""

    def __init__(self, parts: list[Part]):
        self.parts = parts

    def get(self, group: str, default=()):
        ids = [clip_id for part in self.parts for _, clip_id in part.get(group, ())]
        return ids or default

    def groups(self) -> set:
        return set().union(*self.parts)


def changed_groups(before: Optional[Links], after: Links, touched: Optional[set]) -> frozenset:
    """The groups whose members differ: among ``touched`` (None: among all of them)."""
    if before is None:
        return frozenset(after.groups())
    candidates = before.groups() | after.groups() if touched is None else touched
    return frozenset(g for g in candidates if before.get(g) != after.get(g))


def positions(part: Part, groups: Iterable[str], placed: list, change: Optional[layout.Change]) -> list[int]:
    """Where in ``placed`` the items holding the clips of ``groups`` are, leaving out those ``change`` put there
    (their views are built anew anyway)."""
    fresh = {id(p.item) for p in placed[change.head:len(placed) - change.tail]} if change is not None else set()
    wanted = [item for group in groups for item, _ in part.get(group, ()) if id(item) not in fresh]
    if not wanted:
        return []
    places = _places(placed)
    return [places[id(item)] for item in wanted if id(item) in places]
