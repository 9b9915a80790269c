"""Reading an OTIO track as positioned items in whole frames at the timeline rate (read-only helpers).

Clips made by the document keep `source_range` at the timeline rate and `available_range` at the media's
own rate; a clip's *source offset* is its source start minus the available start, in timeline frames.

A clip's **speed** is OTIO's: a `LinearTimeWarp` effect (a `FreezeFrame` is one at 0) makes the clip show, ``t``
frames after its first, the media at its source start + speed × ``t``; the source range's duration stays the clip's
length on the track. Edits count a sped clip's source positions in *played frames*, the media's frames as the
clip plays them (media frames ÷ speed), so a split, a trim or a slip moves them by whole frames exactly as at 1×:
`span` and `available_frames` answer in played frames, `media_start` turns one back into the source range's start.
A frozen clip (speed 0) keeps its frame, and a reversed one (below 0) is not held to its media's length.
"""
from __future__ import annotations

import itertools
import math
import operator
import urllib.parse
import urllib.request
import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

import opentimelineio as otio

from seine_editor.timeline import meta
from seine_editor.timeline.time import convert_frames, exact_rate, exact_value, to_frames


@dataclass(frozen=True)
class Placed:
    """A clip, gap or nested composition at `start` for `duration` frames. It holds no index among the track's
    children, so when an edit adds or removes children, the items after them keep their `Placed`."""

    start: int
    duration: int
    item: otio.core.Item

    @property
    def end(self) -> int:
        return self.start + self.duration


@dataclass(frozen=True)
class PlacedTransition:
    transition: otio.schema.Transition
    left: Optional[Placed]
    right: Optional[Placed]
    cut: int  # timeline frame where left ends and right begins
    in_offset: int
    out_offset: int


@dataclass(frozen=True)
class Change:
    """How a track's reading differs from an earlier one, ``before``: ``placed[:head]`` are the very objects of
    ``before[:head]``; the last ``tail`` items are ``before``'s last ``tail`` moved ``shift`` frames (the very objects
    unless ``moved``). A view kept per item of ``before`` rebuilds only what lies between."""

    before: list[Placed]
    head: int
    tail: int
    shift: int
    moved: bool = False  # the tail's objects are new (a ripple, even one another ripple undid)
    history: tuple = ()  # the changes to ``before`` from the readings before it, latest first (a few at most)


HISTORY = 4  # readings a view may lag behind and still be brought up to date run by run


def change_since(track: otio.schema.Track, before: list[Placed]) -> Optional[Change]:
    """What the latest `read_track` of ``track`` changed since the reading whose items were ``before``, or None
    when that reading is not among the last few (the view is then built whole)."""
    memo = meta.active_memo()
    held = memo.reads.get(id(track)) if memo is not None else None
    latest = held[5] if held is not None and held[0] is track else None
    if latest is None:
        return None
    steps = [latest, *latest.history]
    for count, step in enumerate(steps, 1):
        if step.before is before:
            chain = steps[:count]
            shift = sum(s.shift for s in chain)
            return Change(before, min(s.head for s in chain), min(s.tail for s in chain), shift,
                          any(s.moved for s in chain))
    return None


def read_track(track: otio.schema.Track, rate: Fraction) -> tuple[list[Placed], list[PlacedTransition]]:
    """Items (clips, gaps, nested compositions) with frame positions, and transitions with their neighbours.

    Inside `meta.reading` with a memo, the previous reading of the same track is reused: only the run of children
    that differs from last time is read, and the items after it move along (the lists returned are shared: read
    them, never change them). `change_since` then says what differs from an earlier reading."""
    memo = meta.active_memo()
    if memo is None:
        children = list(track)
        placed = _place(children, 0, rate, None)
        return placed, _transitions(children, placed, rate)
    children = memo.children_of(track)
    held = memo.reads.get(id(track))
    if held is None or held[0] is not track or not (held[1] is rate or held[1] == rate):
        placed = _place(children, 0, rate, memo)
        transitions, change = _transitions(children, placed, rate), None
    else:
        old, old_placed, old_transitions = held[2:5]
        if old is children:
            return old_placed, old_transitions
        placed, change, run = _replace(old, children, old_placed, rate, memo, held[5])
        transitions = _transitions(children, placed, rate) if old_transitions or any(
            isinstance(c, otio.schema.Transition) for c in run) else []
    memo.reads[id(track)] = (track, rate, children, placed, transitions, change)
    return placed, transitions


