"""Placing, moving, splitting and deleting clips: exact ranges, exact OTIO, refusals change nothing."""
import json

import opentimelineio as otio
import pytest

from seine_editor.errors import PlacementError
from seine_editor.timeline.document import TimelineDocument
from seine_editor.timeline.meta import plain
from timeline_builders import assert_round_trips, children, layout, sound, still, tracks, video


def test_insert_places_the_media_range_and_a_linked_audio_clip(doc):
    v, a = tracks(doc)
    edit = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20, source_start_frame=10)
    assert layout(doc, v) == [("a.mp4", 0, 20, 10)]
    assert layout(doc, a) == [("a.mp4", 0, 20, 10)]
    picture, audio = (doc.info().clip(i) for i in edit.ids)
    assert picture.linked_ids == (audio.id,) and audio.linked_ids == (picture.id,)
    assert picture.kind == "video" and audio.kind == "audio"
    assert_round_trips(doc)


def test_inserted_clip_is_exact_otio(doc):
    v, _ = tracks(doc)
    edit = doc.insert_clip(video("/m/a.mp4", audio=False), v, 0, duration_frames=20, source_start_frame=10)
    clip = json.loads(doc.to_json())["tracks"]["children"][0]["children"][0]
    assert clip["source_range"] == {"OTIO_SCHEMA": "TimeRange.1",
                                    "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24.0, "value": 20.0},
                                    "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 24.0, "value": 10.0}}
    reference = clip["media_references"][clip["active_media_reference_key"]]
    assert reference["target_url"] == "/m/a.mp4"
    assert reference["available_range"]["duration"]["value"] == 48.0
    assert clip["metadata"]["seine"] == {"id": edit.id, "media_kind": "video", "media_rate": "24/1"}


def test_insert_in_the_middle_splits_and_pushes_right(doc):
    v, a = tracks(doc)
    doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20)
    doc.insert_clip(video("/m/b.mp4"), v, 8, duration_frames=5)
    assert layout(doc, v) == [("a.mp4", 0, 8, 0), ("b.mp4", 8, 5, 0), ("a.mp4", 13, 12, 8)]
    assert layout(doc, a) == [("a.mp4", 0, 8, 0), ("b.mp4", 8, 5, 0), ("a.mp4", 13, 12, 8)]
    left, right = doc.info().track(a).clips[0], doc.info().track(a).clips[2]
    assert left.link_group != right.link_group
    assert doc.info().clip(right.linked_ids[0]).start_frame == 13


def test_overwrite_replaces_without_moving_anything(doc):
    v, _ = tracks(doc)
    doc.insert_clip(video("/m/a.mp4", audio=False), v, 0, duration_frames=20)
    doc.overwrite_clip(video("/m/b.mp4", audio=False), v, 8, duration_frames=5)
    assert layout(doc, v) == [("a.mp4", 0, 8, 0), ("b.mp4", 8, 5, 0), ("a.mp4", 13, 7, 13)]


def test_append_after_the_last_clip_and_insert_beyond_the_end_leaves_a_gap(doc):
    v, _ = tracks(doc)
    doc.insert_clip(video("/m/a.mp4", audio=False), v, 10, duration_frames=4)
    doc.append_clip(video("/m/b.mp4", audio=False), v, duration_frames=3)
    assert layout(doc, v) == [("a.mp4", 10, 4, 0), ("b.mp4", 14, 3, 0)]
    assert children(doc, v) == [("Gap", 10), ("Clip", 4), ("Clip", 3)]


def test_still_needs_a_duration_and_has_no_media_limit(doc):
    v, _ = tracks(doc)
    with pytest.raises(PlacementError, match="/media/p.png is a still image: choose a duration in frames"):
        doc.insert_clip(still(), v, 0)
    doc.insert_clip(still(), v, 0, duration_frames=500)
    assert layout(doc, v) == [("p.png", 0, 500, 0)]
    assert doc.info().track(v).clips[0].available_frames is None


def test_audio_only_goes_on_audio_tracks(doc):
    v, a = tracks(doc)
    before = doc.to_json()
    with pytest.raises(PlacementError, match="/media/s.wav is audio-only and cannot go on video track 'V1'"):
        doc.insert_clip(sound(), v, 0)
    assert doc.to_json() == before
    doc.insert_clip(sound(seconds=1.5), a, 0)
    assert layout(doc, a) == [("s.wav", 0, 36, 0)]


