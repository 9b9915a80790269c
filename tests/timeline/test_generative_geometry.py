"""A generative transition or extension changes length, and a transition switches between bridge and overlap, as
one edit that keeps the item (id, request, takes) and keeps linked sound in sync."""
import pytest

from seine_editor.errors import PlacementError
from timeline_builders import assert_round_trips, layout, still, tracks, video


@pytest.fixture
def cut(doc):
    """V1/A1: a (frames 10..29 of 48) meets b (frames 5..24) at frame 20; each video has linked sound."""
    v, a = tracks(doc)
    first = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20, source_start_frame=10).id
    doc.append_clip(video("/m/b.mp4"), v, duration_frames=20, source_start_frame=5)
    return doc, v, a, first


def shape(doc, item):
    info = doc.info().clip(item)
    gen = info.generative
    return info.start_frame, info.duration_frames, gen.mode, [(s["role"], s["frame"]) for s in gen.sources]


def fresh(doc, first, duration, mode):
    """What dropping the item in that shape in the first place gives (layouts, request), for comparison."""
    edit = doc.add_generative_transition(first, duration, mode)
    found = snapshot(doc, edit.id)
    doc.restore(edit.undo)
    return found


def snapshot(doc, item):
    """Layouts of both tracks (item names left out: a name holds no id) and the item's request."""
    v, a = tracks(doc)
    return layout(doc, v), layout(doc, a), shape(doc, item), doc.info().clip(item).generative.fingerprint


def assert_undo_redo_exact(doc, edit):
    before = doc.to_json()
    result = edit()
    after = doc.to_json()
    redo = doc.restore(result.undo)
    assert doc.to_json() == before
    doc.restore(redo)
    assert doc.to_json() == after


@pytest.mark.parametrize("start, end", [(("bridge", 16), ("bridge", 24)), (("bridge", 16), ("overlap", 8)),
                                        (("overlap", 8), ("bridge", 12)), (("overlap", 8), ("overlap", 12)),
                                        (("overlap", 9), ("bridge", 9))])
def test_a_pending_transition_reshaped_is_exactly_one_dropped_in_that_shape(cut, start, end):
    doc, v, a, first = cut
    reference = doc.to_json()
    expected = fresh(doc, first, end[1], end[0])
    assert doc.to_json() == reference
    item = doc.add_generative_transition(first, start[1], start[0]).id
    doc.set_generative_geometry(item, end[1], end[0])
    assert snapshot(doc, item) == expected
    assert doc.info().clip(item).generative.stale is False
    assert_round_trips(doc)


def test_a_longer_bridge_pushes_the_next_shot_and_its_sound_along_and_undoes_exactly(cut):
    doc, v, a, first = cut
    item = doc.add_generative_transition(first, 16, "bridge").id
    assert_undo_redo_exact(doc, lambda: doc.set_generative_geometry(item, 24))
    assert layout(doc, v) == [("a.mp4", 0, 20, 10), ("Transition", 20, 24, 0), ("b.mp4", 44, 20, 5)]
    assert layout(doc, a) == [("a.mp4", 0, 20, 10), ("b.mp4", 44, 20, 5)]
    assert doc.info().track(v).clips[1].id == item


def test_switching_to_overlap_pulls_the_next_shot_and_its_sound_back(cut):
    doc, v, a, first = cut
    item = doc.add_generative_transition(first, 16, "bridge").id
    assert_undo_redo_exact(doc, lambda: doc.set_generative_geometry(item, 8, "overlap"))
    assert layout(doc, v) == [("a.mp4", 0, 16, 10), ("Transition", 16, 8, 0), ("b.mp4", 24, 16, 9)]
    assert layout(doc, a) == [("a.mp4", 0, 20, 10), ("b.mp4", 20, 20, 5)]


def test_a_baked_item_keeps_its_takes_and_is_stale_when_its_length_changes(cut):
    doc, v, _, first = cut
    item = doc.add_generative_transition(first, 16, "bridge").id
    doc.attach_generated_media(item, "/cache/take1.mp4")
    doc.set_generative_geometry(item, 20)
    gen = doc.info().clip(item).generative
    assert (gen.takes, gen.active_take, gen.status, gen.stale) == (("take1",), None, "pending", True)
    assert doc.info().clip(item).duration_frames == 20  # the placeholder plays at the new length
    doc.set_generative_geometry(item, 16)
    assert doc.info().clip(item).generative.stale is False  # the take fits again; choosing it is up to the user


def test_a_baked_item_switched_to_overlap_keeps_playing_its_take_and_is_stale(cut):
    doc, _, _, first = cut
    item = doc.add_generative_transition(first, 16, "bridge").id
    doc.attach_generated_media(item, "/cache/take1.mp4")
    requested = doc.info().clip(item).generative.fingerprint
    doc.set_generative_geometry(item, 16, "overlap")
    gen = doc.info().clip(item).generative
    assert (gen.mode, gen.active_take, gen.status, gen.stale, gen.fingerprint) == \
        ("overlap", "take1", "baked", True, requested)


def test_an_extension_changes_length_after_its_clip(cut):
    doc, v, a, first = cut
    doc.delete_clips([doc.info().track(v).clips[1].id])
    item = doc.add_extension(first, 8).id
    doc.set_generative_geometry(item, 12, "")
    assert layout(doc, v) == [("a.mp4", 0, 20, 10), ("Extension", 20, 12, 0)]
    assert doc.info().clip(item).generative.stale is False


@pytest.mark.parametrize("make, args, message", [
    (lambda doc, first: doc.add_generative_transition(first, 16).id, (40, "overlap"),
     r"'Transition' cannot overlap 40 frames: clip 'a.mp4' shows 20 frames \(frames 0..19\) and would give 20 of "
     r"them; make it shorter or use bridge"),
    (lambda doc, first: doc.add_generative_transition(first, 16).id, (0, None),
     r"the length of clip 'Transition' must be a whole number of frames >= 1, got 0"),
    (lambda doc, first: doc.add_generative_transition(first, 16).id, (16, "crossfade"),
     r"transition mode 'crossfade' of clip 'Transition' is not one of bridge, overlap"),
    (lambda doc, first: doc.add_extension(first, 8).id, (8, "overlap"),
     r"clip 'Extension' is an extension: only a transition can be 'overlap'"),
    (lambda doc, first: first, (8, None), r"clip 'a.mp4' is not a generative item"),
])
def test_refusals_name_the_item_and_the_frames_and_change_nothing(cut, make, args, message):
    doc, _, _, first = cut
    item = make(doc, first)
    before = doc.to_json()
    with pytest.raises(PlacementError, match=message):
        doc.set_generative_geometry(item, *args)
    assert doc.to_json() == before


def test_an_animation_keeps_its_length(doc):
    v, _ = tracks(doc)
    picture = doc.insert_clip(still(), v, 0, duration_frames=24).id
    item = doc.animate_still(picture).id
    with pytest.raises(PlacementError, match="clip 'Animation' is an animation: it lasts as long as its picture"):
        doc.set_generative_geometry(item, 12)
