"""conform(): generated frames to exactly the timeline's frame count, size and boundary frames."""
import cv2
import numpy as np
import pytest

from engine import EngineInputError
from engine.classic import blend
from engine.conform import conform, conformed_length, fit_rect, place
from seine_editor.media.synthetic import coded_frame, read_frame_index, read_tint

NTSC_FILM, NTSC_VIDEO = 24000 / 1001, 30000 / 1001


@pytest.fixture(scope="module")
def model_clip() -> np.ndarray:
    """16 coded frames at a model-like size (96×64), as a generator would return at 8 fps."""
    return np.stack([coded_frame(i, 96, 64) for i in range(16)])


# --- placement ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, dst, mode, rect", [
    ((512, 320), (1920, 1080), "fit", (96, 0, 1728, 1080)),
    ((512, 320), (1920, 1080), "fill", (0, -60, 1920, 1200)),
    ((1920, 1080), (1280, 720), "fit", (0, 0, 1280, 720)),
    ((1920, 1080), (1280, 720), "fill", (0, 0, 1280, 720)),
    ((640, 480), (1920, 1080), "fit", (240, 0, 1440, 1080)),
    ((640, 480), (1920, 1080), "fill", (0, -180, 1920, 1440)),
    ((1920, 1080), (1080, 1920), "fit", (0, 656, 1080, 608)),
    ((100, 100), (101, 50), "fit", (25, 0, 50, 50)),      # odd leftover pixel: the right bar is 26 wide
    ((100, 100), (101, 50), "fill", (0, -25, 101, 101)),  # odd leftover row: 25 cropped above, 26 below
])
def test_fit_rect_places_the_picture_centred(src, dst, mode, rect):
    assert fit_rect(*src, *dst, mode) == rect


def test_fit_rect_rejects_an_unknown_mode():
    with pytest.raises(EngineInputError, match="fit mode must be one of fit, fill, got 'stretch'"):
        fit_rect(10, 10, 20, 20, "stretch")


def test_fit_rect_rejects_an_empty_size():
    with pytest.raises(EngineInputError, match="dst_h must be a positive integer, got 0"):
        fit_rect(10, 10, 20, 0)


def test_place_fit_letterboxes_with_black_bars():
    white = np.full((320, 512, 3), 255, np.uint8)
    frame = place(white, (1080, 1920), "fit")
    assert frame.shape == (1080, 1920, 3)
    assert frame[:, :96].max() == 0 and frame[:, 1824:].max() == 0
    assert frame[:, 96:1824].min() == 255


def test_place_fill_crops_the_centre():
    image = coded_frame(11, 160, 160)
    image[:40], image[120:] = (255, 0, 0), (0, 0, 255)  # the bands fill must crop away
    frame = place(image, (80, 160), "fill")
    assert np.array_equal(frame, image[40:120])


# --- time -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dst_fps, expected", [(NTSC_FILM, 46), (NTSC_VIDEO, 57), (25, 48), (50, 95), (60, 114)])
def test_conformed_length_spans_the_same_time(dst_fps, expected):
    assert conformed_length(16, 8, dst_fps) == expected


@pytest.mark.parametrize("dst_fps", [NTSC_FILM, NTSC_VIDEO, 25, 50, 60])
def test_conform_gives_the_exact_count_size_and_boundary_frames(model_clip, dst_fps):
    first, last = coded_frame(5000, 192, 108, tint=(10, 200, 10)), coded_frame(6000, 192, 108, tint=(10, 10, 200))
    out = conform(model_clip, src_fps=8, dst_fps=dst_fps, size=(108, 192), first=first, last=last)
    assert out.shape == (conformed_length(16, 8, dst_fps), 108, 192, 3)
    assert np.array_equal(out[0], first) and np.array_equal(out[-1], last)


def test_an_explicit_count_retimes_the_clip_to_fill_it(model_clip):
    out = conform(model_clip, src_fps=8, dst_fps=24, num_frames=31)  # 15 spans over 30: source frame k at 2k
    assert out.shape == (31, 64, 96, 3)
    assert [read_frame_index(out[2 * k]) for k in range(16)] == list(range(16))


