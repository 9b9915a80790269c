"""Bundles open with their media: an .otioz is unpacked beside it, an .otiod is read where it is, and a hostile
bundle is refused by the entry at fault with nothing written outside its folder."""
from __future__ import annotations

import stat
import zipfile

import opentimelineio as otio
import pytest

from seine_editor.errors import ProjectFileError
from seine_editor.timeline import bundles, otio_io


def content(url: str = "media/shot.mov") -> str:
    timeline = otio.schema.Timeline("Bundle")
    timeline.tracks.append(otio.schema.Track("V1"))
    timeline.tracks[0].append(otio.schema.Clip("Shot", otio.schema.ExternalReference(url), otio.opentime.TimeRange(
        duration=otio.opentime.RationalTime(12, 24))))
    return otio.adapters.write_to_string(timeline)


def bundle(path, entries: dict) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            if isinstance(data, zipfile.ZipInfo):
                archive.writestr(data, b"/etc/passwd")
            else:
                archive.writestr(name, data)


def test_an_otioz_is_unpacked_beside_it_and_its_media_resolves_there(tmp_path):
    bundle(tmp_path / "story.otioz", {"content.otio": content(), "media/shot.mov": b"frames"})
    opened = otio_io.read_timeline(tmp_path / "story.otioz")
    unpacked = tmp_path / "story.otioz-media" / "media" / "shot.mov"
    assert unpacked.read_bytes() == b"frames"
    assert opened.timeline.tracks[0][0].media_reference.target_url == str(unpacked)


def test_an_otiod_folder_opens_in_place(tmp_path):
    folder = tmp_path / "story.otiod"
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "shot.mov").write_bytes(b"frames")
    (folder / "content.otio").write_text(content())
    opened = otio_io.read_timeline(folder)
    assert opened.timeline.tracks[0][0].media_reference.target_url == str(folder / "media" / "shot.mov")


def test_a_folder_without_content_is_not_a_bundle(tmp_path):
    with pytest.raises(ProjectFileError,
                       match=r"is a folder, not a timeline file or an .otiod bundle \(no content.otio in it\)"):
        otio_io.read_timeline(tmp_path)


@pytest.mark.parametrize("entry", ["../escaped.txt", "media/../../escaped.txt", "/tmp/escaped.txt",
                                   "C:/escaped.txt", "media\\..\\..\\escaped.txt"])
def test_an_entry_pointing_outside_the_bundle_is_refused_by_name(tmp_path, entry):
    inner = tmp_path / "inside"
    inner.mkdir()
    bundle(inner / "story.otioz", {"content.otio": content(), entry: b"x"})
    with pytest.raises(ProjectFileError) as caught:
        otio_io.read_timeline(inner / "story.otioz")
    assert f"bundle entry {entry!r} points outside the bundle; refused" in str(caught.value)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (inner / "story.otioz-media").exists()


def test_a_link_in_a_bundle_is_refused(tmp_path):
    link = zipfile.ZipInfo("media/shot.mov")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bundle(tmp_path / "story.otioz", {"content.otio": content(), "media/shot.mov": link})
    with pytest.raises(ProjectFileError, match="bundle entry 'media/shot.mov' is a link; bundles hold plain files only"):
        otio_io.read_timeline(tmp_path / "story.otioz")
    assert not (tmp_path / "story.otioz-media").exists()


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path):
    bundle(tmp_path / "story.otioz", {"content.otio": content(), "media/shot.mov": bytes(16 * 1024 ** 2)})
    with pytest.raises(ProjectFileError, match=r"bundle entry 'media/shot.mov' is compressed \d+:1, beyond the "
                                               r"200:1 a media file can be; refused"):
        otio_io.read_timeline(tmp_path / "story.otioz")
    assert not (tmp_path / "story.otioz-media").exists()


def test_a_bundle_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(bundles, "MAX_UNPACKED_BYTES", 64 * 1024)
    bundle(tmp_path / "story.otioz", {"content.otio": content(), "media/shot.mov": bytes(range(256)) * 256})
    with pytest.raises(ProjectFileError, match="the bundle unpacks to more than 64 KiB; refused at entry "
                                               "'media/shot.mov'"):
        otio_io.read_timeline(tmp_path / "story.otioz")


def test_a_bundle_without_content_is_refused(tmp_path):
    bundle(tmp_path / "story.otioz", {"media/shot.mov": b"x"})
    with pytest.raises(ProjectFileError, match="the .otioz bundle has no content.otio"):
        otio_io.read_timeline(tmp_path / "story.otioz")


def test_unpacked_media_is_reused_when_opened_again(tmp_path):
    bundle(tmp_path / "story.otioz", {"content.otio": content(), "media/shot.mov": b"frames"})
    otio_io.read_timeline(tmp_path / "story.otioz")
    unpacked = tmp_path / "story.otioz-media" / "media" / "shot.mov"
    before = unpacked.stat().st_mtime_ns
    otio_io.read_timeline(tmp_path / "story.otioz")
    assert unpacked.stat().st_mtime_ns == before
