"""Top-level tracks that carry their own source range, made plain on open.

OTIO lets a track show a window of its content: a negative start puts the content that many frames late, a positive
one cuts its head, and the duration cuts its tail. The document keeps tracks that start at frame 0 and show all they
hold, so on open such a window is written out: a leading gap, or the head and tail trimmed, which shows the same
frames. One writer uses the window for something else: OTIO's CMX3600 reader gives the track the negated record
start of its first event with the content's own length (a window entirely before the content). That is the
sequence's start timecode, so it becomes the timeline's `global_start_time` and the track shows all it holds."""
from __future__ import annotations

import opentimelineio as otio


def apply_track_ranges(timeline: otio.schema.Timeline) -> list[str]:
    """Write out the source range of each top-level track; returns notes on what changed."""
    notes = []
    for index, track in enumerate(list(timeline.tracks)):
        if not isinstance(track, otio.schema.Track) or track.source_range is None:
            continue
        window = track.source_range
        track.source_range = None
        content = track.duration()
        start = window.start_time.rescaled_to(content.rate) if content.value else window.start_time
        if start.value < 0 and window.duration == content and -start.value >= content.value:
            if not timeline.global_start_time or timeline.global_start_time.value == 0:
                timeline.global_start_time = -window.start_time
            continue
        if start.value < 0:
            track.insert(0, otio.schema.Gap(source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, start.rate), -start)))
            notes.append(f"track '{track.name}' starts {int(-start.value)} frames late: a gap holds its place")
            start = otio.opentime.RationalTime(0, start.rate)
        if start.value > 0 or window.duration < track.duration():
            trimmed = otio.algorithms.track_trimmed_to_range(track, otio.opentime.TimeRange(start, window.duration))
            timeline.tracks.remove(track)
            timeline.tracks.insert(index, trimmed)
            notes.append(f"track '{track.name}' shows only part of what it holds: the rest was trimmed away")
    return notes
