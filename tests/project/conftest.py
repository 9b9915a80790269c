"""Fixtures shared by the project tests."""
from fractions import Fraction

import pytest

from support import write_ab_clips


@pytest.fixture(scope="session")
def small_ab_clips(tmp_path_factory):
    """Two 12-frame coded clips, 64×48 at 24 fps, to cut together: a.mp4 (frames 0..) and b.mp4 (100..)."""
    return write_ab_clips(tmp_path_factory.mktemp("ab"), frames=12, width=64, height=48, fps=Fraction(24))
