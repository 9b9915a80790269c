"""Every edit returns a memento that restores the exact OTIO JSON; restore is its own inverse;
failed edits change nothing and announce nothing."""
import pytest

from seine_editor.errors import PlacementError
from timeline_builders import still, tracks, video


def _edits(doc):
    v, a = tracks(doc)
    made = []
    yield lambda: made.append(doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20,
                                              source_start_frame=10)) or made[0]
    first = made[0].id
    yield lambda: doc.append_clip(video("/m/b.mp4"), v, duration_frames=20, source_start_frame=10)
    second = doc.info().track(v).clips[1].id
    yield lambda: doc.add_dissolve(first, 2, 3)
    yield lambda: doc.roll(first, 2)
    yield lambda: doc.slip(second, 1)
    yield lambda: doc.split_clip(second, 30)
    yield lambda: doc.add_generative_transition(first, 6, "overlap")
    yield lambda: doc.ripple_trim(first, "head", 2)
    yield lambda: doc.move_clip(first, 80)
    yield lambda: made.append(doc.add_marker(3, "m")) or made[-1]
    yield lambda: doc.rename_marker(made[-1].id, "cue")
    yield lambda: doc.add_track("video", index=0)
    yield lambda: doc.set_track_flags(a, muted=True)
    yield lambda: doc.ripple_delete([first])
    yield lambda: doc.insert_clip(still(), v, 5, duration_frames=4)
    yield lambda: doc.remove_track(a)


def test_each_edit_undoes_and_redoes_to_the_exact_json(doc):
    for edit in _edits(doc):
        before = doc.to_json()
        result = edit()
        after = doc.to_json()
        redo = doc.restore(result.undo)
        assert doc.to_json() == before
        undo = doc.restore(redo)
        assert doc.to_json() == after
        doc.restore(undo)
        doc.restore(redo)
        assert doc.to_json() == after


def test_a_chain_of_edits_unwinds_in_reverse(doc):
    start = doc.to_json()
    mementos = [edit().undo for edit in _edits(doc)]
    for memento in reversed(mementos):
        doc.restore(memento)
    assert doc.to_json() == start


def test_signals_announce_changes_with_ids(doc):
    v, _ = tracks(doc)
    seen, items = [], []
    doc.changed.connect(seen.append)
    doc.items_changed.connect(items.append)
    edit = doc.insert_clip(video(audio=False), v, 0, duration_frames=5)
    assert [(c.action, c.track_ids, c.item_ids) for c in seen] == [("insert_clip", (v,), edit.ids)]
    assert items == [(v,)]


def test_changes_inside_a_batch_are_announced_once_at_its_end(doc):
    v, _ = tracks(doc)
    seen, items = [], []
    doc.changed.connect(seen.append)
    doc.items_changed.connect(items.append)
    with doc.batch():
        first = doc.insert_clip(video(audio=False), v, 0, duration_frames=5)
        second = doc.insert_clip(video(audio=False), v, 5, duration_frames=5)
        assert seen == []
    assert [(c.action, c.track_ids, c.item_ids) for c in seen] == [("batch", (v,), first.ids + second.ids)]
    assert items == [(v,)]


def test_a_refused_edit_changes_nothing_and_emits_nothing(doc):
    v, a = tracks(doc)
    doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=10)
    doc.insert_clip(video("/m/b.mp4", audio=False), v, 10, duration_frames=10)
    doc.set_track_flags(a, locked=True)
    before, seen = doc.to_json(), []
    doc.changed.connect(seen.append)
    first = doc.info().track(v).clips[0].id
    with pytest.raises(PlacementError, match="track 'A1' is locked"):
        doc.move_clip(first, 50)
    with pytest.raises(PlacementError, match="would overlap"):
        doc.trim_clip(doc.info().track(v).clips[1].id, "head", -1)
    assert doc.to_json() == before and seen == []


def test_failure_on_the_second_track_leaves_the_first_untouched(doc):
    """Extending a linked clip is fine on the video track but collides on the audio track: neither changes."""
    v, a = tracks(doc)
    picture = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=10).id
    doc.insert_clip(video("/m/b.mp4"), v, 10, duration_frames=10)
    doc.delete_clips([doc.info().track(v).clips[1].id])
    doc.insert_clip(video("/m/c.mp4"), v, 30, duration_frames=5, audio_track_id=a)
    loose_audio = doc.info().track(a).clips[1].id
    doc.unlink_clip(loose_audio)
    doc.move_clip(loose_audio, 10)
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"clip 'c.mp4' at frames 10..14 would overlap clip 'a.mp4' at 0..11 "
                                             r"on track 'A1'"):
        doc.trim_clip(picture, "tail", 2)
    assert doc.to_json() == before
