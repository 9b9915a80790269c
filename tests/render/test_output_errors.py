"""Where an output goes, and what can go wrong there: one plain line naming the path and the reason, exit 2, nothing
half-written, and nothing already there lost. The disk fills for real (a file size limit on the child process)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from seine_editor.cli import main

ROOT = Path(__file__).resolve().parents[2]


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


def test_a_png_sequence_never_replaces_a_folder_holding_other_files(project, tmp_path, capsys):
    """Rendering frames into a folder of the person's own files once replaced the folder, files and all."""
    folder = tmp_path / "footage"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert main(["render", str(project), "-o", str(folder)]) == 2
    assert one_line(capsys) == (f"seine-editor render: {folder}: holds other files (notes.txt); choose an empty or "
                                "new folder")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_png_sequence_replaces_an_earlier_sequence(project, tmp_path, capsys):
    folder = tmp_path / "frames"
    assert main(["render", str(project), "-o", str(folder)]) == 0
    assert main(["render", str(project), "-o", str(folder), "--in", "0", "--out", "4"]) == 0
    assert sorted(p.name for p in folder.iterdir()) == [f"frame_{i:06d}.png" for i in range(4)]


@pytest.mark.parametrize("target, reason", [
    ("notes.txt/out.mp4", "{tmp}/notes.txt is a file, not a folder"),
    ("made.mp4", "is a folder; this output is written to a file (give a name ending in .mp4 or .mov or .mkv)"),
])
def test_a_movie_where_no_file_can_go_is_refused_in_one_line(project, tmp_path, capsys, target, reason):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "made.mp4").mkdir()
    out = tmp_path / target
    assert main(["render", str(project), "-o", str(out)]) == 2
    assert one_line(capsys) == f"seine-editor render: {out}: " + reason.format(tmp=tmp_path)


def test_an_interchange_file_under_a_file_is_refused_in_one_line(project, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    out = tmp_path / "notes.txt" / "cut.edl"
    assert main(["export", str(project), "-o", str(out)]) == 2
    assert one_line(capsys) == f"seine-editor export: {out}: {tmp_path / 'notes.txt'} is a file, not a folder"


def test_an_otiod_bundle_replaces_an_earlier_bundle_and_nothing_else(project, tmp_path, capsys):
    bundle = tmp_path / "cut.otiod"
    assert main(["export", str(project), "-o", str(bundle)]) == 0
    assert main(["export", str(project), "-o", str(bundle)]) == 0
    (bundle / "mine.txt").write_text("mine")
    assert main(["export", str(project), "-o", str(bundle)]) == 2
    assert "holds other files (mine.txt)" in one_line(capsys)


def test_a_quality_factor_out_of_range_is_refused_naming_the_range(project, tmp_path, capsys):
    assert main(["render", str(project), "-o", str(tmp_path / "out.mp4"), "--crf", "99"]) == 2
    assert one_line(capsys).endswith("crf 99 is not allowed for h264: use a whole number from 0 to 51 (lower is "
                                     "better)")


FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as a full disk fails
resource.setrlimit(resource.RLIMIT_FSIZE, (6000, 6000))
from seine_editor.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("name", ["out.mov", "out.mp4"])
def test_a_disk_that_fills_mid_render_fails_in_one_line_and_keeps_the_earlier_file(project, tmp_path, name):
    out = tmp_path / name
    out.write_bytes(b"the earlier render")
    done = subprocess.run([sys.executable, "-c", FULL_DISK, "render", str(project), "-o", str(out), "--preset",
                           "high"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert re.fullmatch(f"seine-editor render: {re.escape(str(out))}: (writing|finishing the file) failed: File too "
                        "large", done.stderr.strip().splitlines()[-1])
    assert out.read_bytes() == b"the earlier render"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left


def test_output_read_by_a_pipe_that_closes_early_stops_quietly(media):
    """`seine-editor probe --json ... | head -1`: no BrokenPipeError when head stops reading."""
    files = [str(media["a"])] * 400  # more than a pipe buffer of JSON lines
    child = subprocess.Popen([sys.executable, "-m", "seine_editor", "probe", "--json", *files], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.readline()
    child.stdout.close()
    _, err = child.communicate(timeout=120)
    assert child.returncode == 1 and b"Traceback" not in err and b"BrokenPipe" not in err