def _place(children: list, position: int, rate: Fraction, memo) -> list[Placed]:
    placed = []
    for child in children:
        if not isinstance(child, otio.schema.Transition):
            duration = span(child, rate, memo)[0]
            placed.append(Placed(position, duration, child))
            position += duration
    return placed


def differing_run(old: list, new: list) -> tuple[int, int]:
    """(head, tail): how many children at the start and at the end of two lists are the same objects."""
    limit = min(len(old), len(new))
    head = next(itertools.compress(itertools.count(), map(operator.is_not, old, new)), limit)  # in C: a long track
    tail = next(itertools.compress(itertools.count(), map(operator.is_not, reversed(old), reversed(new))), limit)
    return head, min(tail, limit - head)


def _replace(old: list, new: list, old_placed: list[Placed], rate: Fraction, memo, previous: Optional[Change]):
    """``old_placed`` (of ``old``) for ``new``: the common head kept, the differing run read, the tail moved.
    Returns (placed, its `Change`, the differing run of ``new``)."""
    head, tail = differing_run(old, new)
    transitions_before = sum(1 for c in old[:head] if isinstance(c, otio.schema.Transition)) if len(
        old_placed) != len(old) else 0
    transitions_after = sum(1 for c in old[len(old) - tail:] if isinstance(c, otio.schema.Transition)) if len(
        old_placed) != len(old) else 0
    kept = head - transitions_before  # placed items among the common head
    moved = tail - transitions_after  # and among the common tail
    run = new[head:len(new) - tail]
    placed = old_placed[:kept]
    position = placed[-1].end if placed else 0
    placed += _place(run, position, rate, memo)
    position = placed[-1].end if placed else 0
    tail_items = old_placed[len(old_placed) - moved:] if moved else []
    shift = position - tail_items[0].start if tail_items else 0
    placed += tail_items if shift == 0 else [Placed(p.start + shift, p.duration, p.item) for p in tail_items]
    history = () if previous is None else (  # the earlier changes alone: a chain would hold every reading ever made
        dataclasses.replace(previous, history=()), *previous.history[:HISTORY - 2])
    return placed, Change(old_placed, kept, moved, shift, shift != 0, history), run


def _transitions(children: list, placed: list[Placed], rate: Fraction) -> list[PlacedTransition]:
    transitions = []
    after = 0
    for child in children:
        if not isinstance(child, otio.schema.Transition):
            after += 1
            continue
        left = placed[after - 1] if after > 0 else None
        right = placed[after] if after < len(placed) else None
        cut = left.end if left else (right.start if right else 0)
        transitions.append(PlacedTransition(child, left, right, cut, to_frames(child.in_offset, rate),
                                            to_frames(child.out_offset, rate)))
    return transitions


def span(item: otio.core.Item, rate: Fraction, memo=None) -> tuple[int, int | Fraction]:
    """(duration, source start) of ``item``'s trimmed range in frames at ``rate``, the start in played frames (a
    `Fraction` where a sped clip's is not whole); read once per object with a `memo.ItemMemo`."""
    held = memo.spans.get(id(item)) if memo is not None else None
    if held is not None and (held[1] is rate or held[1] == rate):
        return held[2], held[3]
    trimmed = item.trimmed_range()
    duration, start = to_frames(trimmed.duration, rate), played(item, trimmed.start_time, rate)
    if memo is not None:
        memo.spans[id(item)] = (item, rate, duration, start)
    return duration, start


ONE = Fraction(1)


def speed(item: otio.core.Item) -> Fraction:
    """How fast ``item`` plays its media: the product of its time warps' scalars, 1 without any."""
    effects = getattr(item, "effects", None)
    if not effects:
        return ONE
    value = ONE
    for effect in effects:
        if isinstance(effect, otio.schema.LinearTimeWarp):
            value *= Fraction(effect.time_scalar).limit_denominator(100_000)
    return value


def speed_label(speed) -> str:
    """A speed as a person types it: "200%", "33.3%"."""
    return f"{float(speed) * 100:.4g}%"


def played(item: otio.core.Item, start: otio.opentime.RationalTime, rate: Fraction) -> int | Fraction:
    """A source time of ``item`` (media time) in its played frames at ``rate``."""
    factor = speed(item)
    if factor == 1 or factor == 0:
        return to_frames(start, rate)
    return span_start(exact_frames(start, rate) / factor)


def media_start(item: otio.core.Item, played_start: int | Fraction, rate: Fraction) -> int | float:
    """The source range's start (timeline frames, media time) of ``item`` showing from ``played_start`` played
    frames: a value for `to_range`. A frozen clip keeps the frame it holds."""
    factor = speed(item)
    if factor == 1:
        return played_start
    if factor == 0:
        return to_frames(item.trimmed_range().start_time, rate)
    start = span_start(played_start * factor)
    return start if isinstance(start, int) else float(start)


