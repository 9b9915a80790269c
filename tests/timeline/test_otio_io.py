"""Opening and saving timeline files: the corpus, hostile files, atomic saves, media paths, settings."""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import zipfile
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from seine_editor.errors import ProjectFileError
from seine_editor.timeline import otio_io

SAMPLES = Path(__file__).resolve().parents[1] / "interchange_samples"  # other tools' files, with their sources
FACTS = re.compile(r"\| `((?:otio|edl|xml)/[^`]+)` \|.*?OTIO 0\.18\.1 loads: (\d+) top-level tracks \(([^)]*)\), "
                   r"(\d+) clips, (\d+) gaps, (\d+) transitions, (\d+) nested stacks, (\d+) markers, "
                   r"(\d+) effects; media refs (\{[^}]*\}); duration ([\d.]+) s @ ([\d.]+)")


def _manifest_facts() -> list[tuple[str, tuple]]:
    rows = [FACTS.search(line) for line in (SAMPLES / "SOURCES.md").read_text().splitlines()]
    return [(m.group(1), m.groups()[1:]) for m in rows if m and m.group(1) != "xml/sample_just_track.xml"]


def _edl_rate(name: str) -> int:
    return 25 if name.endswith("25fps.edl") else 24


def _track_kinds(text: str) -> dict[str, int]:
    return {kind: int(n) for n, kind in re.findall(r"(\d+) (Video|Audio)", text)}


@pytest.mark.parametrize("name,facts", _manifest_facts(), ids=[n for n, _ in _manifest_facts()])
def test_sample_file_opens_with_otios_own_counts(name, facts):
    opened = otio_io.read_timeline(SAMPLES / name, rate=_edl_rate(name))
    summary = otio_io.summarise(opened.timeline)
    kinds = _track_kinds(facts[1])
    assert (summary.video_tracks, summary.audio_tracks) == (kinds.get("Video", 0), kinds.get("Audio", 0))
    held_places = sum("a gap holds its place" in note for note in opened.notes)  # a late track's offset
    assert (summary.clips, summary.gaps - held_places, summary.transitions, summary.nested_stacks, summary.markers,
            summary.effects) == tuple(int(v) for v in facts[2:8])
    assert summary.media_references == json.loads(facts[8].replace("'", '"'))
    assert round(summary.duration.to_seconds(), 3) == float(facts[9])
    assert round(summary.duration.rate, 3) == float(facts[10])


def test_a_track_that_starts_late_gets_a_gap_in_its_place_and_says_so():
    opened = otio_io.read_timeline(SAMPLES / "otio" / "multiple_track.otio")
    track = opened.timeline.tracks[2]
    assert track.source_range is None
    assert isinstance(track[0], otio.schema.Gap) and track[0].duration() == otio.opentime.RationalTime(7, 24)
    assert track.duration() == otio.opentime.RationalTime(16, 24)
    assert opened.notes == ("track 'Track-003' starts 7 frames late: a gap holds its place",)


def test_an_edl_record_start_becomes_the_timelines_start_timecode():
    opened = otio_io.read_timeline(SAMPLES / "edl" / "avid_example.edl")
    assert opened.timeline.global_start_time == otio.opentime.from_timecode("00:59:53:11", 24)
    assert opened.timeline.tracks[0].source_range is None
    assert opened.timeline.tracks[0].duration() == otio.opentime.RationalTime(81, 24)


def test_every_sample_file_is_covered_by_a_sources_row():
    files = {f"{p.parent.name}/{p.name}" for d in ("otio", "edl", "xml") for p in (SAMPLES / d).iterdir()}
    assert files - {name for name, _ in _manifest_facts()} == {"xml/sample_just_track.xml"}


def test_xml_holding_only_a_bare_track_is_refused():
    path = SAMPLES / "xml" / "sample_just_track.xml"
    with pytest.raises(ProjectFileError) as info:
        otio_io.read_timeline(path)
    assert str(info.value) == f"{path}: the FCP7 XML file holds no tracks that can be read"


def test_edl_read_at_the_wrong_rate_is_refused_naming_the_rate_and_timecode():
    path = SAMPLES / "edl" / "25fps.edl"
    with pytest.raises(ProjectFileError) as info:
        otio_io.read_timeline(path, rate=24)
    assert info.value.reason == ("cannot be read as a CMX3600 EDL at 24 fps: Frame rate mismatch.  Timecode "
                                 "'01:00:01:24' has frames beyond 23 (EDLs carry no rate: choose the one it was "
                                 "cut at)")


