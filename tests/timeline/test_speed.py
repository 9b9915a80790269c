"""Constant speed: an OTIO LinearTimeWarp on the clip. The clip keeps its start and its first media frame, lasts
1/speed as long, and every edit after it (split, trim, slip) moves its source by whole played frames, so the
render shows the media frame OTIO's reading gives: source start + speed × time into the clip."""
import json
from fractions import Fraction

import opentimelineio as otio
import pytest

from seine_editor.errors import PlacementError
from seine_editor.timeline.document import TimelineDocument
from seine_editor.timeline.time import to_range
from timeline_builders import layout, still, tracks, video


@pytest.fixture
def shots(doc):
    """A (96-frame media, shown from its frame 10 for 40 frames) then B (20 frames), each with linked sound."""
    v, a = tracks(doc)
    first = doc.insert_clip(video(frames=96), v, 0, duration_frames=40, source_start_frame=10).ids
    doc.insert_clip(video(path="/media/b.mp4"), v, 40, duration_frames=20)
    return doc, v, a, first[0]


def media_frames(doc, track_id):
    """(timeline frame, media frame) of every frame each clip on the track shows, through the render snapshot."""
    track = next(t for t in doc.render_snapshot().tracks if t.id == track_id)
    return [(f, item.media_frame_at(f)) for item in track.items for f in range(item.start_frame, item.end_frame)]


def stored_clip(doc, index=0):
    return json.loads(doc.to_json())["tracks"]["children"][0]["children"][index]


def test_double_speed_halves_the_clip_keeps_its_first_frame_and_pulls_what_follows_on_both_tracks(shots):
    doc, v, a, clip_id = shots
    doc.set_speed(clip_id, 2)
    assert layout(doc, v) == [("a.mp4", 0, 20, 5), ("b.mp4", 20, 20, 0)]
    assert layout(doc, a) == [("a.mp4", 0, 20, 5), ("b.mp4", 20, 20, 0)]
    assert media_frames(doc, v)[:3] == [(0, 10), (1, 12), (2, 14)]
    assert media_frames(doc, v)[19] == (19, 48)
    assert doc.info().clip(clip_id).speed == 2


def test_the_speed_is_stored_as_otio_reads_it_source_start_in_media_time_duration_on_the_track(shots):
    doc, _, _, clip_id = shots
    doc.set_speed(clip_id, 0.5)
    stored = stored_clip(doc)
    assert stored["source_range"] == json.loads(otio.adapters.write_to_string(to_range(10, 80, Fraction(24)),
                                                                                "otio_json"))
    assert stored["effects"] == [{"OTIO_SCHEMA": "LinearTimeWarp.1", "metadata": {}, "name": "Speed",
                                  "effect_name": "LinearTimeWarp", "enabled": True, "time_scalar": 0.5}]


def test_back_to_full_speed_removes_the_time_warp_and_restores_the_clip(shots):
    doc, v, _, clip_id = shots
    before = stored_clip(doc)
    doc.set_speed(clip_id, 4)
    doc.set_speed(clip_id, 1)
    assert stored_clip(doc) == before
    assert layout(doc, v)[0] == ("a.mp4", 0, 40, 10)


def test_splitting_a_sped_clip_shows_the_same_media_frames_as_before(shots):
    doc, v, _, clip_id = shots
    doc.set_speed(clip_id, Fraction(3, 2))
    before = media_frames(doc, v)
    doc.split_clip(clip_id, 7)
    assert media_frames(doc, v) == before
    assert [c.source_start_frame for c in doc.info().track(v).clips[:2]] == [6, 13]  # played frames: 10/1.5, +7


def test_a_head_trim_of_a_sped_clip_moves_its_first_media_frame_by_speed_times_the_frames(shots):
    doc, v, _, clip_id = shots
    doc.set_speed(clip_id, 2)
    doc.trim_clip(clip_id, "head", 3)
    assert media_frames(doc, v)[0] == (3, 16)


def test_slowing_down_near_the_end_of_the_media_shows_what_there_is(doc):
    v, _ = tracks(doc)
    clip_id = doc.insert_clip(video(frames=48, audio=False), v, 0, duration_frames=40, source_start_frame=8).ids[0]
    doc.set_speed(clip_id, Fraction(1, 4))
    assert layout(doc, v) == [("a.mp4", 0, 160, 32)]
    assert media_frames(doc, v)[-1] == (159, 47)


def test_a_tail_trim_past_the_media_at_the_new_speed_is_refused(shots):
    doc, _, _, clip_id = shots
    doc.set_speed(clip_id, 2)
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"would need frames 5\.\.\.48 of its media, which has 48 frames at 200%"):
        doc.trim_clip(clip_id, "tail", 24, ripple=True)
    assert doc.to_json() == before


def test_a_clip_marker_stays_on_its_media_frame_when_the_clip_is_sped_up(shots):
    doc, _, _, clip_id = shots
    doc.add_marker(20, "splash", clip_id=clip_id)
    doc.set_speed(clip_id, 2)
    (marker,) = doc.info().clip(clip_id).markers
    assert marker.frame == 10


@pytest.mark.parametrize("value, message", [
    (0, r"speed 0 is not allowed: use a number from 0\.1 \(10%\) to 10 \(1000%\); 1 plays as recorded"),
    (12, "speed 12 is not allowed"),
    (float("nan"), "speed nan is not allowed"),
    ("fast", "speed 'fast' is not allowed"),
    (True, "speed True is not allowed"),
])
def test_speeds_outside_ten_to_a_thousand_percent_are_refused_and_change_nothing(shots, value, message):
    doc, _, _, clip_id = shots
    before = doc.to_json()
    with pytest.raises(PlacementError, match=message):
        doc.set_speed(clip_id, value)
    assert doc.to_json() == before