def exact_frames(time: otio.opentime.RationalTime, rate: Fraction) -> Fraction:
    """``time`` in frames at ``rate``, fractions kept."""
    return exact_value(time.value) * rate / exact_rate(time.rate)


def span_start(value: Fraction) -> int | Fraction:
    """A played-frames position as `span` gives it: an int when whole."""
    return value.numerator if value.denominator == 1 else value


def clips_of(placed: list[Placed]) -> list[Placed]:
    return [p for p in placed if isinstance(p.item, otio.schema.Clip)]


def media_path(clip: otio.schema.Clip) -> Optional[str]:
    """The file a clip plays (file:// URLs decoded), or None for missing and generator references."""
    reference = clip.media_reference
    if isinstance(reference, otio.schema.ExternalReference) and reference.target_url:
        return url_path(reference.target_url)
    if isinstance(reference, otio.schema.ImageSequenceReference):
        return reference.target_url_base
    return None


def url_path(url: str) -> str:
    """A reference URL as a local path (file:// URLs decoded; anything else as stored)."""
    if url.startswith("file:"):
        return urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    return url


def media_rate(clip: otio.schema.Clip, timeline_rate: Fraction) -> Optional[Fraction]:
    """The rate of the clip's media frames; None for a still image (one frame for any time)."""
    stored = meta.get(clip, "media_rate")
    if meta.get(clip, "media_kind") == "image":
        return None
    if stored:
        return Fraction(stored)
    available = clip.media_reference.available_range if clip.media_reference else None
    if available is not None:
        return exact_rate(available.duration.rate)
    return timeline_rate


def available_frames(clip: otio.schema.Clip, rate: Fraction) -> Optional[tuple[int | Fraction, int]]:
    """(start, duration) of the media in the clip's played frames at ``rate`` (timeline frames at 1×), or None when
    unlimited (stills, missing media, frozen and reversed clips)."""
    media = media_available(clip, rate)
    factor = speed(clip)
    if media is None or factor == 1:
        return media
    if factor < 0 or factor == 0:
        return None
    return span_start(media[0] / factor), int(media[1] / factor + Fraction(1, 1000))


def media_available(clip: otio.schema.Clip, rate: Fraction) -> Optional[tuple[int, int]]:
    """(start, duration) of the media in timeline frames, or None when unlimited (stills, missing media); read once
    per object inside a `meta.reading` block with a memo (a view asks it several times for each clip)."""
    memo = meta.active_memo()
    if memo is None:
        return _available_frames(clip, rate)
    held = memo.available.get(id(clip))
    if held is None or held[0] is not clip or not (held[1] is rate or held[1] == rate):
        held = memo.available[id(clip)] = (clip, rate, _available_frames(clip, rate))
    return held[2]


def _available_frames(clip: otio.schema.Clip, rate: Fraction) -> Optional[tuple[int, int]]:
    if meta.get(clip, "media_kind") == "image":
        return None
    reference = clip.media_reference
    available = reference.available_range if reference is not None else None
    if available is None:
        return None
    start = to_frames(available.start_time, rate)
    seconds = exact_value(available.duration.value) / exact_rate(available.duration.rate)
    return start, int(seconds * rate + Fraction(1, 1000))


def source_offset(clip: otio.schema.Clip, rate: Fraction) -> int | Fraction:
    """Where the clip's source range starts inside its media, in played frames (timeline frames at 1×)."""
    start = played(clip, clip.trimmed_range().start_time, rate)
    available = available_frames(clip, rate)
    return start - available[0] if available else start


def media_offset(clip: otio.schema.Clip, offset_in_clip: int, rate: Fraction) -> Fraction:
    """Timeline-rate frames from the media's first frame to what the clip shows ``offset_in_clip`` frames after its
    own first, speed applied."""
    start = exact_frames(clip.trimmed_range().start_time, rate)
    available = media_available(clip, rate)
    return start - (available[0] if available else 0) + offset_in_clip * speed(clip)


def media_frame(clip: otio.schema.Clip, offset_in_clip: int, rate: Fraction) -> int:
    """The media frame index shown `offset_in_clip` timeline frames after the clip's first frame."""
    source_rate = media_rate(clip, rate)
    if source_rate is None:
        return 0
    if speed(clip) == 1:
        return convert_frames(source_offset(clip, rate) + offset_in_clip, rate, source_rate)
    return math.floor(media_offset(clip, offset_in_clip, rate) * source_rate / rate)
