"""OTIO clips made from `MediaInfo`: a video/image clip, a linked audio clip, or an audio-only clip."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.media.info import MediaInfo
from seine_editor.timeline import meta
from seine_editor.timeline.time import seconds_to_frames, to_range


def media_length_frames(media: MediaInfo, rate: Fraction) -> int | None:
    """Media length in timeline frames; None for a still image (any length)."""
    if media.kind == "image":
        return None
    if media.kind == "video":
        return int(Fraction(media.frame_count) / media.fps * rate)
    return seconds_to_frames(media.duration_s, rate)


def clip_duration(media: MediaInfo, rate: Fraction, source_start: int, duration: int | None) -> int:
    """The duration to place: what was asked, or the rest of the media; stills need an explicit one."""
    length = media_length_frames(media, rate)
    if duration is None:
        if length is None:
            raise PlacementError(f"{media.path} is a still image: choose a duration in frames")
        duration = length - source_start
    if duration < 1:
        raise PlacementError(f"{media.path}: a clip needs at least 1 frame, got {duration} "
                             f"(source start {source_start}, media has {length} frames)")
    return duration


def make_clip(media: MediaInfo, kind: str, rate: Fraction, source_start: int, duration: int,
              name: str | None, link: str | None, **flags) -> otio.schema.Clip:
    """`kind` is the clip's role: "video", "image" or "audio" (the audio of a video file included); ``flags`` are
    more keys of its seine metadata."""
    available = None
    media_rate = None
    if media.kind == "video" and kind == "video":
        available = to_range(0, media.frame_count, media.fps)
        media_rate = media.fps
    elif kind == "audio":
        available = to_range(0, media_length_frames(media, rate), rate)
        media_rate = rate
    reference = otio.schema.ExternalReference(target_url=str(media.path), available_range=available)
    fields = {"id": meta.new_id(), "media_kind": kind, "link": link,
              "media_rate": None if media_rate is None else f"{media_rate.numerator}/{media_rate.denominator}", **flags}
    # the metadata given whole: each later change converts the namespace into OTIO again (a paste makes hundreds)
    return otio.schema.Clip(name=name or Path(media.path).name, media_reference=reference,
                            source_range=to_range(source_start, duration, rate),
                            metadata={meta.NAMESPACE: {k: v for k, v in fields.items() if v is not None}})
