"""Generative items: bridge vs overlap geometry, boundary sources, fingerprints and staleness, takes."""
import pytest

from seine_editor.errors import PlacementError
from seine_editor.timeline import generated
from timeline_builders import assert_round_trips, layout, still, tracks, video


@pytest.fixture
def cut(doc):
    v, a = tracks(doc)
    first = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20, source_start_frame=10).id
    second = doc.append_clip(video("/m/b.mp4"), v, duration_frames=20, source_start_frame=5).id
    return doc, v, a, first, second


def test_bridge_inserts_between_the_clips_and_the_timeline_grows(cut):
    doc, v, a, first, _ = cut
    item = doc.add_generative_transition(first, 16, "bridge", {"prompt": "sunset", "seed": 7}).id
    assert layout(doc, v) == [("a.mp4", 0, 20, 10), ("Transition: sunset", 20, 16, 0), ("b.mp4", 36, 20, 5)]
    assert layout(doc, a) == [("a.mp4", 0, 20, 10), ("b.mp4", 36, 20, 5)]
    info = doc.info().clip(item).generative
    assert (info.kind, info.mode, info.status, info.stale) == ("seine.transition", "bridge", "pending", False)
    assert [dict(s) for s in info.sources] == [
        {"role": "left", "clip_id": first, "media_path": "/m/a.mp4", "frame": 29},
        {"role": "right", "clip_id": doc.info().track(v).clips[2].id, "media_path": "/m/b.mp4", "frame": 5}]
    assert info.params["seed"] == 7 and info.params["prompt"] == "sunset"
    assert_round_trips(doc)


def test_overlap_replaces_tail_and_head_and_keeps_the_length(cut):
    doc, v, a, first, second = cut
    item = doc.add_generative_transition(first, 9, "overlap").id
    assert layout(doc, v) == [("a.mp4", 0, 16, 10), ("Transition", 16, 9, 0), ("b.mp4", 25, 15, 10)]
    assert layout(doc, a) == [("a.mp4", 0, 20, 10), ("b.mp4", 20, 20, 5)]
    sources = doc.info().clip(item).generative.sources
    assert [(s["role"], s["frame"]) for s in sources] == [("left", 25), ("right", 10)]


def test_overlap_longer_than_a_clip_is_refused(cut):
    doc, _, _, first, _ = cut
    before = doc.to_json()
    with pytest.raises(PlacementError, match="clip 'a.mp4' has 20 frames; an overlap transition of 40 would take 20"):
        doc.add_generative_transition(first, 40, "overlap")
    assert doc.to_json() == before


def test_the_placeholder_is_an_otio_clip_with_a_generator_reference(cut):
    doc, v, _, first, _ = cut
    item = doc.add_generative_transition(first, 8, params={"prompt": "p"}).id
    clip = next(c for c in doc.timeline.find_clips() if c.name == "Transition: p")
    assert clip.active_media_reference_key == "generator"
    reference = clip.media_reference
    assert reference.generator_kind == "seine.transition"
    assert dict(reference.parameters)["prompt"] == "p"
    assert doc.info().clip(item).offline is False


def test_fingerprint_is_a_pure_function_of_kind_params_and_sources():
    params = generated.normalize_params("seine.transition", {"prompt": "x"})
    sources = [generated.source("left", "a", "/a", 29), generated.source("right", "b", "/b", 5)]
    same = generated.request_fingerprint("seine.transition", dict(params), [dict(s) for s in sources])
    assert generated.request_fingerprint("seine.transition", params, sources) == same
    moved = [generated.source("left", "a", "/a", 28), sources[1]]
    assert generated.request_fingerprint("seine.transition", params, moved) != same
    assert generated.request_fingerprint("seine.transition", {**params, "seed": 1}, sources) != same


