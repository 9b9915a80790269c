"""The renderer and the engine's conform step letterbox a picture to the same pixels, so a generated bridge
lines up with the clips on either side of it."""
import itertools

from engine.conform import fit_rect as conform_fit_rect
from seine_editor.render.placement import fit_rect

SIZES = [(640, 360), (1920, 1080), (720, 480), (1080, 1920), (1000, 1000), (853, 480), (64, 48), (561, 240)]


def test_fit_matches_the_engine_for_every_pair_of_sizes():
    for (sw, sh), (dw, dh) in itertools.product(SIZES, SIZES):
        assert fit_rect(sw, sh, dw, dh, "fit").dst_box == conform_fit_rect(sw, sh, dw, dh, "fit"), (sw, sh, dw, dh)


def test_an_exact_half_pixel_rounds_up():
    # 640×360 in 1000×1000: the picture is 562.5 rows high
    assert fit_rect(640, 360, 1000, 1000, "fit").dst_box == (0, 218, 1000, 563)