def test_edl_without_a_rate_is_read_at_24_and_says_so():
    opened = otio_io.read_timeline(SAMPLES / "edl" / "gap_test.edl")
    assert opened.format == "cmx_3600"
    assert opened.notes == ("EDLs carry no frame rate: read at 24 fps",)
    assert opened.timeline.duration() == otio.opentime.RationalTime(126, 24)


def test_edl_rate_must_be_positive(tmp_path):
    with pytest.raises(ProjectFileError, match=r"frame rate 0 is not allowed \(must be above 0\)$"):
        otio_io.read_timeline(SAMPLES / "edl" / "gap_test.edl", rate=0)


def test_fcpx_file_with_two_timelines_opens_the_first_and_says_so():
    opened = otio_io.read_timeline(SAMPLES / "xml" / "fcpx_example.fcpxml")
    assert opened.timeline.name == "OpenTimeline_Project"
    assert opened.notes == ("the file holds 2 timelines: opened the first, 'OpenTimeline_Project'",)


@pytest.mark.parametrize("source,fmt", [("edl/dissolve_test.edl", "cmx_3600"), ("xml/premiere_example.xml", "fcp_xml"),
                                        ("xml/fcpx_example.fcpxml", "fcpx_xml"), ("otio/simple_cut.otio", "otio_json")])
def test_format_is_detected_by_content_not_extension(tmp_path, source, fmt):
    renamed = tmp_path / "timeline.txt"
    shutil.copy(SAMPLES / source, renamed)
    assert otio_io.read_timeline(renamed).format == fmt


# ------------------------------------------------------------------------------------------ hostile files

def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def _timeline_json(clip_schema: str = "Clip.2") -> str:
    timeline = otio.schema.Timeline("cut")
    track = otio.schema.Track("V1")
    track.append(otio.schema.Clip("A", source_range=otio.opentime.TimeRange(duration=otio.opentime.RationalTime(5, 24))))
    timeline.tracks.append(track)
    return otio.adapters.write_to_string(timeline, "otio_json").replace('"Clip.2"', f'"{clip_schema}"')


@pytest.mark.parametrize("content,reason", [
    ("", "the file is empty"),
    ("  \n", "the file is empty"),
    ("hello", "invalid JSON at line 1, column 1: Expecting value"),
    ('{"OTIO_SCHEMA": "Timeline.1",\n  "name": ', "invalid JSON at line 2, column 11: Expecting value"),
    ('{"a": 1}', "not an OpenTimelineIO file (the top level is an object without OTIO_SCHEMA)"),
    ("[1, 2]", "not an OpenTimelineIO file (the top level is a JSON list)"),
    ('{"OTIO_SCHEMA": "Clip.2", "name": "x"}', "not an OpenTimelineIO timeline (top-level schema is Clip.2)"),
    (b"{\x00\xff\xfe garbage", "not an OpenTimelineIO file: binary data at byte 2, not JSON text"),
])
def test_hostile_otio_file_is_refused_with_a_plain_reason(tmp_path, content, reason):
    path = _write(tmp_path, "bad.otio", content)
    with pytest.raises(ProjectFileError) as info:
        otio_io.read_timeline(path)
    assert (info.value.path, info.value.reason) == (str(path), reason)


