"""Coded media shared by the jobs tests: two shots with different tints and a still, made once per session."""
from fractions import Fraction
from types import SimpleNamespace

import pytest

from seine_editor.media.synthetic import write_coded_image, write_coded_video

WIDTH, HEIGHT, FPS = 128, 96, Fraction(24)
A_TINT, B_TINT, STILL_TINT = (200, 60, 40), (40, 80, 200), (40, 160, 90)


@pytest.fixture(scope="session")
def coded_media(tmp_path_factory):
    """Shot A: frames 0..23, shot B: frames coded 100..123, a still coded 7; all WIDTH×HEIGHT at FPS."""
    folder = tmp_path_factory.mktemp("coded")
    return SimpleNamespace(
        a=write_coded_video(folder / "a.mp4", frames=24, width=WIDTH, height=HEIGHT, fps=FPS, tint=A_TINT),
        b=write_coded_video(folder / "b.mp4", frames=24, width=WIDTH, height=HEIGHT, fps=FPS, tint=B_TINT,
                            first_index=100),
        still=write_coded_image(folder / "still.png", width=WIDTH, height=HEIGHT, index=7, tint=STILL_TINT),
        width=WIDTH, height=HEIGHT, fps=FPS, a_tint=A_TINT, b_tint=B_TINT, still_tint=STILL_TINT)
