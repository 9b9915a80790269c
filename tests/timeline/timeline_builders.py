"""Builders for timeline tests: MediaInfo made directly (no files), layouts, round trips."""
from fractions import Fraction

import opentimelineio as otio
from seine_editor.media.info import AudioStreamInfo, MediaInfo
from seine_editor.timeline.document import TimelineDocument


def video(path="/media/a.mp4", frames=48, fps=Fraction(24), audio=True) -> MediaInfo:
    seconds = float(Fraction(frames) / fps)
    streams = (AudioStreamInfo(1, "aac", 48000, 2, "stereo", seconds),) if audio else ()
    return MediaInfo(path=path, kind="video", width=64, height=48, coded_width=64, coded_height=48, fps=fps,
                     frame_count=frames, duration_s=seconds, audio=streams)


def sound(path="/media/s.wav", seconds=2.0) -> MediaInfo:
    return MediaInfo(path=path, kind="audio", width=0, height=0, coded_width=0, coded_height=0, fps=None,
                     frame_count=0, duration_s=seconds, audio=(AudioStreamInfo(0, "pcm_s16le", 48000, 1, "mono", seconds),))


def still(path="/media/p.png") -> MediaInfo:
    return MediaInfo(path=path, kind="image", width=64, height=48, coded_width=64, coded_height=48, fps=None,
                     frame_count=1, duration_s=0.0)


def tracks(doc: TimelineDocument):
    """(video track id, audio track id) of a fresh document."""
    return doc.track_ids("video")[0], doc.track_ids("audio")[0]


def layout(doc: TimelineDocument, track_id: str):
    """[(name, start, duration, source start)] of the clips on a track."""
    return [(c.name, c.start_frame, c.duration_frames, c.source_start_frame) for c in doc.info().track(track_id).clips]


def children(doc: TimelineDocument, track_id: str):
    """[(schema, duration frames)] of the OTIO children, gaps and transitions included."""
    track = doc._track(track_id)
    out = []
    for child in track:
        if isinstance(child, otio.schema.Transition):
            out.append(("Transition", int(child.in_offset.value), int(child.out_offset.value)))
        else:
            out.append((child.schema_name(), int(child.trimmed_range().duration.value)))
    return out


def assert_round_trips(doc: TimelineDocument) -> None:
    text = doc.to_json()
    assert otio.adapters.write_to_string(otio.adapters.read_from_string(text), "otio_json") == text
