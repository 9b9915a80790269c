"""Tracks (add, remove, reorder, rename, flags) and markers on the timeline and on clips."""
import pytest

from seine_editor.errors import PlacementError
from timeline_builders import tracks, video


def test_add_move_rename_and_remove_tracks(doc):
    v, a = tracks(doc)
    v2 = doc.add_track("video").id
    assert [t.name for t in doc.info().tracks] == ["V1", "A1", "V2"]
    doc.move_track(v2, 1)
    doc.rename_track(v2, "Titles")
    assert [(t.name, t.kind, t.index) for t in doc.info().tracks] == [
        ("V1", "video", 0), ("Titles", "video", 1), ("A1", "audio", 2)]
    doc.remove_track(v)
    assert doc.track_ids() == (v2, a)


def test_track_refusals(doc):
    v, _ = tracks(doc)
    with pytest.raises(PlacementError, match="track kind 'subtitle' is not allowed"):
        doc.add_track("subtitle")
    with pytest.raises(PlacementError, match="track index 5 is outside 0..2"):
        doc.add_track("video", index=5)
    with pytest.raises(PlacementError, match="a track name cannot be empty"):
        doc.rename_track(v, "  ")
    doc.set_track_flags(v, locked=True)
    with pytest.raises(PlacementError, match="track 'V1' is locked"):
        doc.remove_track(v)


def test_flags_are_metadata_and_show_in_info(doc):
    v, _ = tracks(doc)
    doc.set_track_flags(v, muted=True, hidden=True)
    track = doc.info().track(v)
    assert (track.muted, track.hidden, track.locked) == (True, True, False)
    assert dict(doc.timeline.tracks[0].metadata["seine"]) == {"id": v, "muted": True, "hidden": True}
    render = doc.render_snapshot().tracks[0]
    assert (render.muted, render.hidden) == (True, True)


def test_timeline_markers_add_move_remove(doc):
    marker = doc.add_marker(12, "cue", color="GREEN", duration_frames=3, comment="music").id
    doc.move_marker(marker, 30)
    info = doc.info().markers
    assert [(m.id, m.name, m.frame, m.duration_frames, m.color, m.comment, m.clip_id) for m in info] == [
        (marker, "cue", 30, 3, "GREEN", "music", None)]
    doc.remove_marker(marker)
    assert doc.info().markers == ()


def test_clip_markers_travel_with_the_clip(doc):
    v, _ = tracks(doc)
    clip = doc.insert_clip(video(audio=False), v, 10, duration_frames=20, source_start_frame=5).id
    marker = doc.add_marker(14, "blink", clip_id=clip).id
    source = doc.timeline.find_clips()[0].markers[0].marked_range.start_time.value
    assert source == 9  # media time: 5 + (14 - 10)
    doc.move_clip(clip, 40)
    assert [(m.id, m.frame) for m in doc.info().clip(clip).markers] == [(marker, 44)]
    doc.move_marker(marker, 41)
    assert doc.info().clip(clip).markers[0].frame == 41
    doc.remove_marker(marker)
    assert doc.info().clip(clip).markers == ()


def test_renaming_a_marker_keeps_its_id_frame_and_everything_else(doc):
    marker = doc.add_marker(12, "cue", color="GREEN", duration_frames=3, comment="music").id
    doc.rename_marker(marker, "Sunrise")
    (info,) = doc.info().markers
    assert (info.id, info.name, info.frame, info.duration_frames, info.color, info.comment) == \
        (marker, "Sunrise", 12, 3, "GREEN", "music")


def test_renaming_a_clip_marker_changes_only_its_name(doc):
    v, _ = tracks(doc)
    clip = doc.insert_clip(video("/m/a.mp4"), v, 10, duration_frames=20).id
    marker = doc.add_marker(14, "blink", clip_id=clip).id
    other = doc.add_marker(20, "keep", clip_id=clip).id
    doc.rename_marker(marker, "wink")
    assert [(m.id, m.name, m.frame) for m in doc.info().clip(clip).markers] == [(marker, "wink", 14),
                                                                               (other, "keep", 20)]


def test_renaming_refusals_name_the_marker_or_the_value(doc):
    marker = doc.add_marker(5).id
    before = doc.to_json()
    with pytest.raises(PlacementError, match="no marker with id 'nope'"):
        doc.rename_marker("nope", "x")
    with pytest.raises(PlacementError, match="a marker name must be text, got 7"):
        doc.rename_marker(marker, 7)
    assert doc.to_json() == before


def test_marker_refusals(doc):
    v, _ = tracks(doc)
    clip = doc.insert_clip(video(audio=False), v, 10, duration_frames=20).id
    with pytest.raises(PlacementError, match=r"marker frame 5 is outside clip 'a.mp4' \(frames 10..29\)"):
        doc.add_marker(5, clip_id=clip)
    with pytest.raises(PlacementError, match="marker colour 'TEAL' is not one of RED"):
        doc.add_marker(5, color="TEAL")
    with pytest.raises(PlacementError, match="no marker with id 'nope'"):
        doc.remove_marker("nope")


def test_split_divides_clip_markers(doc):
    v, _ = tracks(doc)
    clip = doc.insert_clip(video(audio=False), v, 0, duration_frames=20).id
    early = doc.add_marker(3, "early", clip_id=clip).id
    late = doc.add_marker(15, "late", clip_id=clip).id
    right = doc.split_clip(clip, 10).id
    assert [m.id for m in doc.info().clip(clip).markers] == [early]
    assert [(m.id, m.frame) for m in doc.info().clip(right).markers] == [(late, 15)]