def test_trimming_a_source_makes_the_item_stale_and_refresh_clears_it(cut):
    doc, v, _, first, second = cut
    item = doc.add_generative_transition(first, 8, "overlap").id
    old = doc.info().clip(item).generative.fingerprint
    assert doc.is_stale(item) is False
    doc.slip(first, -2)
    assert doc.is_stale(item) is True
    assert doc.info().clip(item).generative.current_fingerprint != old
    doc.refresh_generative_request(item)
    assert doc.is_stale(item) is False
    assert doc.info().clip(item).generative.sources[0]["frame"] == 23


def test_replacing_a_neighbour_makes_the_item_stale(cut):
    doc, v, _, first, second = cut
    item = doc.add_generative_transition(first, 8).id
    right = doc.info().track(v).clips[2].id
    doc.delete_clips([right])
    doc.insert_clip(video("/m/c.mp4", audio=False), v, 28, duration_frames=10)
    assert doc.is_stale(item) is True


def test_extension_follows_the_clip_tail(cut):
    doc, v, _, first, _ = cut
    item = doc.add_extension(first, 12, {"prompt": "more"}).id
    assert layout(doc, v)[:3] == [("a.mp4", 0, 20, 10), ("Extension: more", 20, 12, 0), ("b.mp4", 32, 20, 5)]
    assert [dict(s) for s in doc.info().clip(item).generative.sources] == [
        {"role": "left", "clip_id": first, "media_path": "/m/a.mp4", "frame": 29}]


def test_animate_replaces_a_still_and_refuses_video(doc):
    v, _ = tracks(doc)
    picture = doc.insert_clip(still("/m/p.png"), v, 4, duration_frames=16).id
    item = doc.animate_still(picture, {"prompt": "wind"}).id
    assert layout(doc, v) == [("Animation: wind", 4, 16, 0)]
    assert [dict(s) for s in doc.info().clip(item).generative.sources] == [
        {"role": "still", "clip_id": picture, "media_path": "/m/p.png", "frame": 0}]
    video_clip = doc.insert_clip(video(audio=False), v, 30, duration_frames=5).id
    with pytest.raises(PlacementError, match="clip 'a.mp4' is video; only a still image can be animated"):
        doc.animate_still(video_clip)


def test_attach_takes_detach_and_select(cut):
    doc, v, _, first, _ = cut
    item = doc.add_generative_transition(first, 8).id
    assert doc.attach_generated_media(item, "/cache/t1.mp4").id == "take1"
    assert doc.attach_generated_media(item, "/cache/t2.mp4").id == "take2"
    info = doc.info().clip(item)
    assert (info.generative.status, info.generative.baked_path, info.generative.takes) == (
        "baked", "/cache/t2.mp4", ("take1", "take2"))
    rendered = next(i for i in doc.render_snapshot().tracks[0].items if i.clip_id == item)
    assert (rendered.media_path, rendered.media_kind, rendered.generative.status) == ("/cache/t2.mp4", "generated", "baked")
    doc.select_take(item, "take1")
    assert doc.info().clip(item).media_path == "/cache/t1.mp4"
    doc.detach_generated_media(item)
    info = doc.info().clip(item)
    assert (info.generative.status, info.media_path, info.generative.takes) == ("pending", None, ("take1", "take2"))
    with pytest.raises(PlacementError, match="has no take 'take9'"):
        doc.select_take(item, "take9")
    assert_round_trips(doc)


def test_bad_params_are_refused_by_name(cut):
    doc, _, _, first, _ = cut
    with pytest.raises(PlacementError, match="generative parameter 'colour' is not known for seine.transition"):
        doc.add_generative_transition(first, 8, params={"colour": 1})
    with pytest.raises(PlacementError, match="transition mode 'blend' is not one of bridge, overlap"):
        doc.add_generative_transition(first, 8, "blend")
    with pytest.raises(PlacementError, match="generative parameter 'seed' has value 'x'"):
        doc.add_generative_transition(first, 8, params={"seed": "x"})


