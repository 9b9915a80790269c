"""Test modules import their shared helpers from tests/support.py; pytest's importlib mode adds no paths.

Settings and preferences (recent projects, window layout, still duration) go to a folder of each test's own, never
the person's and never the test before's: Qt and `preferences_path` read XDG_CONFIG_HOME, and the editor processes
a test starts inherit it. Collection itself runs under a folder of the run's own."""
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="seine-editor-test-settings-")
atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], ignore_errors=True)


@pytest.fixture(autouse=True)
def own_settings_folder(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("settings")))
