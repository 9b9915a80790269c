"""One render plan: the command line (an OTIO timeline) and the window (the document's snapshot) show the same
frames, for nested compositions, disabled items, dissolves and every kind of media reference."""
from __future__ import annotations

import numpy as np
import opentimelineio as otio
import pytest

from seine_editor.media.synthetic import read_frame_index, read_tint, write_coded_image
from seine_editor.render.compositor import Compositor
from seine_editor.render.export import ExportSpec, export
from seine_editor.render.generators import smpte_bars
from seine_editor.render.plan import plan_of
from seine_editor.render.source_check import unusable_sources
from seine_editor.errors import OfflineMediaError
from seine_editor.timeline.document import TimelineDocument

SIZE = (320, 240)


def frames_both_ways(timeline: otio.schema.Timeline, frames) -> list[list[np.ndarray]]:
    """The pictures at ``frames`` as the command line plans them and as the window does."""
    window = TimelineDocument(timeline.deepcopy()).render_snapshot()
    out = []
    for source in (timeline, window):
        with Compositor(source, size=SIZE) as compositor:
            out.append([compositor.frame(n) for n in frames])
    return out


def codes(timeline, frames) -> list[int]:
    command_line, window = frames_both_ways(timeline, frames)
    assert all(np.array_equal(a, b) for a, b in zip(command_line, window))
    return [read_frame_index(f) for f in command_line]


def nested_track(*children, start=0, duration=None, rate=24) -> otio.schema.Track:
    track = otio.schema.Track(name="nested")
    for child in children:
        track.append(child)
    if duration is not None:
        track.source_range = otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate),
                                                     otio.opentime.RationalTime(duration, rate))
    return track


def nested_stack(*tracks, start, duration, rate=24) -> otio.schema.Stack:
    stack = otio.schema.Stack(name="compound", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(duration, rate)))
    for track in tracks:
        stack.append(track)
    return stack


def test_a_disabled_track_is_not_shown(tools, media):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 4)], [tools.clip("B", media["b"], 0, 4)])
    timeline.tracks[1].enabled = False
    assert codes(timeline, range(4)) == [0, 1, 2, 3]


def test_a_disabled_clip_leaves_a_gap_to_the_track_below(tools, media):
    top = tools.clip("B", media["b"], 0, 4)
    top.enabled = False
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 4)], [top])
    assert codes(timeline, range(4)) == [0, 1, 2, 3]


def test_a_nested_track_plays_its_items_in_sequence_within_its_source_range(tools, media):
    inner = nested_track(tools.clip("A", media["a"], 0, 4), tools.clip("B", media["b"], 0, 4), start=2, duration=4)
    timeline = tools.timeline([tools.clip("B", media["b"], 20, 2), inner, tools.clip("A", media["a"], 30, 2)])
    assert codes(timeline, range(8)) == [1020, 1021, 2, 3, 1000, 1001, 30, 31]


def test_a_nested_stack_composites_its_tracks_within_its_source_range(tools, media):
    """Inner frames 2..8 of a stack: the bottom track's B until the top track's A starts at inner frame 4."""
    bottom = nested_track(tools.clip("B", media["b"], 0, 12))
    top = nested_track(otio.schema.Gap(source_range=otio.opentime.TimeRange(tools.rt(0), tools.rt(4))),
                       tools.clip("A", media["a"], 20, 4))
    timeline = tools.timeline([tools.clip("A", media["a"], 40, 2), nested_stack(bottom, top, start=2, duration=6),
                               tools.clip("A", media["a"], 44, 2)])
    assert codes(timeline, range(10)) == [40, 41, 1002, 1003, 20, 21, 22, 23, 44, 45]


def test_a_nested_stack_sits_between_the_tracks_below_and_above_it(tools, media):
    stack = nested_stack(nested_track(tools.clip("B", media["b"], 0, 4)), start=0, duration=4)
    above = tools.clip("A", media["a"], 10, 2)
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 4)], [stack], [above])
    assert codes(timeline, range(4)) == [10, 11, 1002, 1003]


def test_a_dissolve_inside_a_nested_track_mixes_as_it_does_on_the_timeline(tools, media):
    pair = [tools.clip("A", media["a"], 10, 10), tools.dissolve(3, 3), tools.clip("B", media["b"], 0, 10)]
    flat = tools.timeline([c.clone() for c in pair])
    nested = tools.timeline([nested_track(*[c.clone() for c in pair])])
    flat_frames, _ = frames_both_ways(flat, range(20))
    nested_frames, window = frames_both_ways(nested, range(20))
    assert all(np.array_equal(a, b) for a, b in zip(flat_frames, nested_frames))
    assert all(np.array_equal(a, b) for a, b in zip(nested_frames, window))
    mixed = read_tint(nested_frames[10])
    assert tools.BLUE[0] < mixed[0] < tools.RED[0]  # the cut frame is a blend of both sides


