"""A real drag and drop with the mouse: `QDrag.exec()` from the media bin to the timeline, on Qt's `minimal`
platform (offscreen cannot run a drag), in a process of its own."""
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_a_shot_dragged_with_the_mouse_from_the_bin_lands_where_it_is_dropped(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "minimal:enable_fonts"}
    done = subprocess.run([sys.executable, str(HERE / "real_drag.py"), str(tmp_path)], env=env, cwd=HERE.parents[1],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    landed = json.loads(done.stdout.strip().splitlines()[-1])
    assert landed == {"drops": [12], "clips": [["shot.mp4", 12, 24]], "undo": "Add 'shot.mp4'"}