def test_a_sped_clip_keeps_its_dissolve_into_the_next_and_undo_restores_both(shots):
    doc, v, _, clip_id = shots
    doc.add_dissolve(clip_id, 0, 4)
    before = doc.to_json()
    edit = doc.set_speed(clip_id, 2)
    (dissolve,) = doc.info().track(v).transitions
    assert ([c.start_frame for c in doc.info().track(v).clips], dissolve.cut_frame) == ([0, 20], 20)
    doc.restore(edit.undo)
    assert doc.to_json() == before


def test_an_edl_speed_and_freeze_frame_read_as_speeds_and_render_as_otio_defines_them(tmp_path):
    edl = tmp_path / "speed.edl"
    edl.write_text("TITLE: speed\n\n"
                   "001  A V     C        01:00:00:00 01:00:01:00 01:00:00:00 01:00:00:12 \n"
                   "M2   A       048.0                01:00:00:00 \n"
                   "002  B V     C        01:00:05:00 01:00:05:01 01:00:00:12 01:00:01:00 \n"
                   "M2   B       000.0                01:00:05:00 \n")
    timeline = otio.adapters.read_from_file(str(edl), rate=24)
    doc = TimelineDocument(timeline)
    fast, frozen = doc.info().tracks[0].clips
    assert (fast.speed, fast.duration_frames, frozen.speed, frozen.duration_frames) == (2, 12, 0, 12)
    (track,) = doc.render_snapshot().video_tracks()
    assert [track.items[0].media_frame_at(f) for f in (0, 1, 11)] == [86400, 86402, 86422]
    assert {track.items[1].media_frame_at(f) for f in range(12, 24)} == {86520}


def test_a_frozen_clip_keeps_its_frame_when_trimmed_and_its_speed_cannot_be_set(doc):
    v, _ = tracks(doc)
    clip_id = doc.insert_clip(video(frames=96, audio=False), v, 0, duration_frames=10, source_start_frame=30).ids[0]
    clip = next(c for c in doc.timeline.find_clips())
    clip.effects.append(otio.schema.FreezeFrame())
    doc = TimelineDocument(doc.timeline.deepcopy())
    doc.trim_clip(clip_id, "head", 4)
    assert {f: m for f, m in media_frames(doc, v)} == {f: 30 for f in range(4, 10)}
    with pytest.raises(PlacementError, match="is a freeze frame; its speed cannot be changed here"):
        doc.set_speed(clip_id, 2)


def test_a_generative_items_speed_cannot_be_set(shots):
    doc, _, _, clip_id = shots
    item = doc.add_generative_transition(clip_id, 8).ids[0]
    before = doc.to_json()
    with pytest.raises(PlacementError, match="is a generative item: its frames are made at the timeline's rate"):
        doc.set_speed(item, 2)
    assert doc.to_json() == before


def test_a_still_has_no_speed_to_keep_and_stays_unlimited(doc):
    v, _ = tracks(doc)
    clip_id = doc.insert_clip(still(), v, 0, duration_frames=24).ids[0]
    doc.set_speed(clip_id, 2)
    assert layout(doc, v) == [("p.png", 0, 12, 0)]
    assert doc.info().clip(clip_id).available_frames is None


def test_changing_the_frame_rate_keeps_a_sped_clips_first_media_frame(shots):
    doc, v, _, clip_id = shots
    doc.set_speed(clip_id, 2)
    doc.set_settings(fps=Fraction(30))
    first = media_frames(doc, v)[0]
    assert (first, doc.info().clip(clip_id).speed) == ((0, 10), 2)


def test_a_slip_of_a_sped_clip_moves_its_media_by_speed_times_the_frames(shots):
    doc, v, _, clip_id = shots
    doc.set_speed(clip_id, 2)
    doc.slip(clip_id, 3)
    assert media_frames(doc, v)[:2] == [(0, 16), (1, 18)]


def test_a_roll_into_a_sped_clip_moves_its_first_media_frame_by_speed_times_the_frames(doc):
    v, _ = tracks(doc)
    doc.insert_clip(video(audio=False), v, 0, duration_frames=20)
    right = doc.insert_clip(video(path="/media/b.mp4", frames=96, audio=False), v, 20, duration_frames=20,
                            source_start_frame=10).ids[0]
    doc.set_speed(right, 2)
    left = doc.info().track(v).clips[0].id
    doc.roll(left, 2)
    assert media_frames(doc, v)[22] == (22, 14)  # B now opens 2 played frames (4 media frames) later


def test_a_transition_after_a_sped_clip_asks_for_the_media_frame_it_ends_on(shots):
    doc, _, _, clip_id = shots
    doc.set_speed(clip_id, 2)
    item = doc.add_generative_transition(clip_id, 8).ids[0]
    left = next(s for s in doc.info().clip(item).generative.sources if s["role"] == "left")
    assert left["frame"] == 48  # the clip's 20th frame at 200 %, from media frame 10


def test_a_dissolve_out_of_a_sped_clip_plays_its_tail_handle_at_its_speed(shots):
    doc, v, _, clip_id = shots
    doc.set_speed(clip_id, 2)
    doc.add_dissolve(clip_id, 0, 4)
    a = next(t for t in doc.render_snapshot().tracks if t.id == v).items[0]
    assert [a.media_frame_at(f) for f in range(19, 24)] == [48, 50, 52, 54, 56]