def test_frame_rate_conversion_keeps_every_source_frame_on_its_time(model_clip):
    out = conform(model_clip, src_fps=8, dst_fps=24)  # 3 output frames per source frame
    assert len(out) == 46
    assert all(np.array_equal(out[3 * k], model_clip[k]) for k in range(16))


def test_in_betweens_follow_the_motion():
    rng = np.random.default_rng(3)
    scene = cv2.resize(rng.integers(0, 256, (24, 40, 3), dtype=np.uint8), (400, 240), interpolation=cv2.INTER_CUBIC)
    clip = np.stack([scene[:, 8 * i: 8 * i + 320] for i in range(4)])  # the camera pans 8 px a frame
    out = conform(clip, src_fps=8, dst_fps=16)
    middle, truth = out[1].astype(np.int32), scene[:, 4:324].astype(np.int32)
    assert np.abs(middle - truth)[:, 16:-16].mean() < 1.0
    assert np.abs(blend(clip[0], clip[1], 0.5).astype(np.int32) - truth)[:, 16:-16].mean() > 5.0


def test_in_betweens_of_unrelated_frames_fall_back_to_a_blend():
    rng = np.random.default_rng(4)
    a, b = (rng.integers(0, 256, (64, 96, 3), dtype=np.uint8) for _ in range(2))
    out = conform(np.stack([a, b]), src_fps=8, dst_fps=16)
    assert np.abs(out[1].astype(np.int32) - blend(a, b, 0.5).astype(np.int32)).mean() < 2.0


# --- space and boundaries ---------------------------------------------------------------------------------------

def test_conform_letterboxes_model_frames_into_the_timeline_size(model_clip):
    out = conform(model_clip, src_fps=8, dst_fps=8, size=(108, 256))  # 96×64 → 162×108 in the middle
    assert out.shape == (16, 108, 256, 3)
    assert out[:, :, :47].max() == 0 and out[:, :, 209:].max() == 0
    assert [read_frame_index(f, box=(47, 0, 162, 108)) for f in out] == list(range(16))
    assert read_tint(out[0], box=(47, 0, 162, 108)) == pytest.approx((200, 60, 40), abs=2)


def test_the_true_frames_ease_into_the_generated_ones():
    generated = np.full((10, 8, 8, 3), 100, np.uint8)
    first, last = np.full((8, 8, 3), 200, np.uint8), np.full((8, 8, 3), 20, np.uint8)
    out = conform(generated, src_fps=8, dst_fps=8, first=first, last=last, ease_frames=3)
    assert [int(f[0, 0, 0]) for f in out] == [200, 175, 150, 125, 100, 100, 80, 60, 40, 20]


def test_no_easing_replaces_only_the_end_frames():
    generated = np.full((4, 8, 8, 3), 100, np.uint8)
    first = np.full((8, 8, 3), 200, np.uint8)
    out = conform(generated, src_fps=8, dst_fps=8, first=first, ease_frames=0)
    assert [int(f[0, 0, 0]) for f in out] == [200, 100, 100, 100]


def test_boundary_frame_of_another_size_is_named(model_clip):
    with pytest.raises(EngineInputError, match="first is 10×10 but the output is 192×108"):
        conform(model_clip, src_fps=8, dst_fps=24, size=(108, 192), first=np.zeros((10, 10, 3), np.uint8))


@pytest.mark.parametrize("kwargs, message", [
    ({"src_fps": 0, "dst_fps": 24}, "src_fps must be a positive frame rate, got 0"),
    ({"src_fps": 8, "dst_fps": 24, "num_frames": 0}, "num_frames must be a positive integer, got 0"),
    ({"src_fps": 8, "dst_fps": 24, "fit": "zoom"}, "fit mode must be one of fit, fill, got 'zoom'"),
    ({"src_fps": 8, "dst_fps": 24, "size": (0, 10)}, r"size must be \(height, width\) with positive integers"),
])
def test_bad_arguments_are_named(model_clip, kwargs, message):
    with pytest.raises(EngineInputError, match=message):
        conform(model_clip, **kwargs)


def test_empty_clip_is_rejected():
    with pytest.raises(EngineInputError, match="frames is empty"):
        conform(np.zeros((0, 8, 8, 3), np.uint8), src_fps=8, dst_fps=24)
