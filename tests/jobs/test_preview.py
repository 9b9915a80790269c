"""The morph placeholder the compositor shows for generative items that have no frames yet."""
from dataclasses import dataclass

import numpy as np

from seine_editor.jobs.preview import MorphPlaceholder
from seine_editor.media.synthetic import coded_frame, read_frame_index


@dataclass
class Request:  # the fields of render's PlaceholderRequest
    kind: str
    num_frames: int
    size: tuple
    first: object
    last: object
    metadata: dict


def test_transition_placeholder_morphs_from_the_left_frame_to_the_right_frame():
    first, last = coded_frame(23, 64, 48), coded_frame(100, 64, 48, tint=(40, 80, 200))
    frames = MorphPlaceholder()(Request("seine.transition", 8, (64, 48), first, last, {}))
    assert frames.shape == (8, 48, 64, 3)
    assert np.array_equal(frames[0], first) and np.array_equal(frames[-1], last)


def test_transition_without_a_right_neighbour_continues_the_left_one():
    first = coded_frame(5, 64, 48)
    frames = MorphPlaceholder()(Request("seine.transition", 4, (64, 48), first, None, {}))
    assert frames.shape == (4, 48, 64, 3) and read_frame_index(frames[-1]) == 5


def test_animate_placeholder_starts_on_the_still_at_the_project_size():
    still = coded_frame(7, 32, 24)
    frames = MorphPlaceholder()(Request("seine.animate", 6, (64, 48), still, None, {}))
    assert frames.shape == (6, 48, 64, 3) and read_frame_index(frames[0]) == 7


def test_no_picture_at_all_gives_black_frames():
    frames = MorphPlaceholder()(Request("seine.extend", 3, (16, 8), None, None, {}))
    assert frames.shape == (3, 8, 16, 3) and not frames.any()
