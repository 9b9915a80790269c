"""Reading an OTIO track as positioned items in whole frames at the timeline rate (read-only helpers).

Clips made by the document keep `source_range` at the timeline rate and `available_range` at the media's
own rate; a clip's *source offset* is its source start minus the available start, in timeline frames.
"""
from __future__ import annotations

import urllib.parse
import urllib.request
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

import opentimelineio as otio

from seine_editor.timeline import meta
from seine_editor.timeline.time import convert_frames, exact_rate, to_frames


@dataclass(frozen=True)
class Placed:
    """A clip or gap at `start` for `duration` frames; `index` is its position among the track's children."""

    start: int
    duration: int
    item: otio.core.Item
    index: int

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


def read_track(track: otio.schema.Track, rate: Fraction) -> tuple[list[Placed], list[PlacedTransition]]:
    """Items (clips, gaps, nested compositions) with frame positions, and transitions with their neighbours."""
    placed: list[Placed] = []
    pending: list[tuple[otio.schema.Transition, int]] = []
    position = 0
    memo = meta.active_memo()
    for index, child in enumerate(track):
        if isinstance(child, otio.schema.Transition):
            pending.append((child, len(placed)))
            continue
        duration = span(child, rate, memo)[0]
        placed.append(Placed(position, duration, child, index))
        position += duration
    transitions = []
    for transition, after in pending:
        left = placed[after - 1] if after > 0 else None
        right = placed[after] if after < len(placed) else None
        cut = left.end if left else (right.start if right else 0)
        transitions.append(PlacedTransition(transition, left, right, cut, to_frames(transition.in_offset, rate),
                                            to_frames(transition.out_offset, rate)))
    return placed, transitions


def span(item: otio.core.Item, rate: Fraction, memo=None) -> tuple[int, int]:
    """(duration, source start) of ``item``'s trimmed range in frames at ``rate``; read once per object with a
    `memo.ItemMemo`."""
    held = memo.spans.get(id(item)) if memo is not None else None
    if held is not None and (held[1] is rate or held[1] == rate):
        return held[2], held[3]
    trimmed = item.trimmed_range()
    duration, start = to_frames(trimmed.duration, rate), to_frames(trimmed.start_time, rate)
    if memo is not None:
        memo.spans[id(item)] = (item, rate, duration, start)
    return duration, start


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


def available_frames(clip: otio.schema.Clip, rate: Fraction) -> Optional[tuple[int, int]]:
    """(start, duration) of the media in timeline frames, or None when unlimited (stills, missing media)."""
    if meta.get(clip, "media_kind") == "image":
        return None
    reference = clip.media_reference
    available = reference.available_range if reference is not None else None
    if available is None:
        return None
    start = to_frames(available.start_time, rate)
    seconds = Fraction(available.duration.value).limit_denominator(1_000_000) / exact_rate(available.duration.rate)
    return start, int(seconds * rate + Fraction(1, 1000))


def source_offset(clip: otio.schema.Clip, rate: Fraction) -> int:
    """Where the clip's source range starts inside its media, in timeline frames."""
    start = to_frames(clip.trimmed_range().start_time, rate)
    available = available_frames(clip, rate)
    return start - available[0] if available else start


def media_frame(clip: otio.schema.Clip, offset_in_clip: int, rate: Fraction) -> int:
    """The media frame index shown `offset_in_clip` timeline frames after the clip's first frame."""
    source_rate = media_rate(clip, rate)
    if source_rate is None:
        return 0
    return convert_frames(source_offset(clip, rate) + offset_in_clip, rate, source_rate)
