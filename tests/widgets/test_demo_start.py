"""`seine-editor` with no project opens the demo, built on first use in the user's data folder; with no display
it prints the exact commands that render the demo instead, and those commands work."""
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6 import QtGui

from seine_editor.app import APPLICATION, ORGANIZATION

ROOT = Path(__file__).resolve().parents[2]


def _headless_env(data_home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["XDG_DATA_HOME"] = str(data_home)  # QStandardPaths.AppDataLocation lives under it on Linux
    return env


def _cli(args, env, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "seine_editor", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


@pytest.fixture(scope="session")
def data_home(tmp_path_factory):
    return tmp_path_factory.mktemp("xdg_data")


@pytest.fixture(scope="session")
def demo_rendered(data_home, tmp_path_factory):
    """Follow the no-display advice to the letter: run the printed command line in a shell."""
    result = _cli([], _headless_env(data_home))
    assert result.returncode == 2, result.stderr
    command = next(line.strip() for line in result.stderr.splitlines() if "-m seine_editor render" in line)
    out_dir = tmp_path_factory.mktemp("render")
    done = subprocess.run(["bash", "-c", command], cwd=out_dir, env=_headless_env(data_home), capture_output=True,
                          text=True, timeout=300)
    return result.stderr, command, done, out_dir


def test_without_a_display_the_gui_names_the_demo_render_command_and_exits_2(demo_rendered, data_home):
    message, command, _, _ = demo_rendered
    demo = data_home / ORGANIZATION / APPLICATION / "demo" / "demo.otio"
    assert "no display found" in message
    assert "make_demo.py" in command
    assert f"-m seine_editor render {shlex.quote(str(demo))} -o demo.mp4" in command


def test_the_printed_command_builds_the_demo_outside_the_repo_and_renders_it(demo_rendered, data_home):
    _, _, done, out_dir = demo_rendered
    assert done.returncode == 0, done.stderr
    from seine_editor.media.probe import probe

    rendered = probe(str(out_dir / "demo.mp4"))
    assert (rendered.width, rendered.height) == (640, 360) and rendered.frame_count > 200
    assert (data_home / ORGANIZATION / APPLICATION / "demo" / "media" / "dawn.mp4").exists()


def test_once_the_demo_exists_the_advice_is_the_render_command_alone(demo_rendered, data_home):
    result = _cli([], _headless_env(data_home))
    assert result.returncode == 2
    command = next(line.strip() for line in result.stderr.splitlines() if "-m seine_editor render" in line)
    assert "make_demo.py" not in command and command.endswith("-o demo.mp4")


def test_a_project_argument_gets_its_own_render_command(tmp_path):
    project = tmp_path / "story.otio"
    project.write_text("{}")
    result = _cli([str(project)], _headless_env(tmp_path))
    assert result.returncode == 2
    assert f"-m seine_editor render {shlex.quote(str(project))} -o OUT.mp4" in result.stderr


def test_with_no_project_the_window_shows_the_demo(demo_rendered, data_home, tmp_path):
    out = tmp_path / "demo.png"
    result = _cli(["--screenshot", str(out)], _headless_env(data_home))
    assert result.returncode == 0, result.stderr
    image = QtGui.QImage(str(out)).convertToFormat(QtGui.QImage.Format_RGB888)
    assert (image.width(), image.height()) == (1440, 900)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(900, image.bytesPerLine())[:, :1440 * 3]
    viewer = rows.reshape(900, 1440, 3)[120:420, 450:1000].astype(int)
    # the dawn shot's first frame: a warm sky (red well above blue low down), not an empty black viewer
    assert viewer.mean() > 60 and viewer[150:230, :, 0].mean() > viewer[150:230, :, 2].mean() + 40


def test_new_opens_an_empty_project_without_building_the_demo(tmp_path):
    out = tmp_path / "empty.png"
    result = _cli(["--new", "--screenshot", str(out)], _headless_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert out.exists() and not (tmp_path / ORGANIZATION).exists()
