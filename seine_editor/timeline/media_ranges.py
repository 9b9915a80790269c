"""The media's own time on clips: available ranges from a probe, and source timecode for other editors.

OTIO's convention is that a reference's `available_range` starts at the media's start timecode and a clip's
`source_range` is in that same time. The document keeps the clips it makes at media time 0 (exact at any timeline
rate: a start timecode such as 01:00:00:05 at 24 fps is not a whole number of 25 fps frames), and reads either
convention, since a source position is always the source start less the available start. So:

- on open, a clip whose reference has no available range (an EDL's, a hand-written file's) gets one from a probe
  of its media, which says where the media's time begins; without it an hour-stamped source range would be read as
  an hour into the file;
- on export, each clip of a file that has a start timecode is moved into the media's time, so an EDL, FCP7 or FCPX
  reader conforms against the frames the camera file really holds.
"""
from __future__ import annotations

import os
from typing import Optional

import opentimelineio as otio

from seine_editor.errors import MediaError
from seine_editor.timeline import layout, meta


def probed_range(path: str) -> Optional[otio.opentime.TimeRange]:
    """The media's available range from a probe (start at its timecode), None for stills and unreadable files."""
    from seine_editor.media.probe import probe

    if not path or not os.path.isfile(path):
        return None
    try:
        info = probe(path)
    except MediaError:
        return None
    if info.kind == "video" and info.fps:
        rate = float(info.fps)
        return otio.opentime.TimeRange(start_of(info.start_timecode, rate),
                                       otio.opentime.RationalTime(info.frame_count, rate))
    if info.kind == "audio" and info.audio_rate:
        rate = float(info.audio_rate)
        return otio.opentime.TimeRange(otio.opentime.RationalTime(0, rate),
                                       otio.opentime.RationalTime(round(info.duration_s * rate), rate))
    return None


def start_of(timecode: Optional[str], rate: float) -> otio.opentime.RationalTime:
    """A start timecode ("01:00:00:00", drop-frame "00:59:59;28") as a time at ``rate``; 0 when absent or not
    readable at that rate."""
    if not timecode:
        return otio.opentime.RationalTime(0, rate)
    try:
        return otio.opentime.from_timecode(timecode, rate)
    except ValueError:
        return otio.opentime.RationalTime(0, rate)


def fill_available_ranges(timeline: otio.schema.Timeline, *, fallback_to_source: bool = False) -> list[str]:
    """Give every clip on a local file without an available range the probed one. With ``fallback_to_source``
    (writers that need a range), a clip whose media cannot be probed gets its own source range; each is noted."""
    notes = []
    for clip in timeline.find_clips():
        reference = clip.media_reference
        if not isinstance(reference, otio.schema.ExternalReference) or reference.available_range is not None:
            continue
        found = None if _is_still(clip) else probed_range(layout.media_path(clip) or "")  # a still has no range
        if found is not None:
            reference.available_range = found
        elif fallback_to_source and clip.source_range is not None:
            reference.available_range = clip.source_range
            if not _is_still(clip):
                notes.append(f"clip '{clip.name}': its media could not be read, so its source range was written "
                             "as the media's range")
    return notes


def move_to_source_timecode(timeline: otio.schema.Timeline) -> None:
    """Clips kept at media time 0 move into their media's timecode (available and source ranges alike)."""
    for clip in timeline.find_clips():
        reference = clip.media_reference
        available = getattr(reference, "available_range", None)
        if not isinstance(reference, otio.schema.ExternalReference) or available is None \
                or available.start_time.value != 0 or clip.source_range is None:
            continue
        probed = probed_range(layout.media_path(clip) or "")
        if probed is None or probed.start_time.value == 0:
            continue
        start = probed.start_time.rescaled_to(available.duration.rate)
        reference.available_range = otio.opentime.TimeRange(start, available.duration)
        source = clip.source_range
        clip.source_range = otio.opentime.TimeRange(source.start_time + start.rescaled_to(source.start_time.rate),
                                                    source.duration)


def _is_still(clip: otio.schema.Clip) -> bool:
    return meta.get(clip, "media_kind") == "image"