def test_image_sequence_frames_are_read_by_index_at_the_references_rate(tools, tmp_path):
    (tmp_path / "shot").mkdir()
    for number in range(1001, 1011):
        write_coded_image(tmp_path / "shot" / f"shot.{number:04d}.png", index=number - 1000, tint=tools.GREEN)
    reference = otio.schema.ImageSequenceReference(
        target_url_base=str(tmp_path / "shot"), name_prefix="shot.", name_suffix=".png", start_frame=1001,
        frame_step=1, rate=12, frame_zero_padding=4,
        available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(86400, 12),
                                                otio.opentime.RationalTime(10, 12)))
    clip = otio.schema.Clip("seq", media_reference=reference, source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(86402, 12), otio.opentime.RationalTime(3, 12)))  # 3 frames at 12 = 6 at 24
    assert codes(tools.timeline([clip]), range(6)) == [3, 3, 4, 4, 5, 5]


def test_a_missing_frame_file_of_a_sequence_is_named_before_the_render(tools, tmp_path):
    for number in (1, 2, 4):
        write_coded_image(tmp_path / f"f{number}.png", index=number)
    reference = otio.schema.ImageSequenceReference(
        target_url_base=str(tmp_path), name_prefix="f", name_suffix=".png", start_frame=1, rate=24,
        available_range=otio.opentime.TimeRange(tools.rt(0), tools.rt(4)))
    clip = otio.schema.Clip("seq", media_reference=reference,
                            source_range=otio.opentime.TimeRange(tools.rt(0), tools.rt(4)))
    [unusable] = unusable_sources(plan_of(tools.timeline([clip])))
    assert unusable.path == f"{tmp_path}/f# .png [1-4]".replace("# ", "#")
    assert unusable.reason == f"missing 1 of the 4 frame files the edit shows, the first {tmp_path}/f3.png"
    assert unusable.clips == ("seq",)


def generator_clip(kind: str, frames: int, name: str = "", **parameters) -> otio.schema.Clip:
    reference = otio.schema.GeneratorReference(name=name, generator_kind=kind, parameters=parameters)
    return otio.schema.Clip(name or kind, media_reference=reference, source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(frames, 24)))


def test_smpte_bars_render_the_standard_bars(tools):
    [[frame], _] = frames_both_ways(tools.timeline([generator_clip("SMPTEBars", 2)]), [0])
    assert np.array_equal(frame, smpte_bars(SIZE))
    assert [tuple(frame[40, x]) for x in (20, 66, 112)] == [(191, 191, 191), (191, 191, 0), (0, 191, 191)]


@pytest.mark.parametrize("kind,name,parameters,colour", [
    ("SolidColor", "", {"color": [1.0, 0.5, 0.0]}, (255, 128, 0)),
    ("Color", "", {"color": "#204080"}, (32, 64, 128)),
    ("Slug", "Black Video", {}, (0, 0, 0)),
])
def test_colour_generators_fill_the_frame(tools, kind, name, parameters, colour):
    [[frame], _] = frames_both_ways(tools.timeline([generator_clip(kind, 2, name, **parameters)]), [0])
    assert np.all(frame == np.array(colour, np.uint8))


def test_transparent_video_shows_the_track_below(tools, media):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 2)], [generator_clip("Slug", 2, "Transparent Video")])
    assert codes(timeline, range(2)) == [0, 1]


def test_an_unsupported_generator_and_a_missing_reference_are_offline_with_their_reasons(tools, tmp_path):
    leader = generator_clip("Slug", 2, "Universal Counting Leader")
    nothing = otio.schema.Clip("Lost", media_reference=otio.schema.MissingReference(),
                               source_range=otio.opentime.TimeRange(tools.rt(0), tools.rt(2)))
    timeline = tools.timeline([leader, nothing])
    found = {(u.path, u.reason, u.clips) for u in unusable_sources(plan_of(timeline))}
    assert found == {
        ("Universal Counting Leader (generator Slug)", "generator 'Slug' ('Universal Counting Leader') is not one "
         "the editor can make; it makes: SMPTE bars, black, a solid colour with a 'color' parameter, transparent "
         "video", ("Universal Counting Leader",)),
        ("Lost", "no media: the clip has no media reference", ("Lost",))}
    with pytest.raises(OfflineMediaError):
        export(ExportSpec(timeline, tmp_path / "out.mp4", size=SIZE), None)
    assert not (tmp_path / "out.mp4").exists()