def test_animate_a_frame_of_a_video_inserts_there_and_splits_the_linked_sound(doc):
    v, a = tracks(doc)
    shot = doc.insert_clip(video("/m/a.mp4"), v, 0, duration_frames=20, source_start_frame=10).id
    before = doc.to_json()
    edit = doc.animate_frame(shot, 6, 12, {"prompt": "breeze"})
    assert layout(doc, v) == [("a.mp4", 0, 6, 10), ("Animation: breeze", 6, 12, 0), ("a.mp4", 18, 14, 16)]
    assert layout(doc, a) == [("a.mp4", 0, 6, 10), ("a.mp4", 18, 14, 16)]
    assert [dict(s) for s in doc.info().clip(edit.id).generative.sources] == [
        {"role": "still", "clip_id": shot, "media_path": "/m/a.mp4", "frame": 16}]
    right_picture, right_sound = doc.info().track(v).clips[2], doc.info().track(a).clips[1]
    assert right_picture.linked_ids == (right_sound.id,)
    after = doc.to_json()
    redo = doc.restore(edit.undo)
    assert doc.to_json() == before
    doc.restore(redo)
    assert doc.to_json() == after


def test_animate_a_frame_refuses_stills_and_frames_the_clip_does_not_show(doc):
    v, _ = tracks(doc)
    shot = doc.insert_clip(video(audio=False), v, 0, duration_frames=10).id
    picture = doc.insert_clip(still("/m/p.png"), v, 10, duration_frames=5).id
    before = doc.to_json()
    with pytest.raises(PlacementError, match=r"frame 10 is outside clip 'a.mp4' \(frames 0..9\)"):
        doc.animate_frame(shot, 10, 8)
    with pytest.raises(PlacementError, match="clip 'p.png' is image; a frame can be animated from a video clip"):
        doc.animate_frame(picture, 11, 8)
    assert doc.to_json() == before


MORPH_TAKE = {"engine": "morph", "engine_identity": "morph/1", "preset": "draft", "steps": 8, "scheduler": None,
              "guidance": None}


def test_a_take_records_the_engine_and_the_parameters_it_resolved(cut):
    doc, _, _, first, _ = cut
    item = doc.add_generative_transition(first, 8).id
    doc.attach_generated_media(item, "/cache/t1.mov", provenance=MORPH_TAKE)
    clip = doc._item(item)
    assert generated.active_take(clip) == {"key": "take1", "path": "/cache/t1.mov",
                                           "fingerprint": doc.info().clip(item).generative.fingerprint, **MORPH_TAKE}
    assert_round_trips(doc)


def test_undoing_an_attach_with_provenance_restores_the_exact_document(cut):
    doc, _, _, first, _ = cut
    item = doc.add_generative_transition(first, 8).id
    before = doc.to_json()
    edit = doc.attach_generated_media(item, "/cache/t1.mov", provenance=MORPH_TAKE)
    attached = doc.to_json()
    redo = doc.restore(edit.undo)
    assert doc.to_json() == before
    doc.restore(redo)
    assert doc.to_json() == attached


def test_unknown_take_provenance_is_refused_by_name(cut):
    doc, _, _, first, _ = cut
    item = doc.add_generative_transition(first, 8).id
    before = doc.to_json()
    with pytest.raises(PlacementError, match="take provenance 'colour' is not known; allowed: engine, "
                                             "engine_identity, preset, steps, scheduler, guidance"):
        doc.attach_generated_media(item, "/cache/t1.mov", provenance={"colour": 1})
    assert doc.to_json() == before


def test_a_dissolve_after_a_generated_item_names_the_item_that_lacks_frames_not_a_dissolve(cut):
    doc, v, _, first, _ = cut
    item = doc.add_generative_transition(first, 16, "bridge", {"prompt": "sunset"}).id
    doc.attach_generated_media(item, "/cache/t1.mov")
    with pytest.raises(PlacementError, match=r"^a 12-frame dissolve at frame 36 needs 6 frames of clip 'Transition: "
                                             r"sunset' after its end, and it has 0: trim"):
        doc.add_dissolve(item, 6, 6)
