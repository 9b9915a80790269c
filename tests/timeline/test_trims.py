"""Trim, ripple trim, roll and slip: exact ranges; refusals name the clip and change nothing."""
import pytest

from seine_editor.errors import PlacementError
from timeline_builders import layout, tracks, video


@pytest.fixture
def two(doc):
    """a.mp4 frames 10..29 at 0..19, b.mp4 frames 10..29 at 20..39 (48-frame files), linked audio."""
    v, a = tracks(doc)
    first = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20, source_start_frame=10).id
    second = doc.append_clip(video("/m/b.mp4"), v, duration_frames=20, source_start_frame=10).id
    return doc, v, a, first, second


def test_trim_head_moves_start_and_source_together(two):
    doc, v, a, first, _ = two
    doc.trim_clip(first, "head", 3)
    assert layout(doc, v)[0] == ("a.mp4", 3, 17, 13)
    assert layout(doc, a)[0] == ("a.mp4", 3, 17, 13)


def test_trim_tail_shortens_and_leaves_a_gap(two):
    doc, v, _, first, _ = two
    doc.trim_clip(first, "tail", -5)
    assert layout(doc, v) == [("a.mp4", 0, 15, 10), ("b.mp4", 20, 20, 10)]


def test_extending_into_a_neighbour_is_refused_without_ripple(two):
    doc, v, _, first, _ = two
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"clip 'b.mp4' at frames 20..39 would overlap clip 'a.mp4' at 0..21"):
        doc.trim_clip(first, "tail", 2)
    assert doc.to_json() == before


def test_extending_past_the_media_is_refused(two):
    doc, v, _, _, second = two
    doc.trim_clip(second, "tail", 18)
    assert layout(doc, v)[1] == ("b.mp4", 20, 38, 10)
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"clip 'b.mp4' on track 'V1' would need frames 10...48 of its media, "
                                             r"which has 48 frames"):
        doc.trim_clip(second, "tail", 1)
    assert doc.to_json() == before


def test_extending_the_head_before_the_media_start_is_refused(two):
    doc, v, _, first, second = two
    doc.trim_clip(first, "tail", -15)
    doc.trim_clip(second, "head", -10)
    assert layout(doc, v)[1] == ("b.mp4", 10, 30, 0)
    with pytest.raises(PlacementError, match="clip 'b.mp4' on track 'V1' would start 1 frames before its media"):
        doc.trim_clip(second, "head", -1)


def test_trimming_away_the_whole_clip_is_refused(two):
    doc, _, _, first, _ = two
    with pytest.raises(PlacementError, match="clip 'a.mp4' on track 'V1' has 20 frames; trimming 20 at its head "
                                             "would leave 0"):
        doc.trim_clip(first, "head", 20)


def test_ripple_trim_tail_pushes_and_pulls_what_follows(two):
    doc, v, a, first, _ = two
    doc.ripple_trim(first, "tail", 4)
    assert layout(doc, v) == [("a.mp4", 0, 24, 10), ("b.mp4", 24, 20, 10)]
    assert layout(doc, a) == [("a.mp4", 0, 24, 10), ("b.mp4", 24, 20, 10)]
    doc.ripple_trim(first, "tail", -9)
    assert layout(doc, v) == [("a.mp4", 0, 15, 10), ("b.mp4", 15, 20, 10)]


def test_ripple_trim_head_keeps_the_clip_start(two):
    doc, v, _, _, second = two
    doc.ripple_trim(second, "head", 5)
    assert layout(doc, v) == [("a.mp4", 0, 20, 10), ("b.mp4", 20, 15, 15)]


def test_roll_moves_the_cut_and_keeps_the_total(two):
    doc, v, a, first, _ = two
    doc.roll(first, 4)
    assert layout(doc, v) == [("a.mp4", 0, 24, 10), ("b.mp4", 24, 16, 14)]
    assert layout(doc, a) == [("a.mp4", 0, 24, 10), ("b.mp4", 24, 16, 14)]
    doc.roll(first, -10)
    assert layout(doc, v) == [("a.mp4", 0, 14, 10), ("b.mp4", 14, 26, 4)]


def test_roll_beyond_the_right_clip_handle_is_refused(two):
    doc, _, _, first, _ = two
    with pytest.raises(PlacementError, match="clip 'b.mp4' on track 'V1' would start 1 frames before its media"):
        doc.roll(first, -11)


def test_roll_needs_a_clip_at_the_cut(two):
    doc, _, _, _, second = two
    with pytest.raises(PlacementError, match=r"clip 'b.mp4' on track 'V1' has no clip right after it \(frame 40\)"):
        doc.roll(second, 1)


def test_slip_changes_only_the_source(two):
    doc, v, a, first, _ = two
    doc.slip(first, -10)
    assert layout(doc, v)[0] == ("a.mp4", 0, 20, 0)
    assert layout(doc, a)[0] == ("a.mp4", 0, 20, 0)
    with pytest.raises(PlacementError, match="would start 1 frames before its media begins"):
        doc.slip(first, -1)
    with pytest.raises(PlacementError, match=r"would need frames 29...48 of its media, which has 48 frames"):
        doc.slip(first, 29)
