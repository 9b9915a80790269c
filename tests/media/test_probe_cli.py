"""`seine-editor probe`: JSON per file, a readable table, exit 2 and one stderr line per unusable file."""
import json
import subprocess
import sys
from pathlib import Path

from seine_editor.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_json_describes_each_file(bframes_short_gop, rotated_clip, capsys):
    assert main(["probe", "--json", str(bframes_short_gop), str(rotated_clip)]) == 0
    first, second = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert first == {"path": str(bframes_short_gop), "kind": "video", "width": 160, "height": 96, "fps": "24/1",
                     "variable_frame_rate": False, "frame_count": 48, "duration_s": 2.0, "rotation": 0,
                     "has_audio": True, "audio_rate": 44100, "codec": "h264", "pix_fmt": "yuv420p",
                     "bit_depth": 8, "matrix": "bt470bg", "range": "limited", "primaries": "unknown",
                     "transfer": "unknown", "hdr": False, "start_timecode": None}  # untagged: read with BT.601's matrix, as SD is
    assert (second["rotation"], second["width"], second["height"]) == (90, 160, 96)


def test_a_still_has_no_duration_of_its_own(still_png, capsys):
    assert main(["probe", "--json", str(still_png)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["kind"], report["duration_s"], report["fps"], report["frame_count"]) == ("image", None, None, 1)


def test_table_lists_one_row_per_file(bframes_short_gop, still_png, capsys):
    assert main(["probe", str(bframes_short_gop), str(still_png)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["file", "kind", "size", "fps", "frames", "duration", "codec", "pix_fmt", "colour",
                                "audio"]
    assert lines[1].split()[1:8] == ["video", "160x96", "24.000", "48", "2.000", "s", "h264"]
    assert lines[2].split()[1:3] == ["image", "160x96"]


def test_bad_files_exit_2_with_one_line_each_and_no_traceback(bframes_short_gop, tmp_path):
    empty = tmp_path / "empty.mov"
    empty.write_bytes(b"")
    text = tmp_path / "readme.mp4"
    text.write_text("not a movie\n" * 50)
    result = subprocess.run([sys.executable, "-m", "seine_editor", "probe", "--json", str(bframes_short_gop),
                             str(empty), str(text)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr.splitlines() == [
        f"seine-editor probe: {empty}: file is empty (0 bytes)",
        f"seine-editor probe: {text}: not a video, audio or image file that can be read "
        "(FFmpeg: Invalid data found when processing input)"]
