"""Generative items survive a project folder that moves: their sources and takes are saved relative to the
project, and the fingerprint counts boundary frames by media file name, never by folder."""
import json
import shutil

import opentimelineio as otio

from seine_editor.timeline import generated, otio_io
from seine_editor.timeline.document import TimelineDocument
from timeline_builders import tracks, video


def _project(folder):
    """folder/media/{a,b}.mp4 cut together with a bridge transition baked into folder/cache/t1.mov."""
    (folder / "media").mkdir(parents=True)
    (folder / "cache").mkdir()
    for name in ("a.mp4", "b.mp4", "cache/t1.mov"):
        (folder / ("" if "/" in name else "media") / name).touch()
    doc = TimelineDocument()
    v, _ = tracks(doc)
    first = doc.insert_clip(video(str(folder / "media/a.mp4"), audio=False), v, 0, duration_frames=20).id
    doc.append_clip(video(str(folder / "media/b.mp4"), audio=False), v, duration_frames=20)
    item = doc.add_generative_transition(first, 8, params={"prompt": "dusk"}).id
    doc.attach_generated_media(item, str(folder / "cache/t1.mov"))
    otio_io.save_timeline(doc.timeline, folder / "story.otio")
    return item


def _item_json(path):
    track = json.loads(path.read_text())["tracks"]["children"][0]
    return next(c for c in track["children"] if c["metadata"]["seine"].get("kind"))


def test_sources_and_takes_are_saved_relative_to_the_project(tmp_path):
    _project(tmp_path / "p")
    seine = _item_json(tmp_path / "p/story.otio")["metadata"]["seine"]
    assert [s["media_path"] for s in seine["sources"]] == ["media/a.mp4", "media/b.mp4"]
    assert [t["path"] for t in seine["takes"]] == ["cache/t1.mov"]


def test_a_moved_project_opens_with_its_generated_item_fresh_and_baked(tmp_path):
    item = _project(tmp_path / "p")
    shutil.move(tmp_path / "p", tmp_path / "elsewhere")
    doc = TimelineDocument(otio_io.read_timeline(tmp_path / "elsewhere/story.otio").timeline)
    info = doc.info().clip(item)
    assert info.generative.stale is False
    assert info.offline is False
    assert info.media_path == str(tmp_path / "elsewhere/cache/t1.mov")
    assert [s["media_path"] for s in info.generative.sources] == [
        str(tmp_path / "elsewhere/media/a.mp4"), str(tmp_path / "elsewhere/media/b.mp4")]


def test_the_fingerprint_ignores_folders_and_clip_ids_but_not_file_names():
    params = generated.normalize_params(generated.TRANSITION, {})
    here = [generated.source("left", "a1", "/x/a.mp4", 29)]
    fingerprint = generated.request_fingerprint(generated.TRANSITION, params, here)
    assert generated.request_fingerprint(generated.TRANSITION, params,
                                         [generated.source("left", "z9", "/y/z/a.mp4", 29)]) == fingerprint
    assert generated.request_fingerprint(generated.TRANSITION, params,
                                         [generated.source("left", "a1", "/x/c.mp4", 29)]) != fingerprint


def test_an_item_saved_with_an_old_style_fingerprint_opens_fresh(tmp_path):
    """Older files hashed absolute paths and clip ids (the demo stores no clip ids at all)."""
    item = _project(tmp_path / "p")
    timeline = otio_io.read_timeline(tmp_path / "p/story.otio").timeline
    clip = next(c for c in timeline.find_clips() if generated.is_generative(c))
    seine = dict(clip.metadata["seine"])
    sources = [dict(s, clip_id=None) for s in seine["sources"]]
    old = generated._hash({"kind": seine["kind"], "params": dict(seine["params"]), "sources": sources})
    clip.metadata["seine"] = {**seine, "sources": sources, "fingerprint": old,
                              "takes": [dict(t, fingerprint=old) for t in seine["takes"]]}
    doc = TimelineDocument(otio.adapters.read_from_string(otio.adapters.write_to_string(timeline)))
    assert doc.is_stale(item) is False
    assert doc.info().clip(item).generative.fingerprint != old


def test_relinking_a_source_file_moves_the_request_and_keeps_the_item_fresh(tmp_path):
    item = _project(tmp_path / "p")
    doc = TimelineDocument(otio_io.read_timeline(tmp_path / "p/story.otio").timeline)
    old, new = str(tmp_path / "p/media/a.mp4"), str(tmp_path / "found/a.mp4")
    before = doc.to_json()
    edit = doc.relink_media(old, new)
    assert doc.info().clip(item).generative.sources[0]["media_path"] == new
    assert doc.is_stale(item) is False
    assert item in edit.ids
    redo = doc.restore(edit.undo)
    assert doc.to_json() == before
    doc.restore(redo)
    assert doc.info().clips()[0].media_path == new


def test_relinking_a_take_that_is_not_playing_relinks_it_too(tmp_path):
    item = _project(tmp_path / "p")
    doc = TimelineDocument(otio_io.read_timeline(tmp_path / "p/story.otio").timeline)
    doc.detach_generated_media(item)
    doc.relink_media(str(tmp_path / "p/cache/t1.mov"), "/disk/t1.mov")
    doc.select_take(item, "take1")
    assert doc.info().clip(item).media_path == "/disk/t1.mov"
    assert [t["path"] for t in generated.meta.seine(doc._item(item))["takes"]] == ["/disk/t1.mov"]