def test_truncated_project_names_the_line_and_column(tmp_path):
    text = _timeline_json()
    path = _write(tmp_path, "cut.otio", text[: len(text) // 2])
    with pytest.raises(ProjectFileError, match=r"^.*cut\.otio: invalid JSON at line \d+, column \d+: "):
        otio_io.read_timeline(path)


def test_schema_from_a_newer_otio_is_named(tmp_path):
    path = _write(tmp_path, "new.otio", _timeline_json("Clip.99"))
    with pytest.raises(ProjectFileError) as info:
        otio_io.read_timeline(path)
    assert info.value.reason == "written by a newer OpenTimelineIO (Clip.99; this editor reads up to Clip.2)"


def test_unknown_schema_in_the_track_is_named_with_its_place(tmp_path):
    path = _write(tmp_path, "odd.otio", _timeline_json("Hologram.1"))
    with pytest.raises(ProjectFileError) as info:
        otio_io.read_timeline(path)
    assert info.value.reason == ("uses schema Hologram.1 that OpenTimelineIO 0.18.1 does not know "
                                 "(at top level > tracks > children[0] > children[0])")


def test_unknown_schemas_inside_metadata_are_kept(tmp_path):
    timeline = otio.schema.Timeline("cut")
    text = otio.adapters.write_to_string(timeline, "otio_json").replace(
        '"metadata": {}', '"metadata": {"other_tool": {"OTIO_SCHEMA": "Widget.3", "size": 4}}', 1)
    opened = otio_io.read_timeline(_write(tmp_path, "cut.otio", text))
    assert json.loads(otio.adapters.write_to_string(opened.timeline))["metadata"]["other_tool"] == {
        "OTIO_SCHEMA": "Widget.3", "size": 4}


def test_binary_garbage_is_refused(tmp_path):
    path = _write(tmp_path, "garbage.bin", bytes(range(7, 250)) * 3)
    with pytest.raises(ProjectFileError) as info:
        otio_io.read_timeline(path)
    assert info.value.reason == ("is not a timeline file this editor reads (.edl, .fcpxml, .otio, .otioz, .xml)")


def test_other_xml_is_refused(tmp_path):
    path = _write(tmp_path, "feed.xml", "<?xml version='1.0'?><rss><channel/></rss>")
    with pytest.raises(ProjectFileError) as info:
        otio_io.read_timeline(path)
    assert info.value.reason == "is XML but neither FCP7 XML (<xmeml>) nor FCPX XML (<fcpxml>)"


def test_damaged_fcp_xml_is_refused_with_the_parser_reason(tmp_path):
    path = _write(tmp_path, "cut.xml", "<?xml version='1.0'?><xmeml version='4'><sequence><media>")
    with pytest.raises(ProjectFileError, match=r"cut\.xml: cannot be read as FCP7 XML: "):
        otio_io.read_timeline(path)


def test_missing_file_and_folder_are_refused(tmp_path):
    with pytest.raises(ProjectFileError, match=r"nope\.otio: no such file$"):
        otio_io.read_timeline(tmp_path / "nope.otio")
    with pytest.raises(ProjectFileError,
                       match=r": is a folder, not a timeline file or an .otiod bundle \(no content.otio in it\)$"):
        otio_io.read_timeline(tmp_path)


def test_malformed_seine_settings_are_refused(tmp_path):
    timeline = otio.schema.Timeline("cut", metadata={"seine": {"settings": {"width": "wide"}}})
    path = _write(tmp_path, "cut.otio", otio.adapters.write_to_string(timeline))
    with pytest.raises(ProjectFileError, match=r"timeline settings are malformed \(ValueError: "):
        otio_io.read_timeline(path)


# ------------------------------------------------------------------------------------------ saving

def _cut_with_media(*paths: Path) -> otio.schema.Timeline:
    timeline = otio.schema.Timeline("cut")
    track = otio.schema.Track("V1")
    for path in paths:
        track.append(otio.schema.Clip(path.stem, media_reference=otio.schema.ExternalReference(str(path)),
                                      source_range=otio.opentime.TimeRange(duration=otio.opentime.RationalTime(4, 24))))
    timeline.tracks.append(track)
    return timeline


def _urls(timeline: otio.schema.Timeline) -> list[str]:
    return [ref.target_url for _clip, _key, ref in otio_io.external_references(timeline)]


def test_saved_project_reads_back_identically(tmp_path):
    media = tmp_path / "media" / "a.mp4"
    media.parent.mkdir()
    media.touch()
    timeline = _cut_with_media(media)
    otio_io.write_settings(timeline, otio_io.TimelineSettings(1280, 720, Fraction(30000, 1001), 44100))
    otio_io.save_timeline(timeline, tmp_path / "cut.otio")
    opened = otio_io.read_timeline(tmp_path / "cut.otio")
    assert otio.adapters.write_to_string(opened.timeline) == otio.adapters.write_to_string(timeline)
    assert otio_io.read_settings(opened.timeline) == otio_io.TimelineSettings(1280, 720, Fraction(30000, 1001), 44100)


def test_media_under_the_project_folder_is_stored_relative_with_an_absolute_hint(tmp_path):
    inside, outside = tmp_path / "project" / "media" / "a.mp4", tmp_path / "elsewhere" / "b.mp4"
    for path in (inside, outside):
        path.parent.mkdir(parents=True)
        path.touch()
    otio_io.save_timeline(_cut_with_media(inside, outside), tmp_path / "project" / "cut.otio")
    stored = json.loads((tmp_path / "project" / "cut.otio").read_text())
    refs = [c["media_references"]["DEFAULT_MEDIA"] for c in stored["tracks"]["children"][0]["children"]]
    assert [r["target_url"] for r in refs] == ["media/a.mp4", str(outside)]
    assert refs[0]["metadata"] == {"seine": {"absolute_path": str(inside)}}
    assert refs[1]["metadata"] == {}


def test_moving_the_project_with_its_media_keeps_the_media_online(tmp_path):
    media = tmp_path / "old" / "media" / "a.mp4"
    media.parent.mkdir(parents=True)
    media.touch()
    otio_io.save_timeline(_cut_with_media(media), tmp_path / "old" / "cut.otio")
    shutil.move(tmp_path / "old", tmp_path / "new")
    opened = otio_io.read_timeline(tmp_path / "new" / "cut.otio")
    assert _urls(opened.timeline) == [str(tmp_path / "new" / "media" / "a.mp4")]
    assert otio_io.offline_media(opened.timeline) == []


def test_moving_only_the_project_file_falls_back_to_the_absolute_media_path(tmp_path):
    media = tmp_path / "work" / "media" / "a.mp4"
    media.parent.mkdir(parents=True)
    media.touch()
    otio_io.save_timeline(_cut_with_media(media), tmp_path / "work" / "cut.otio")
    shutil.move(tmp_path / "work" / "cut.otio", tmp_path / "cut.otio")
    opened = otio_io.read_timeline(tmp_path / "cut.otio")
    assert _urls(opened.timeline) == [str(media)]
    assert opened.timeline.find_clips()[0].media_reference.metadata == {}


def test_missing_media_opens_as_offline_clips_that_are_kept(tmp_path):
    present, gone = tmp_path / "a.mp4", tmp_path / "gone" / "b.mp4"
    present.touch()
    otio_io.save_timeline(_cut_with_media(present, gone, gone), tmp_path / "cut.otio")
    opened = otio_io.read_timeline(tmp_path / "cut.otio")
    assert [c.name for c in opened.timeline.find_clips()] == ["a", "b", "b"]
    assert otio_io.offline_media(opened.timeline) == [otio_io.OfflineMedia(str(gone), ("b",))]


def test_relink_points_every_use_of_a_file_at_the_new_one(tmp_path):
    gone, found = tmp_path / "gone.mp4", tmp_path / "found.mp4"
    found.touch()
    timeline = _cut_with_media(gone, gone)
    assert otio_io.relink(timeline, str(gone), found) == 2
    assert _urls(timeline) == [str(found), str(found)]
    assert otio_io.offline_media(timeline) == []


def test_relink_by_folder_finds_files_by_name_in_subfolders(tmp_path):
    a, b = tmp_path / "lost" / "a.mp4", tmp_path / "lost" / "b.mp4"
    (tmp_path / "disk" / "day2").mkdir(parents=True)
    (tmp_path / "disk" / "day2" / "a.mp4").touch()
    timeline = _cut_with_media(a, b)
    report = otio_io.relink_folder(timeline, tmp_path / "disk")
    assert report.found == {str(a): str(tmp_path / "disk" / "day2" / "a.mp4")}
    assert (report.missing, report.unsure) == ((str(b),), {})
    assert otio_io.offline_media(timeline) == [otio_io.OfflineMedia(str(b), ("b",))]


def test_file_urls_are_understood_as_local_paths(tmp_path):
    media = tmp_path / "my clip.mp4"
    media.touch()
    timeline = _cut_with_media(media)
    timeline.find_clips()[0].media_reference.target_url = media.as_uri()
    assert otio_io.offline_media(timeline) == []
    assert otio_io.media_path(media.as_uri()) == media
    assert otio_io.media_path("https://example.org/a.mp4") is None


def test_failed_write_leaves_the_previous_project_and_no_temp_file(tmp_path):
    path = tmp_path / "cut.otio"
    otio_io.save_timeline(otio.schema.Timeline("first"), path)
    before = path.read_bytes()

    def failing_write(fd, data):
        raise OSError(28, "No space left on device")

    with pytest.raises(ProjectFileError) as info:
        otio_io.write_atomically(path, b'{"changed": true}', write=failing_write)
    assert info.value.reason == "cannot be written: No space left on device"
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.otio"]


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield
    os.umask(previous)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_new_project_file_gets_the_usual_mode_not_a_private_one(tmp_path, umask_027):
    path = tmp_path / "cut.otio"
    otio_io.save_timeline(otio.schema.Timeline("first"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0666 less the umask 027


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_saving_over_a_project_keeps_the_mode_its_owner_gave_it(tmp_path, umask_027):
    path = tmp_path / "cut.otio"
    otio_io.save_timeline(otio.schema.Timeline("first"), path)
    path.chmod(0o664)  # shared with the group on purpose
    otio_io.save_timeline(otio.schema.Timeline("second"), path)
    assert otio.adapters.read_from_file(str(path)).name == "second"
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


def test_failed_serialisation_leaves_the_previous_project(tmp_path, monkeypatch):
    path = tmp_path / "cut.otio"
    otio_io.save_timeline(otio.schema.Timeline("first"), path)
    before = path.read_bytes()
    monkeypatch.setattr(otio.adapters, "write_to_string", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(ProjectFileError, match=r"cut\.otio: cannot be written: boom$"):
        otio_io.save_timeline(otio.schema.Timeline("second"), path)
    assert path.read_bytes() == before


def test_saving_keeps_the_last_five_versions_newest_first(tmp_path):
    path = tmp_path / "cut.otio"
    for n in range(8):
        otio_io.save_timeline(otio.schema.Timeline(f"v{n}"), path)
    names = [otio_io.read_timeline(p).timeline.name for p in [path, *otio_io.backup_paths(path)]]
    assert names == ["v7", "v6", "v5", "v4", "v3", "v2"]
    assert not path.with_name("cut.otio.6").exists()


def test_saving_unchanged_content_does_not_push_out_a_backup(tmp_path):
    path = tmp_path / "cut.otio"
    otio_io.save_timeline(otio.schema.Timeline("v0"), path)
    otio_io.save_timeline(otio.schema.Timeline("v1"), path)
    otio_io.save_timeline(otio.schema.Timeline("v1"), path)
    assert [p.exists() for p in otio_io.backup_paths(path)] == [True, False, False, False, False]


def test_projects_are_saved_only_as_otio(tmp_path):
    with pytest.raises(ProjectFileError, match=r"cut\.edl: projects are saved as \.otio \(use export for other "):
        otio_io.save_timeline(otio.schema.Timeline("x"), tmp_path / "cut.edl")


def test_settings_of_a_foreign_file_come_from_its_rate():
    timeline = otio.schema.Timeline("x", global_start_time=otio.opentime.RationalTime(0, 29.97002997002997))
    assert otio_io.read_settings(timeline) == otio_io.TimelineSettings(fps=Fraction(30000, 1001))


def test_settings_of_an_adopted_foreign_file_use_the_rate_the_document_chose():
    from seine_editor.timeline.document import TimelineDocument

    timeline = otio.schema.Timeline("x", global_start_time=otio.opentime.RationalTime(0, 30))
    document = TimelineDocument(timeline, rate=Fraction(25))
    assert otio_io.read_settings(document.timeline) == otio_io.TimelineSettings(fps=Fraction(25))


def _otioz(tmp_path: Path) -> Path:
    timeline = _cut_with_media(Path("media/a.mp4"))
    bundle = tmp_path / "cut.otioz"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("content.otio", otio.adapters.write_to_string(timeline))
        zf.writestr("media/a.mp4", b"not really a video")
    return bundle


def test_otioz_media_is_extracted_when_a_folder_is_given(tmp_path):
    (tmp_path / "unpacked").mkdir()
    opened = otio_io.read_timeline(_otioz(tmp_path), extract_dir=tmp_path / "unpacked")
    assert opened.format == "otioz"
    assert _urls(opened.timeline) == [str(tmp_path / "unpacked" / "media" / "a.mp4")]
    assert otio_io.offline_media(opened.timeline) == []


def test_otioz_without_content_is_refused(tmp_path):
    bundle = tmp_path / "empty.otioz"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("other.txt", "x")
    with pytest.raises(ProjectFileError, match=r"empty\.otioz: the \.otioz bundle has no content\.otio$"):
        otio_io.read_timeline(bundle)


def test_the_media_path_functions_live_in_media_paths_and_are_still_importable_from_otio_io():
    from seine_editor.timeline import media_paths

    names = ("OfflineMedia", "media_path", "external_references", "offline_media", "relink",
             "find_offline_media", "relink_folder")
    assert all(getattr(otio_io, name) is getattr(media_paths, name) for name in names)
