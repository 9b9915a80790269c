"""Placement, trim and transition checks. Each raises `PlacementError` naming the clip, track and frames,
and runs before a new track state is swapped into the document."""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Optional

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.media.info import MediaInfo
from seine_editor.timeline import layout, meta


def track_label(track: otio.schema.Track) -> str:
    return f"track '{track.name or meta.item_id(track)}'"


def clip_label(item: otio.core.Item) -> str:
    return f"clip '{item.name or meta.item_id(item)}'"


def check_unlocked(track: otio.schema.Track) -> None:
    if meta.get(track, "locked", False):
        raise PlacementError(f"{track_label(track)} is locked; unlock it to edit")


def check_media_fits_track(media: MediaInfo, track: otio.schema.Track) -> None:
    is_audio_track = track.kind == otio.schema.TrackKind.Audio
    if media.kind == "audio" and not is_audio_track:
        raise PlacementError(f"{media.path} is audio-only and cannot go on video {track_label(track)}")
    if media.kind in ("video", "image") and is_audio_track:
        raise PlacementError(f"{media.path} has pictures and cannot go on audio {track_label(track)}")
    if media.kind not in ("video", "audio", "image"):
        raise PlacementError(f"{media.path} has media kind {media.kind!r}; allowed: video, audio, image")
    if media.kind == "video" and (media.fps is None or media.frame_count < 1):
        raise PlacementError(f"{media.path} has no video frames to place")


def check_frame(value: int, what: str, minimum: int = 0) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise PlacementError(f"{what} must be a whole number of frames >= {minimum}, got {value!r}")


def check_within_media(item: otio.core.Item, source_start: int, duration: int, track: otio.schema.Track,
                       rate: Fraction) -> None:
    """The clip's source range (timeline frames) must lie inside the media's available range."""
    if duration < 1:
        raise PlacementError(f"{clip_label(item)} on {track_label(track)} would last {duration} frames; "
                             f"a clip needs at least 1")
    if not isinstance(item, otio.schema.Clip):
        return
    available = layout.available_frames(item, rate)
    if available is None:
        return
    first, length = available
    offset = source_start - first
    if offset < 0:
        raise PlacementError(f"{clip_label(item)} on {track_label(track)} would start {math.ceil(-offset)} frames "
                             f"before its media begins")
    if offset + duration > length:
        speed = layout.speed(item)
        at = f" at {layout.speed_label(speed)}" if speed != 1 else ""
        raise PlacementError(f"{clip_label(item)} on {track_label(track)} would need frames {math.floor(offset)}..."
                             f"{math.ceil(offset + duration) - 1} of its media, which has {length} frames{at}")


def head_handle(clip: otio.core.Item, rate: Fraction) -> Optional[int]:
    """Media frames available before the clip's first frame; None when unlimited."""
    if not isinstance(clip, otio.schema.Clip) or layout.available_frames(clip, rate) is None:
        return None
    return layout.source_offset(clip, rate)


def tail_handle(clip: otio.core.Item, duration: int, rate: Fraction) -> Optional[int]:
    if not isinstance(clip, otio.schema.Clip):
        return None
    available = layout.available_frames(clip, rate)
    if available is None:
        return None
    return available[1] - layout.source_offset(clip, rate) - duration


def check_new_dissolve(left: otio.core.Item, left_duration: int, right: otio.core.Item, in_offset: int,
                       out_offset: int, cut: int, rate: Fraction) -> None:
    """A dissolve about to be added finds the handles it needs on both sides; if not, the refusal says which item
    lacks frames and what would make room (the general check would blame a dissolve that does not exist yet)."""
    for item, handle, needed, where in ((left, tail_handle(left, left_duration, rate), out_offset, "after its end"),
                                        (right, head_handle(right, rate), in_offset, "before its start")):
        if handle is not None and handle < needed:
            raise PlacementError(f"a {in_offset + out_offset}-frame dissolve at frame {cut} needs {needed} frames of "
                                 f"{clip_label(item)} {where}, and it has {handle}: trim {clip_label(item)} to leave "
                                 f"unused frames there, or make the dissolve shorter")


def dissolve_label(transition: otio.schema.Transition, cut: int, track: otio.schema.Track) -> str:
    return f"dissolve '{transition.name or 'Cross Dissolve'}' at frame {cut} on {track_label(track)}"


def check_transitions(track: otio.schema.Track, rate: Fraction, near=None) -> None:
    """Every dissolve sits between two items and fits inside their handles and durations. With ``near`` (the
    children an edit put in), only the dissolves among or next to them: the others were checked already and still
    have the same neighbours."""
    placed, transitions = layout.read_track(track, rate)
    if near is not None:
        fresh = {id(item) for item in near}
        for pt in transitions:  # a new or changed dissolve: its clips' other dissolves may now overlap it
            if id(pt.transition) in fresh:
                fresh.update(id(side.item) for side in (pt.left, pt.right) if side is not None)
        transitions = [pt for pt in transitions if fresh.intersection(
            (id(pt.transition), id(pt.left.item) if pt.left else None, id(pt.right.item) if pt.right else None))]
    for pt in transitions:
        label = dissolve_label(pt.transition, pt.cut, track)
        if pt.left is None or pt.right is None:
            raise PlacementError(f"{label} needs an item on each side")
        _check_side(pt.left, pt.out_offset, tail_handle(pt.left.item, pt.left.duration, rate), label)
        _check_side(pt.right, pt.in_offset, head_handle(pt.right.item, rate), label)
        if pt.in_offset > pt.left.duration or pt.out_offset > pt.right.duration:
            raise PlacementError(f"{label} spans {pt.in_offset}+{pt.out_offset} frames, longer than "
                                 f"{clip_label(pt.left.item)} ({pt.left.duration}) or {clip_label(pt.right.item)} "
                                 f"({pt.right.duration}); shorten or delete the dissolve first")
    _check_no_overlapping_transitions(transitions, track)


def _check_side(placed: layout.Placed, needed: int, handle: Optional[int], label: str) -> None:
    if handle is not None and handle < needed:
        raise PlacementError(f"{label}: {clip_label(placed.item)} has {handle} frames of handle, the dissolve needs "
                             f"{needed}; shorten or delete the dissolve first")


def _check_no_overlapping_transitions(transitions: list[layout.PlacedTransition], track) -> None:
    for first, second in zip(transitions, transitions[1:]):
        if first.right is second.left and first.out_offset + second.in_offset > first.right.duration:
            raise PlacementError(f"dissolves at frames {first.cut} and {second.cut} on {track_label(track)} "
                                 f"overlap inside {clip_label(first.right.item)}")


def check_dissolve_offsets(in_offset: int, out_offset: int) -> None:
    check_frame(in_offset, "dissolve in offset")
    check_frame(out_offset, "dissolve out offset")
    if in_offset + out_offset < 1:
        raise PlacementError("a dissolve needs at least 1 frame (in offset + out offset), got 0")
