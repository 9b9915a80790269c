"""A timeline re-expressed at another frame rate (Project settings → frame rate), as Kdenlive and Resolve do it:
every cut, marker and dissolve stays at the same instant, rounded to the nearest frame of the new rate, and every
clip opens on the same media frame.

Cuts are rounded as positions on the timeline, not as lengths, so a cut shared by several tracks stays shared and
no rounding drifts along a track. Media is read by time, so a 24 fps shot in a 25 fps timeline plays at its own
speed. Nothing is shorter than one frame after the change."""
from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio

from seine_editor.timeline import layout, meta
from seine_editor.timeline.time import to_frames, to_range, to_rational


def retimed_track(track: otio.schema.Track, old: Fraction, new: Fraction) -> otio.schema.Track:
    """A copy of ``track`` (ids kept) at rate ``new``."""
    placed, transitions = layout.read_track(track, old)
    copy = track.clone()
    items = iter(placed)  # the copy's children, transitions aside, in the same order
    end = 0  # where the previous item ends at the new rate
    for child in copy:
        if isinstance(child, otio.schema.Transition):
            continue
        item = next(items)
        start = end
        end = max(start + 1, _at(item.end, old, new))
        if isinstance(child, otio.schema.Clip):
            source_start = _opening_frame(child, old, new)
            _retime_clip(child, old, new)
        else:
            source_start = to_frames(child.trimmed_range().start_time, new)
        child.source_range = to_range(source_start, end - start, new)
    for child, placed_transition in zip((c for c in copy if isinstance(c, otio.schema.Transition)), transitions):
        child.in_offset = to_rational(max(1, _at(placed_transition.in_offset, old, new)), new)
        child.out_offset = to_rational(max(1, _at(placed_transition.out_offset, old, new)), new)
    return copy


def retimed_markers(markers, old: Fraction, new: Fraction) -> list[otio.schema.Marker]:
    return [_retimed_marker(m, old, new) for m in markers]


def _retime_clip(clip: otio.schema.Clip, old: Fraction, new: Fraction) -> None:
    """The clip's own markers, and the rate of media whose frames were counted at the timeline's rate (sound)."""
    clip.markers[:] = retimed_markers(list(clip.markers), old, new)
    if meta.get(clip, "media_rate") == f"{old.numerator}/{old.denominator}" and \
            meta.get(clip, "media_kind") == "audio":
        meta.update(clip, media_rate=f"{new.numerator}/{new.denominator}")


def _retimed_marker(marker: otio.schema.Marker, old: Fraction, new: Fraction) -> otio.schema.Marker:
    copy = marker.clone()
    start = _at(to_frames(marker.marked_range.start_time, old), old, new)
    end = _at(to_frames(marker.marked_range.end_time_exclusive(), old), old, new)
    copy.marked_range = to_range(start, max(0, end - start), new)
    return copy


def _opening_frame(clip: otio.schema.Clip, old: Fraction, new: Fraction) -> int:
    """The clip's source start at ``new``: the first frame there that shows the media frame it opens on now
    (rounding the instant could open it a media frame early or late)."""
    media_rate = layout.media_rate(clip, old)
    if media_rate is None:  # a still: any instant shows its one picture
        return to_frames(clip.trimmed_range().start_time, new)
    shown = layout.media_frame(clip, 0, old)
    available = layout.media_available(clip, new)
    return (available[0] if available else 0) - (-shown * new // media_rate)


def _at(frame: int, old: Fraction, new: Fraction) -> int:
    """The nearest frame at ``new`` to frame ``frame`` at ``old`` (halves round up, the same everywhere)."""
    exact = Fraction(frame) * new / old
    return int(exact + Fraction(1, 2)) if exact >= 0 else -int(-exact + Fraction(1, 2))
