"""Fit mode and gain: clip properties set by undoable edits and handed to the renderer in the snapshot."""
import json

import pytest

from seine_editor.errors import PlacementError
from timeline_builders import tracks, video


@pytest.fixture
def clip(doc):
    v, _ = tracks(doc)
    return doc, doc.insert_clip(video(audio=False), v, 0, duration_frames=10).id


def _seine(doc):
    return json.loads(doc.to_json())["tracks"]["children"][0]["children"][0]["metadata"]["seine"]


def test_fill_is_stored_on_the_clip_and_reaches_the_render_snapshot(clip):
    doc, clip_id = clip
    before = doc.to_json()
    edit = doc.set_fit_mode(clip_id, "fill")
    assert _seine(doc)["fit"] == "fill"
    item = doc.render_snapshot().video_tracks()[0].items[0]
    assert (item.fit_mode, item.gain_db) == ("fill", 0.0)
    assert doc.info().clip(clip_id).fit_mode == "fill"
    after = doc.to_json()
    redo = doc.restore(edit.undo)
    assert doc.to_json() == before
    doc.restore(redo)
    assert doc.to_json() == after


def test_fit_is_the_default_and_setting_it_removes_the_key(clip):
    doc, clip_id = clip
    assert doc.render_snapshot().video_tracks()[0].items[0].fit_mode == "fit"
    doc.set_fit_mode(clip_id, "fill")
    doc.set_fit_mode(clip_id, "fit")
    assert "fit" not in _seine(doc)


def test_gain_in_db_reaches_the_render_snapshot(clip):
    doc, clip_id = clip
    doc.set_gain(clip_id, -6)
    assert _seine(doc)["gain_db"] == -6.0
    assert doc.render_snapshot().video_tracks()[0].items[0].gain_db == -6.0


@pytest.mark.parametrize("call, message", [
    (lambda d, c: d.set_fit_mode(c, "stretch"), "fit mode 'stretch' is not one of fit, fill"),
    (lambda d, c: d.set_gain(c, 40), "gain 40 dB is not allowed: use a number from -96 to 24 dB"),
    (lambda d, c: d.set_gain(c, float("nan")), "gain nan dB is not allowed"),
    (lambda d, c: d.set_gain(c, "loud"), "gain 'loud' dB is not allowed"),
    (lambda d, c: d.set_gain("nope", 1.0), "no clip or transition with id 'nope'"),
])
def test_bad_values_are_refused_by_name_and_change_nothing(clip, call, message):
    doc, clip_id = clip
    before = doc.to_json()
    with pytest.raises(PlacementError, match=message):
        call(doc, clip_id)
    assert doc.to_json() == before


def test_a_renamed_clip_keeps_its_media_and_exports_under_its_new_name(clip):
    doc, clip_id = clip
    doc.rename_clip(clip_id, "  Harbour, wide ")
    stored = json.loads(doc.to_json())["tracks"]["children"][0]["children"][0]
    assert (stored["name"], stored["media_references"]["DEFAULT_MEDIA"]["target_url"]) == ("Harbour, wide",
                                                                                             "/media/a.mp4")


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_an_empty_or_overlong_clip_name_is_refused(clip, name):
    doc, clip_id = clip
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"clip name .* is not allowed: use 1 to 200 characters"):
        doc.rename_clip(clip_id, name)
    assert doc.to_json() == before
