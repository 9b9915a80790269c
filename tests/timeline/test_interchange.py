"""Interchange export: each format round-trips through its own adapter; generative items are baked into
real movies with provenance; the project itself is never changed."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import opentimelineio as otio
import pytest

from seine_editor.errors import ExportError
from seine_editor.media.synthetic import write_coded_video
from seine_editor.render.bake import make_baker
from seine_editor.timeline import generated, meta
from seine_editor.timeline.interchange import export_timeline

SIZE = (320, 240)
RATE = Fraction(24)


def rt(frames):
    return otio.opentime.RationalTime(frames, 24)


def clip(name, path, start, duration):
    reference = otio.schema.ExternalReference(target_url=str(path),
                                              available_range=otio.opentime.TimeRange(rt(0), rt(48)))
    return otio.schema.Clip(name=name, media_reference=reference,
                            source_range=otio.opentime.TimeRange(rt(start), rt(duration)))


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interchange_media")
    return (write_coded_video(folder / "shot_a.mp4", frames=48, tint=(200, 60, 40)),
            write_coded_video(folder / "shot_b.mp4", frames=48, tint=(40, 60, 200), first_index=1000))


def story(sources, with_dissolve=True):
    """Shot A, (dissolve,) Shot B, a pending generative transition, Shot C: one video track."""
    a, b = sources
    params = generated.normalize_params(generated.TRANSITION, {"prompt": "dusk falls", "seed": 7, "steps": 25,
                                                                        "engine": "seine"})
    bridge = generated.make_placeholder(generated.TRANSITION, 6, RATE, params,
                                        [generated.source("left", None, str(b), 27),
                                         generated.source("right", None, str(a), 0)], name="Bridge")
    track = otio.schema.Track(name="V1")
    children = [clip("Shot A", a, 10, 20)] + ([otio.schema.Transition(
        transition_type="SMPTE_Dissolve", in_offset=rt(4), out_offset=rt(4))] if with_dissolve else []) + [
        clip("Shot B", b, 8, 20), bridge, clip("Shot C", a, 0, 10)]
    for child in children:
        track.append(child)
    timeline = otio.schema.Timeline("Story", global_start_time=rt(0))
    timeline.tracks.append(track)
    return timeline


def summary(timeline):
    return [(c.name, c.range_in_parent().start_time.to_frames(), c.range_in_parent().duration.to_frames(),
             Path(c.media_reference.target_url).name) for c in timeline.find_clips()]


EXPECTED = [("Shot A", 0, 20, "shot_a.mp4"), ("Shot B", 20, 20, "shot_b.mp4"),
            ("Bridge", 40, 6, "GEN_transition_Shot-B_to_Shot-C_v1.mov"), ("Shot C", 46, 10, "shot_a.mp4")]


def export(timeline, path):
    return export_timeline(timeline, path, rate=RATE, size=SIZE, baker=make_baker(timeline, size=SIZE))


@pytest.mark.parametrize("suffix", [".otio", ".xml", ".fcpxml", ".otiod"])
def test_format_round_trips_names_record_ranges_and_media(sources, tmp_path, suffix):
    result = export(story(sources), tmp_path / f"story{suffix}")
    back = otio.adapters.read_from_file(str(result.path))
    assert summary(back) == EXPECTED


def test_edl_round_trips_one_video_track_at_the_timeline_rate(sources, tmp_path):
    timeline = story(sources, with_dissolve=False)
    timeline.tracks.append(otio.schema.Track(name="V2"))
    result = export(timeline, tmp_path / "story.edl")
    back = otio.adapters.read_from_file(str(result.path), rate=24)
    assert summary(back) == EXPECTED
    assert result.notes == ("EDL holds one video track: track 'V2' was left out",)


def test_otioz_bundles_every_media_file(sources, tmp_path):
    result = export(story(sources), tmp_path / "story.otioz")
    (tmp_path / "out").mkdir()
    back = otio.adapters.read_from_file(str(result.path), extract_to_directory=str(tmp_path / "out"))
    names = sorted(p.name for p in (tmp_path / "out" / "media").iterdir())
    assert names == ["GEN_transition_Shot-B_to_Shot-C_v1.mov", "shot_a.mp4", "shot_b.mp4"]
    assert [c.name for c in back.find_clips()] == [name for name, *_ in EXPECTED]


def test_otio_export_is_lossless_apart_from_the_baked_item(sources, tmp_path):
    timeline = story(sources)
    timeline.metadata["other_tool"] = {"keep": [1, 2]}
    back = otio.adapters.read_from_file(str(export(timeline, tmp_path / "s.otio").path))
    assert meta.plain(back.metadata["other_tool"]) == {"keep": [1, 2]}
    assert back.metadata["seine"]["width"] == 320 and back.metadata["seine"]["height"] == 240
    assert back.metadata["seine"]["rate"] == 24
    assert isinstance(back.tracks[0][1], otio.schema.Transition)


def test_export_never_changes_the_project(sources, tmp_path):
    timeline = story(sources)
    before = timeline.to_json_string()
    for suffix in (".otio", ".edl", ".xml", ".fcpxml"):
        export(story(sources, with_dissolve=suffix != ".edl") if suffix == ".edl" else timeline,
               tmp_path / f"s{suffix}")
    assert timeline.to_json_string() == before


def test_edl_writer_does_not_change_the_project_either(sources, tmp_path):
    timeline = story(sources, with_dissolve=False)
    before = timeline.to_json_string()
    export(timeline, tmp_path / "s.edl")
    assert timeline.to_json_string() == before


def test_baked_item_is_a_prores_movie_at_timeline_rate_with_provenance(sources, tmp_path):
    result = export(story(sources), tmp_path / "s.otio")
    movie = result.baked[0]
    with av.open(str(movie)) as container:
        stream = container.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        tags = dict(container.metadata)
        assert (stream.codec_context.name, stream.average_rate, stream.width, stream.height) == ("prores", 24, 320, 240)
        assert stream.metadata.get("timecode") == "00:00:00:00"
    assert len(frames) == 6
    assert (tags["seine_prompt"], tags["seine_seed"], tags["seine_steps"]) == ("dusk falls", "7", "25")
    assert json.loads(tags["seine_sources"])[0]["frame"] == 27
    back = otio.adapters.read_from_file(str(result.path))
    baked = next(c for c in back.find_clips() if c.name == "Bridge")
    assert baked.metadata["seine"]["provenance"]["prompt"] == "dusk falls"
    assert baked.metadata["seine"]["provenance"]["engine"] == "seine"
    assert list(baked.media_references()) == ["DEFAULT_MEDIA"]


def test_generative_item_without_a_baker_is_refused(sources, tmp_path):
    with pytest.raises(ExportError, match="1 generative item"):
        export_timeline(story(sources), tmp_path / "s.otio", rate=RATE, size=SIZE)
    assert list(tmp_path.iterdir()) == []


def test_unknown_suffix_is_refused_naming_the_allowed_ones(sources, tmp_path):
    with pytest.raises(ExportError, match=r"cannot export to \.docx; allowed: \.otio, \.otioz"):
        export(story(sources), tmp_path / "s.docx")


def test_only_the_take_that_plays_is_exported_and_it_points_at_the_baked_movie(sources, tmp_path):
    timeline = story(sources)
    bridge = next(c for c in timeline.find_clips() if c.name == "Bridge")
    for take in sources:  # two takes made in a scratch cache; the first is chosen
        generated.attach_take(bridge, str(take), 6, RATE, provenance={"engine": "morph", "engine_identity": "morph/1"})
    generated.select_take(bridge, "take1")
    result = export(timeline, tmp_path / "s.otio")
    back = next(c for c in otio.adapters.read_from_file(str(result.path)).find_clips() if c.name == "Bridge")
    assert meta.plain(back.metadata["seine"]["takes"]) == [
        {"key": "take1", "path": str(result.baked[0]), "fingerprint": meta.get(bridge, "fingerprint"),
         "engine": "morph", "engine_identity": "morph/1"}]
    assert back.metadata["seine"]["provenance"]["take"] == "take1"
    assert meta.get(bridge, "takes")[1]["path"] == str(sources[1])  # the project keeps every take


def test_a_pending_item_exports_no_takes(sources, tmp_path):
    back = otio.adapters.read_from_file(str(export(story(sources), tmp_path / "s.otio").path))
    bridge = next(c for c in back.find_clips() if c.name == "Bridge")
    assert (list(bridge.metadata["seine"]["takes"]), bridge.metadata["seine"]["provenance"]["take"]) == ([], None)
