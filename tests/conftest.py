"""Test modules import their shared helpers from tests/support.py; pytest's importlib mode adds no paths.

Settings (recent projects, window layout, engine choice) go to a folder of the test run's own, never the person's:
Qt reads XDG_CONFIG_HOME, and the editor processes the tests start inherit it."""
import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="seine-editor-test-settings-")
atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], ignore_errors=True)
