from fractions import Fraction

import opentimelineio as otio
import pytest

from seine_editor.timeline.time import (convert_frames, exact_rate, parse_timecode, timecode, to_frames,
                                        to_rational)

NTSC_30 = Fraction(30000, 1001)
NTSC_60 = Fraction(60000, 1001)


@pytest.mark.parametrize("rate", [Fraction(24000, 1001), Fraction(30000, 1001), Fraction(25), Fraction(50),
                                  Fraction(60), Fraction(60000, 1001)])
def test_float_otio_rate_maps_back_to_the_exact_fraction(rate):
    assert exact_rate(float(rate)) == rate


@pytest.mark.parametrize("rate", [Fraction(24000, 1001), Fraction(30000, 1001), Fraction(25), Fraction(60)])
def test_frames_survive_the_rational_time_boundary(rate):
    for frames in (0, 1, 1799, 107892, 2_000_000):
        assert to_frames(to_rational(frames, rate), rate) == frames


def test_frames_at_another_rate_round_to_the_nearest_frame():
    assert to_frames(otio.opentime.RationalTime(50, 50), Fraction(25)) == 25
    assert to_frames(otio.opentime.RationalTime(1001, 24000 / 1001 * 1000 / 1000), Fraction(24000, 1001)) == 1001


def test_drop_frame_skips_two_labels_each_minute_but_not_the_tenth():
    assert timecode(1799, NTSC_30) == "00:00:59;29"
    assert timecode(1800, NTSC_30) == "00:01:00;02"
    assert timecode(17982, NTSC_30) == "00:10:00;00"
    assert timecode(107892, NTSC_30) == "01:00:00;00"


def test_59_94_drops_four_labels():
    assert timecode(3599, NTSC_60) == "00:00:59;59"
    assert timecode(3600, NTSC_60) == "00:01:00;04"


def test_drop_frame_matches_opentimelineio():
    for frames in (0, 1799, 1800, 17981, 17982, 35964, 123456):
        expected = otio.opentime.to_timecode(otio.opentime.RationalTime(frames, float(NTSC_30)), float(NTSC_30), True)
        assert timecode(frames, NTSC_30) == expected


def test_non_drop_for_other_rates_and_on_request():
    assert timecode(86400, Fraction(24000, 1001)) == "01:00:00:00"
    assert timecode(1800, NTSC_30, drop_frame=False) == "00:01:00:00"
    assert timecode(90000, Fraction(25)) == "01:00:00:00"


def test_parse_inverts_timecode_and_refuses_dropped_labels():
    for frames in (0, 1800, 17982, 99999):
        assert parse_timecode(timecode(frames, NTSC_30), NTSC_30) == frames
    with pytest.raises(ValueError, match="'00:01:00;00' names a dropped frame label"):
        parse_timecode("00:01:00;00", NTSC_30)
    with pytest.raises(ValueError, match="'00:00:00:25' is out of range at 25.000 fps"):
        parse_timecode("00:00:00:25", Fraction(25))


def test_drop_frame_refused_at_rates_without_it():
    with pytest.raises(ValueError, match="drop-frame timecode needs 29.97 or 59.94 fps, got 25.000"):
        timecode(10, Fraction(25), drop_frame=True)


def test_convert_frames_is_exact_between_rates():
    assert convert_frames(25, Fraction(25), Fraction(50)) == 50
    assert convert_frames(1000, Fraction(24000, 1001), Fraction(24)) == 1001
    assert convert_frames(3, Fraction(24), Fraction(25)) == 3
