"""Cross dissolves: OTIO Transitions that consume handles on each side of a cut."""
import json

import pytest

from seine_editor.errors import PlacementError
from timeline_builders import assert_round_trips, children, tracks, video


@pytest.fixture
def cut(doc):
    """a.mp4 shows 10..29 (18 frames of tail handle); b.mp4 shows 3..22 (3 frames of head handle)."""
    v, _ = tracks(doc)
    first = doc.insert_clip(video("/m/a.mp4", audio=False), v, 0, duration_frames=20, source_start_frame=10).id
    doc.insert_clip(video("/m/B", audio=False), v, 20, duration_frames=20, source_start_frame=3)
    return doc, v, first


def test_dissolve_is_an_smpte_transition_between_the_clips(cut):
    doc, v, first = cut
    edit = doc.add_dissolve(first, 3, 6)
    assert children(doc, v) == [("Clip", 20), ("Transition", 3, 6), ("Clip", 20)]
    transition = json.loads(doc.to_json())["tracks"]["children"][0]["children"][1]
    assert transition["transition_type"] == "SMPTE_Dissolve"
    assert transition["in_offset"]["value"] == 3.0 and transition["out_offset"]["value"] == 6.0
    info = doc.info().track(v).transitions[0]
    assert (info.id, info.start_frame, info.cut_frame, info.end_frame) == (edit.id, 17, 20, 26)
    assert_round_trips(doc)


def test_dissolve_longer_than_the_head_handle_is_refused(cut):
    doc, _, first = cut
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"^a 12-frame dissolve at frame 20 needs 12 frames of clip 'B' before its "
                                             r"start, and it has 3: trim clip 'B' to leave unused frames there, or "
                                             r"make the dissolve shorter$"):
        doc.add_dissolve(first, 12, 0)
    assert doc.to_json() == before


def test_dissolve_longer_than_the_tail_handle_is_refused(cut):
    doc, _, first = cut
    with pytest.raises(PlacementError, match=r"^a 19-frame dissolve at frame 20 needs 19 frames of clip 'a.mp4' after "
                                             r"its end, and it has 18:"):
        doc.add_dissolve(first, 0, 19)


def test_trim_that_eats_a_dissolve_handle_is_refused(cut):
    doc, _, first = cut
    doc.add_dissolve(first, 3, 6)
    with pytest.raises(PlacementError, match="clip 'a.mp4' has 5 frames of handle, the dissolve needs 6"):
        doc.roll(first, 13)


def test_dissolve_needs_two_clips_that_meet(doc):
    v, _ = tracks(doc)
    first = doc.insert_clip(video(audio=False), v, 0, duration_frames=10).id
    with pytest.raises(PlacementError, match=r"clip 'a.mp4' has no clip right after it \(frame 10\)"):
        doc.add_dissolve(first, 2, 2)


def test_zero_length_dissolve_is_refused(cut):
    doc, _, first = cut
    with pytest.raises(PlacementError, match="a dissolve needs at least 1 frame"):
        doc.add_dissolve(first, 0, 0)


def test_change_and_remove_a_dissolve(cut):
    doc, v, first = cut
    transition = doc.add_dissolve(first, 2, 2).id
    doc.set_dissolve(transition, 1, 5)
    assert children(doc, v)[1] == ("Transition", 1, 5)
    doc.remove_transition(transition)
    assert children(doc, v) == [("Clip", 20), ("Clip", 20)]


def test_render_snapshot_gives_both_clips_inside_the_dissolve(cut):
    doc, v, first = cut
    doc.add_dissolve(first, 2, 4)
    track = doc.render_snapshot().video_tracks()[0]
    assert [i.name for i in track.items_at(16)] == ["a.mp4"]
    inside = track.items_at(22)
    assert [i.name for i in inside] == ["a.mp4", "B"]
    assert [i.media_frame_at(22) for i in inside] == [32, 5]


def test_a_trim_that_would_separate_the_clips_is_refused_naming_the_dissolve(cut):
    doc, v, first = cut
    doc.add_dissolve(first, 3, 6)
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"trimming the tail of clip 'a.mp4' would separate clip 'a.mp4' and "
                                             r"clip 'B' and drop the dissolve 'Cross Dissolve' at frame 20 on "
                                             r"track 'V1'; delete the dissolve first"):
        doc.trim_clip(first, "tail", -2)
    assert doc.to_json() == before


def test_a_trim_that_eats_the_handle_names_the_dissolve(cut):
    doc, v, first = cut
    second = doc.info().track(v).clips[1].id
    doc.add_dissolve(first, 3, 6)
    with pytest.raises(PlacementError, match=r"dissolve 'Cross Dissolve' at frame 20 on track 'V1': clip 'B' has 1 "
                                             r"frames of handle, the dissolve needs 3"):
        doc.trim_clip(second, "head", -2, ripple=True)


def test_after_deleting_the_dissolve_the_trim_goes_through(cut):
    doc, v, first = cut
    transition = doc.add_dissolve(first, 3, 6).id
    doc.remove_transition(transition)
    doc.trim_clip(first, "tail", -2)
    assert children(doc, v) == [("Clip", 18), ("Gap", 2), ("Clip", 20)]


def test_a_ripple_trim_keeps_the_clips_together_and_the_dissolve(cut):
    doc, v, first = cut
    doc.add_dissolve(first, 3, 6)
    doc.trim_clip(first, "tail", -2, ripple=True)
    assert children(doc, v) == [("Clip", 18), ("Transition", 3, 6), ("Clip", 20)]


def test_moving_both_clips_keeps_their_dissolve_exactly(cut):
    doc, v, first = cut
    second = doc.info().track(v).clips[1].id
    transition = doc.add_dissolve(first, 3, 6).id
    before = doc.to_json()
    edit = doc.move_clips([second, first], 10)
    assert children(doc, v) == [("Gap", 10), ("Clip", 20), ("Transition", 3, 6), ("Clip", 20)]
    assert doc.info().track(v).transitions[0].id == transition
    after = doc.to_json()
    redo = doc.restore(edit.undo)
    assert doc.to_json() == before
    doc.restore(redo)
    assert doc.to_json() == after


def test_moving_both_clips_to_another_track_takes_the_dissolve_along(cut):
    doc, v, first = cut
    second = doc.info().track(v).clips[1].id
    doc.add_dissolve(first, 3, 6)
    upper = doc.add_track("video").id
    doc.move_clips([first, second], 4, track_id=upper)
    assert children(doc, v) == []
    assert children(doc, upper) == [("Gap", 4), ("Clip", 20), ("Transition", 3, 6), ("Clip", 20)]


def test_moving_one_clip_away_drops_the_dissolve_it_no_longer_meets(cut):
    doc, v, first = cut
    second = doc.info().track(v).clips[1].id
    doc.add_dissolve(first, 3, 6)
    doc.move_clips([second], 10)
    assert children(doc, v) == [("Clip", 20), ("Gap", 10), ("Clip", 20)]