def test_media_range_beyond_the_file_is_refused(doc):
    v, _ = tracks(doc)
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"clip 'a.mp4' on track 'V1' would need frames 40...59 of its media, "
                                             r"which has 48 frames"):
        doc.insert_clip(video("/m/a.mp4", audio=False), v, 0, source_start_frame=40, duration_frames=20)
    assert doc.to_json() == before


def test_locked_track_refuses_edits_and_the_linked_video_is_not_placed_either(doc):
    v, a = tracks(doc)
    doc.set_track_flags(a, locked=True)
    before = doc.to_json()
    with pytest.raises(PlacementError, match="track 'A1' is locked; unlock it to edit"):
        doc.insert_clip(video(), v, 0, duration_frames=5)
    assert doc.to_json() == before


def test_move_within_a_track_takes_the_linked_audio_along(doc):
    v, a = tracks(doc)
    edit = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=10)
    doc.move_clip(edit.id, 30)
    assert layout(doc, v) == [("a.mp4", 30, 10, 0)]
    assert layout(doc, a) == [("a.mp4", 30, 10, 0)]
    assert children(doc, v) == [("Gap", 30), ("Clip", 10)]


def test_move_across_tracks_in_insert_mode_pushes_the_destination(doc):
    v, _ = tracks(doc)
    v2 = doc.add_track("video").id
    moving = doc.insert_clip(video("/m/a.mp4", audio=False), v, 0, duration_frames=6).id
    doc.insert_clip(video("/m/b.mp4", audio=False), v2, 0, duration_frames=10)
    doc.move_clip(moving, 4, track_id=v2, mode="insert")
    assert layout(doc, v) == []
    assert layout(doc, v2) == [("b.mp4", 0, 4, 0), ("a.mp4", 4, 6, 0), ("b.mp4", 10, 6, 4)]
    assert doc.info().clip(moving).track_id == v2


def test_move_of_video_onto_an_audio_track_is_refused(doc):
    v, a = tracks(doc)
    clip = doc.insert_clip(video(audio=False), v, 0, duration_frames=6).id
    with pytest.raises(PlacementError, match="clip 'a.mp4' is video and cannot move to audio track 'A1'"):
        doc.move_clip(clip, 0, track_id=a)


def test_split_cuts_linked_clips_and_relinks_the_right_pieces(doc):
    v, a = tracks(doc)
    clip = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20).id
    edit = doc.split_clip(clip, 7)
    assert layout(doc, v) == [("a.mp4", 0, 7, 0), ("a.mp4", 7, 13, 7)]
    assert layout(doc, a) == [("a.mp4", 0, 7, 0), ("a.mp4", 7, 13, 7)]
    right_video, right_audio = (doc.info().clip(i) for i in edit.ids)
    assert right_video.linked_ids == (right_audio.id,)
    assert doc.info().clip(clip).linked_ids != (right_audio.id,)


def test_split_outside_the_clip_is_refused(doc):
    v, _ = tracks(doc)
    clip = doc.insert_clip(video(), v, 0, duration_frames=20).id
    with pytest.raises(PlacementError, match="clip 'a.mp4' spans frames 0..19; cannot split at frame 20"):
        doc.split_clip(clip, 20)


def test_delete_leaves_a_gap_and_ripple_delete_closes_it_on_both_tracks(doc):
    v, a = tracks(doc)
    first = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=5).id
    doc.append_clip(video("/m/b.mp4"), v, duration_frames=6)
    doc.delete_clips([first])
    assert layout(doc, v) == [("b.mp4", 5, 6, 0)] and layout(doc, a) == [("b.mp4", 5, 6, 0)]
    assert children(doc, v) == [("Gap", 5), ("Clip", 6)]
    second = doc.info().track(v).clips[0].id
    doc.append_clip(video("/m/c.mp4"), v, duration_frames=2)
    doc.ripple_delete([second])
    assert layout(doc, v) == [("c.mp4", 5, 2, 0)] and layout(doc, a) == [("c.mp4", 5, 2, 0)]


def test_ripple_delete_of_an_unlinked_clip_keeps_later_linked_audio_in_sync(doc):
    v, a = tracks(doc)
    title = doc.insert_clip(still("/m/title.png"), v, 0, duration_frames=4).id
    doc.insert_clip(video("/m/b.mp4"), v, 4, duration_frames=6, audio_track_id=a)
    doc.ripple_delete([title])
    assert layout(doc, v) == [("b.mp4", 0, 6, 0)]
    assert layout(doc, a) == [("b.mp4", 0, 6, 0)]


