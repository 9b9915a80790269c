"""Other tools' timelines render the clip OTIO says is visible, at the source frame OTIO says, nested stacks and
tracks included.

Each sample's clips are pointed at image sequences whose pictures carry (clip number, source frame) in their pixels,
written only for the frames a sampled timeline frame needs. The expected clip comes from OTIO itself
(`transformed_time` from the timeline into the clip and each composition holding it, then the clip's own time warps
as OTIO defines them: media time = source start + scalar × time into the clip), not from the editor's planner.
Time warps on nested compositions are not applied by either (the planner plays them at 1×)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from seine_editor.media.synthetic import read_frame_index, write_coded_image
from seine_editor.render.compositor import Compositor
from seine_editor.timeline import otio_io
from seine_editor.timeline.document import TimelineDocument
from seine_editor.timeline.time import exact_rate

SAMPLES = Path(__file__).resolve().parents[1] / "interchange_samples"
FILES = sorted(f"{p.parent.name}/{p.name}" for d in ("otio", "edl", "xml") for p in (SAMPLES / d).iterdir()
               if p.name != "sample_just_track.xml")
SIZE = (320, 240)
SAMPLED_FRAMES = 24
AMBIGUOUS = "ambiguous"


def code(clip_number: int, frame: int) -> int:
    return (clip_number % 64) << 10 | frame % 1024


def visible_clip(timeline: otio.schema.Timeline, frame: int, rate: Fraction):
    """(clip, source time) OTIO shows at timeline ``frame`` on the top video track that shows one; None for
    nothing; AMBIGUOUS where two video clips show at once inside one track (a nested stack: which is on top is
    the planner's own reading, which this oracle does not repeat)."""
    time = otio.opentime.RationalTime(frame, float(rate))
    for track in reversed([t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]):
        if not track.enabled:
            continue
        shown = [(clip, timeline.tracks.transformed_time(time, clip)) for clip in track.find_clips()
                 if _on_a_picture_track(clip) and _shows(timeline, clip, time)]
        if len(shown) > 1:
            return AMBIGUOUS
        if shown:
            return shown[0]
    return None


def clip_speed(clip) -> Fraction:
    """The product of the clip's time warp scalars (a FreezeFrame is 0)."""
    speed = Fraction(1)
    for effect in clip.effects:
        if isinstance(effect, otio.schema.LinearTimeWarp):
            speed *= Fraction(effect.time_scalar)
    return speed


def _on_a_picture_track(clip) -> bool:
    track = clip.parent()
    while not isinstance(track, otio.schema.Track):
        track = track.parent()
    return track.kind == otio.schema.TrackKind.Video


def _shows(timeline, clip, time) -> bool:
    item = clip
    while item is not None and item is not timeline.tracks:
        if not item.enabled or not item.trimmed_range().contains(timeline.tracks.transformed_time(time, item)):
            return False
        item = item.parent()
    return True


def in_a_transition(timeline, frame: int, rate: Fraction) -> bool:
    time = otio.opentime.RationalTime(frame, float(rate))
    for transition in timeline.tracks.find_children(descended_from_type=otio.schema.Transition):
        parent = transition.parent()
        placed = parent.transformed_time_range(parent.range_of_child(transition), timeline.tracks)
        if placed.start_time - otio.opentime.RationalTime(1, placed.start_time.rate) <= time <= placed.end_time_inclusive():
            return True
    return False


def sampled_frames(duration: int) -> list[int]:
    return sorted({round(i * (duration - 1) / (SAMPLED_FRAMES - 1)) for i in range(SAMPLED_FRAMES)})


def point_at_coded_sequences(timeline, expected: dict, folder: Path) -> None:
    """Give every clip an image sequence holding the coded pictures ``expected`` needs (clip -> frames)."""
    for number, clip in enumerate(timeline.find_clips()):
        source = clip.trimmed_range()
        sequence_folder = folder / f"clip{number}"
        sequence_folder.mkdir()
        for frame in expected.get(number, ()):
            write_coded_image(sequence_folder / f"f{frame}.png", index=code(number, frame))
        clip.media_reference = otio.schema.ImageSequenceReference(
            target_url_base=str(sequence_folder), name_prefix="f", name_suffix=".png", start_frame=0,
            rate=source.duration.rate, available_range=otio.opentime.TimeRange(
                source.start_time, otio.opentime.RationalTime(
                    source.duration.value * max(1.0, float(clip_speed(clip))) + 1, source.duration.rate)))


@pytest.mark.parametrize("name", FILES)
def test_sample_renders_the_clip_otio_says_is_visible(name, tmp_path):
    opened = otio_io.read_timeline(SAMPLES / name, rate=25 if name.endswith("25fps.edl") else None)
    timeline = opened.timeline
    rate = otio_io.read_settings(timeline).fps
    with Compositor(timeline, size=SIZE) as probe_plan:
        duration = probe_plan.duration_frames
    if duration == 0:
        pytest.skip(f"{name} holds nothing to show")
    numbers = {id(clip): n for n, clip in enumerate(timeline.find_clips())}
    wanted, needs = {}, {}
    for frame in sampled_frames(duration):
        if in_a_transition(timeline, frame, rate):
            continue
        shown = visible_clip(timeline, frame, rate)
        if shown is AMBIGUOUS:
            continue
        if shown is None:
            wanted[frame] = None
            continue
        clip, source_time = shown
        source = clip.trimmed_range()
        index = int(Fraction((source_time - source.start_time).value) * clip_speed(clip)
                    * exact_rate(source.duration.rate) / exact_rate(source_time.rate) + Fraction(1, 1000))
        wanted[frame] = code(numbers[id(clip)], index)
        needs.setdefault(numbers[id(clip)], set()).add(index)
    point_at_coded_sequences(timeline, needs, tmp_path)
    for source in (timeline, TimelineDocument(timeline.deepcopy()).render_snapshot()):
        with Compositor(source, size=SIZE) as compositor:
            seen = {frame: read_frame_index(compositor.frame(frame)) if expected is not None
                    else int(compositor.frame(frame).max()) for frame, expected in wanted.items()}
        assert seen == {frame: expected if expected is not None else 0 for frame, expected in wanted.items()}
