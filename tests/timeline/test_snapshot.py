"""The frozen views: info for widgets, render snapshot for the compositor (exact media frames)."""
import dataclasses
from fractions import Fraction

import opentimelineio as otio
import pytest

from seine_editor.timeline.document import TimelineDocument
from seine_editor.timeline.time import timecode
from timeline_builders import tracks, video


def test_info_is_frozen_and_detached_from_later_edits(doc):
    v, _ = tracks(doc)
    clip = doc.insert_clip(video(audio=False), v, 0, duration_frames=10).id
    info = doc.info()
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.clip(clip).start_frame = 5
    doc.move_clip(clip, 20)
    assert info.clip(clip).start_frame == 0 and doc.info().clip(clip).start_frame == 20


def test_render_item_maps_timeline_frames_to_exact_media_frames(doc):
    v, _ = tracks(doc)
    doc.insert_clip(video("/m/a.mp4", audio=False), v, 12, duration_frames=10, source_start_frame=7)
    item = doc.render_snapshot().video_tracks()[0].items[0]
    assert (item.start_frame, item.end_frame, item.media_path, item.source_start_frame) == (12, 22, "/m/a.mp4", 7)
    assert [item.media_frame_at(f) for f in (12, 13, 21)] == [7, 8, 16]


def test_media_at_another_rate_is_played_at_its_own_speed():
    doc = TimelineDocument(rate=Fraction(25))
    v, _ = tracks(doc)
    doc.insert_clip(video("/m/fast.mp4", frames=100, fps=Fraction(50), audio=False), v, 0)
    item = doc.render_snapshot().tracks[0].items[0]
    assert item.duration_frames == 50
    assert [item.media_frame_at(f) for f in (0, 1, 49)] == [0, 2, 98]


def test_offline_media_is_flagged(doc, tmp_path):
    v, _ = tracks(doc)
    present = tmp_path / "here.mp4"
    present.write_bytes(b"x")
    doc.insert_clip(video(str(present), audio=False), v, 0, duration_frames=5)
    doc.insert_clip(video("/nowhere/gone.mp4", audio=False), v, 5, duration_frames=5)
    assert [c.offline for c in doc.info().track(v).clips] == [False, True]


@pytest.mark.parametrize("rate, frames, expected", [
    (Fraction(30000, 1001), 1800, "00:01:00;02"),
    (Fraction(24000, 1001), 1440, "00:01:00:00"),
    (Fraction(25), 1500, "00:01:00:00"),
    (Fraction(50), 3000, "00:01:00:00"),
    (Fraction(60), 3600, "00:01:00:00"),
])
def test_documents_at_broadcast_rates_keep_frames_exact(rate, frames, expected):
    doc = TimelineDocument(rate=rate)
    v, _ = tracks(doc)
    doc.insert_clip(video("/m/a.mp4", frames=frames + 10, fps=rate, audio=False), v, 0, duration_frames=frames)
    reopened = TimelineDocument(otio.adapters.read_from_string(doc.to_json()))
    assert reopened.rate == rate
    assert reopened.info().duration_frames == frames
    assert timecode(reopened.info().duration_frames, reopened.rate) == expected


def _three_shots(doc):
    v1, _ = tracks(doc)
    ids = [doc.insert_clip(video(f"/m/{n}.mp4", audio=False), v1, at, duration_frames=20).id for n, at in (("a", 0), ("b", 20),
                                                                                               ("c", 40))]
    return v1, ids


def test_an_unchanged_document_changes_no_frames(doc):
    from seine_editor.timeline.snapshot import changed_frames

    _three_shots(doc)
    assert changed_frames(doc.render_snapshot(), doc.render_snapshot()) == ()


def test_a_trim_changes_the_frames_of_that_clip_only(doc):
    from seine_editor.timeline.snapshot import changed_frames

    _, (_, b, _) = _three_shots(doc)
    before = doc.render_snapshot()
    doc.trim_clip(b, "tail", -5)
    assert changed_frames(before, doc.render_snapshot()) == ((20, 40),)


def test_a_ripple_delete_changes_the_frames_from_the_deleted_clip_to_the_old_end(doc):
    from seine_editor.timeline.snapshot import changed_frames

    v1, _ = tracks(doc)
    for at in range(0, 400, 10):  # forty shots: a ripple at the third moves far more than a handful
        doc.insert_clip(video("/m/a.mp4", frames=40), v1, at, duration_frames=10)
    before = doc.render_snapshot()
    doc.delete_clips([doc.info().track(v1).clips[2].id], ripple=True)
    assert changed_frames(before, doc.render_snapshot()) == ((20, 400),)


def test_hiding_a_track_changes_every_frame_it_shows(doc):
    from seine_editor.timeline.snapshot import changed_frames

    v1, _ = _three_shots(doc)
    before = doc.render_snapshot()
    doc.set_track_flags(v1, hidden=True)
    assert changed_frames(before, doc.render_snapshot()) == ((0, 60),)


def test_new_output_settings_change_every_frame(doc):
    from seine_editor.timeline.snapshot import changed_frames

    _three_shots(doc)
    before = doc.render_snapshot()
    doc.set_settings(width=640, height=360)
    assert changed_frames(before, doc.render_snapshot()) is None


def test_looking_up_an_unknown_id_names_it(doc):
    from seine_editor.errors import PlacementError

    with pytest.raises(PlacementError, match="no clip with id 'nope'"):
        doc.info().clip("nope")
    with pytest.raises(PlacementError, match="no track with id 'gone'"):
        doc.info().track("gone")


@pytest.mark.parametrize("edit", [
    lambda doc: doc.split_clip("nope", 3), lambda doc: doc.trim_clip("nope", "tail", -1),
    lambda doc: doc.move_clip("nope", 10), lambda doc: doc.delete_clips(["nope"])])
def test_an_edit_of_an_unknown_clip_is_refused_naming_it(doc, edit):
    from seine_editor.errors import PlacementError

    _three_shots(doc)
    before = doc.to_json()
    with pytest.raises(PlacementError, match="'nope'"):
        edit(doc)
    assert doc.to_json() == before


def test_what_a_long_editing_session_keeps_does_not_grow_with_its_edits():
    """Views are kept from reading to reading; what lets them catch up must not hold every earlier reading."""
    import gc

    from seine_editor.timeline import layout

    doc = TimelineDocument()
    v1, _ = tracks(doc)
    for at in range(0, 400, 20):
        doc.insert_clip(video("/m/a.mp4", frames=40), v1, at, duration_frames=20)

    def readings_held() -> int:
        doc.info(), doc.render_snapshot()
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is layout.Change)

    def split_and_undo(times: int) -> None:
        for k in range(times):
            clip = doc.info().track(v1).clips[k % 20]
            doc.restore(doc.split_clip(clip.id, clip.start_frame + 5).undo)

    split_and_undo(20)
    held = readings_held()
    split_and_undo(200)
    assert readings_held() <= held
