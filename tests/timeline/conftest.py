"""Fixtures for timeline tests; the builders live in timeline_builders.py (importable from test modules)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from timeline_builders import TimelineDocument  # noqa: E402


@pytest.fixture
def doc() -> TimelineDocument:
    return TimelineDocument()