def test_unlinked_clips_move_alone_and_can_be_linked_again(doc):
    v, a = tracks(doc)
    picture, audio = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=10).ids
    doc.unlink_clip(picture)
    doc.move_clip(picture, 20)
    assert layout(doc, a) == [("a.mp4", 0, 10, 0)]
    assert doc.info().clip(audio).linked_ids == ()
    doc.link_clips([picture, audio])
    doc.move_clip(audio, 5)
    assert layout(doc, v) == [("a.mp4", 25, 10, 0)]


def test_insert_gap_and_close_gap(doc):
    v, a = tracks(doc)
    doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=10)
    doc.insert_gap(v, 4, 3)
    assert layout(doc, v) == [("a.mp4", 0, 4, 0), ("a.mp4", 7, 6, 4)]
    assert layout(doc, a) == [("a.mp4", 0, 10, 0)]
    with pytest.raises(PlacementError, match="frame 2 on track 'V1' is not in a gap"):
        doc.close_gap(v, 2)
    doc.close_gap(v, 5)
    assert layout(doc, v) == [("a.mp4", 0, 4, 0), ("a.mp4", 4, 6, 4)]


def test_foreign_metadata_survives_edits():
    timeline = otio.schema.Timeline(name="from resolve")
    track = otio.schema.Track(name="V1")
    timeline.tracks.append(track)
    clip = otio.schema.Clip(name="shot", source_range=otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(10, 24)))
    clip.metadata["resolve"] = {"color": "Orange", "flags": [1, 2]}
    track.append(clip)
    doc = TimelineDocument(timeline)
    clip_id = doc.info().clips()[0].id
    doc.split_clip(clip_id, 4)
    doc.move_clip(clip_id, 20)
    kept = [plain(c.metadata["resolve"]) for c in doc.timeline.find_clips()]
    assert kept == [{"color": "Orange", "flags": [1, 2]}, {"color": "Orange", "flags": [1, 2]}]
    assert plain(doc.timeline.find_clips()[0].metadata)["seine"] == {"id": doc.info().clips()[0].id}


def test_relink_points_every_clip_of_a_file_at_the_new_path(doc):
    v, a = tracks(doc)
    doc.insert_clip(video("/old/a.mp4"), v, 0, duration_frames=10, source_start_frame=3)
    edit = doc.relink_media("/old/a.mp4", "/new/a.mp4")
    assert len(edit.ids) == 2
    assert [(c.media_path, c.start_frame, c.source_start_frame) for c in doc.info().clips()] == [
        ("/new/a.mp4", 0, 3), ("/new/a.mp4", 0, 3)]
    with pytest.raises(PlacementError, match="no clip plays /old/a.mp4"):
        doc.relink_media("/old/a.mp4", "/x.mp4")


def test_several_clips_are_placed_as_one_edit_each_over_what_lies_under_it(doc):
    v, a = tracks(doc)
    doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20)
    changes = []
    doc.changed.connect(changes.append)
    edit = doc.overwrite_clips([
        {"media": video("/m/b.mp4"), "track_id": v, "at_frame": 4, "duration_frames": 3, "source_start_frame": 2},
        {"media": video("/m/c.mp4", audio=False), "track_id": v, "at_frame": 24, "duration_frames": 5}])
    assert layout(doc, v) == [("a.mp4", 0, 4, 0), ("b.mp4", 4, 3, 2), ("a.mp4", 7, 13, 7), ("c.mp4", 24, 5, 0)]
    assert layout(doc, a) == [("a.mp4", 0, 4, 0), ("b.mp4", 4, 3, 2), ("a.mp4", 7, 13, 7)]
    assert len(edit.ids) == 3 and len(changes) == 1
    doc.restore(edit.undo)
    assert layout(doc, v) == [("a.mp4", 0, 20, 0)]
    assert_round_trips(doc)


def test_one_placement_refused_places_none_of_them(doc):
    v, _ = tracks(doc)
    before = doc.to_json()
    with pytest.raises(PlacementError,
                       match=r"clip 'c.mp4' on track 'V1' would need frames 47\.\.\.51 of its media, which has 48 frames"):
        doc.overwrite_clips([{"media": video("/m/b.mp4"), "track_id": v, "at_frame": 0, "duration_frames": 3},
                             {"media": video("/m/c.mp4"), "track_id": v, "at_frame": 10, "source_start_frame": 47,
                              "duration_frames": 5}])
    assert doc.to_json() == before
