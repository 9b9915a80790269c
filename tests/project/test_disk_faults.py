"""Real disks that fail: a small tmpfs that fills (ENOSPC) and one mounted read-only (EROFS). Every output path (save,
Save As, autosave, render, export, generate) says so in one line naming the path and the reason, leaves nothing
half-written, and keeps what was there. Needs root to mount; elsewhere `test_output_errors` fills the disk with a
file size limit instead."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from seine_editor.errors import ProjectFileError
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.project import Project
from support import save_morph_story

ROOT = Path(__file__).resolve().parents[2]
DISK_BYTES = 96 * 1024  # room for a project file, not for a movie


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(os.geteuid() != 0 or shutil.which("mount") is None,
                                reason="mounting a tmpfs needs root")


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of DISK_BYTES, unmounted by the test."""
    disk = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    if not _mount(disk, f"size={DISK_BYTES}"):
        pytest.skip("this machine does not let tmpfs be mounted")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], capture_output=True)


@pytest.fixture
def story(tmp_path, qapp):
    """A saved two-shot project with a pending morph transition, its media beside it (not on the small disk)."""
    return save_morph_story(tmp_path, frames=24, transition_frames=12)


def fill(disk: Path) -> None:
    """Fill the disk to the last byte."""
    with open(disk / "filler", "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError:
            pass


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seine_editor", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_saving_onto_a_full_disk_says_so_and_keeps_the_earlier_project(story, small_disk):
    project = Project.open(story, recovery_choice="ignore")
    try:
        project.save_as(small_disk / "story.otio")
        before = (small_disk / "story.otio").read_bytes()
        fill(small_disk)
        project.rename_track(project.document.track_ids("video")[0], "A much longer name " * 400)
        with pytest.raises(ProjectFileError, match="No space left on device"):
            project.save()
    finally:
        project.close(discard_recovery=True)
    assert (small_disk / "story.otio").read_bytes() == before
    assert not [n for n in names(small_disk) if n.startswith(".story.otio.")]


def test_an_autosave_onto_a_full_disk_is_said_once_and_nothing_half_written_stays(story, small_disk):
    project = Project.open(story, recovery_choice="ignore")
    said = []
    project.autosave_failed.connect(said.append)
    try:
        project.save_as(small_disk / "story.otio")
        fill(small_disk)
        track = project.document.track_ids("video")[0]
        for n in range(3):
            project.rename_track(track, f"take {n} " * 2000)
            assert project.autosave() is None
    finally:
        project.close(discard_recovery=True)
    assert len(said) == 1 and "No space left on device" in said[0]
    assert [n for n in names(small_disk) if "recovery" in n] == []


def test_save_as_onto_a_full_disk_says_so_and_the_project_stays_where_it_was(story, small_disk):
    fill(small_disk)
    project = Project.open(story, recovery_choice="ignore")
    try:
        with pytest.raises(ProjectFileError, match="No space left on device"):
            project.save_as(small_disk / "copy.otio")
        assert project.path == story
    finally:
        project.close(discard_recovery=True)
    assert names(small_disk) == ["filler"]


@pytest.mark.parametrize("command, output", [("render", "out.mp4"), ("export", "out.otioz")])
def test_a_render_or_export_onto_a_full_disk_is_one_line_exit_2_and_leaves_nothing(story, small_disk, command,
                                                                                    output):
    fill(small_disk)
    result = cli(command, str(story), "-o", str(small_disk / output), *(["--allow-offline"] if command == "render"
                                                                         else []))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert lines[-1].startswith(f"seine-editor {command}: {small_disk}/") and "No space left on device" in lines[-1]
    assert names(small_disk) == ["filler"]


def test_generating_into_a_full_cache_fails_the_item_with_the_reason_and_keeps_the_project(story, small_disk):
    project = Project.open(story, recovery_choice="ignore")
    try:
        project.save_as(small_disk / "story.otio")
    finally:
        project.close()
    before = (small_disk / "story.otio").read_bytes()
    fill(small_disk)
    result = cli("generate", str(small_disk / "story.otio"), "--engine", "morph")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "No space left on device" in result.stderr
    assert (small_disk / "story.otio").read_bytes() == before


def test_a_read_only_disk_refuses_saves_and_renders_in_one_line(story, tmp_path):
    disk = tmp_path / "readonly"
    if not _mount(disk, "size=1m"):
        pytest.skip("this machine does not let tmpfs be mounted")
    try:
        shutil.copy(story, disk / "story.otio")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True)
        project = Project.open(disk / "story.otio", recovery_choice="ignore")
        try:
            project.rename_track(project.document.track_ids("video")[0], "renamed")
            with pytest.raises(ProjectFileError, match="Read-only file system"):
                project.save()
        finally:
            project.close(discard_recovery=True)
        result = cli("render", str(story), "-o", str(disk / "out.mp4"), "--allow-offline")
        assert result.returncode == 2 and "Read-only file system" in result.stderr.strip().splitlines()[-1]
        assert names(disk) == ["story.otio"]
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)


def test_a_proxy_into_a_full_cache_says_so_and_leaves_no_partial_file(story, small_disk):
    from seine_editor.errors import OutputLocationError
    from seine_editor.media.proxy import make_proxy

    source = write_coded_video(story.parent / "long.mp4", frames=96, width=320, height=240)
    (small_disk / "proxies").mkdir()
    fill(small_disk)
    with pytest.raises(OutputLocationError, match="No space left on device"):
        make_proxy(source, small_disk)
    assert names(small_disk / "proxies") == []


def test_a_full_cache_only_costs_the_stored_frame_index_reading_goes_on(story, small_disk):
    from seine_editor.media.reader import FrameReader
    from seine_editor.media.synthetic import read_frame_index

    source = write_coded_video(story.parent / "indexed.mp4", frames=24, width=64, height=48)
    fill(small_disk)
    with FrameReader(source, cache_dir=small_disk) as reader:
        assert read_frame_index(reader.frame(17)) == 17
    assert names(small_disk) == ["filler"] or names(small_disk) == ["filler", "indexes"]
