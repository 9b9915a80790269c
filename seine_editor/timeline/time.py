"""Exact frame arithmetic at timeline rates, and timecode display.

Rates are `Fraction`s (24000/1001, not 23.976). OTIO stores rates as floats, so `RationalTime` only
appears at the model boundary: `to_rational` / `to_frames` convert, everything else counts whole frames.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

import opentimelineio as otio

# NTSC family: the float OTIO stores for n*1000/1001 maps back to the exact fraction.
_NTSC_BASES = (24, 30, 48, 60, 120)
SUPPORTED_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30),
                   Fraction(50), Fraction(60000, 1001), Fraction(60))


def exact_rate(rate: float | Fraction | int) -> Fraction:
    """The exact rate behind a float OTIO rate: 23.976023976 -> 24000/1001, 25.0 -> 25."""
    if isinstance(rate, Fraction):
        return rate
    return _exact_float_rate(float(rate))


@lru_cache(maxsize=64)
def _exact_float_rate(rate: float) -> Fraction:
    if rate <= 0:
        raise ValueError(f"frame rate must be positive, got {rate}")
    for base in _NTSC_BASES:
        ntsc = Fraction(base * 1000, 1001)
        if abs(float(ntsc) - rate) < 1e-6:
            return ntsc
    return Fraction(rate).limit_denominator(1001)


def to_rational(frames: int, rate: Fraction) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, float(rate))


def to_range(start_frame: int, duration_frames: int, rate: Fraction) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(to_rational(start_frame, rate), to_rational(duration_frames, rate))


def exact_value(value: float) -> Fraction:
    """A value OTIO stores as a float, as the fraction it stands for: a whole number (nearly every time value) as
    it is, any other cleaned of binary noise (finding the nearest simple fraction costs some 25 µs)."""
    return Fraction(int(value)) if value.is_integer() else Fraction(value).limit_denominator(1_000_000)


def to_frames(time: otio.opentime.RationalTime, rate: Fraction) -> int:
    """Whole frames at `rate` (rounded to the nearest frame when `time` is at another rate)."""
    time_rate = exact_rate(time.rate)
    if time_rate == rate and time.value.is_integer():
        return int(time.value)
    return round(exact_value(time.value) * rate / time_rate)


def seconds_to_frames(seconds: float, rate: Fraction) -> int:
    """Frames that fit in `seconds` (a tiny tolerance absorbs container rounding like 0.9999999 s)."""
    return int(Fraction(seconds).limit_denominator(1_000_000) * rate + Fraction(1, 1000))


def convert_frames(frames: int, from_rate: Fraction, to_rate: Fraction) -> int:
    """The frame at `to_rate` showing the instant of frame `frames` at `from_rate` (floor: no look-ahead)."""
    return (frames * to_rate.numerator * from_rate.denominator) // (to_rate.denominator * from_rate.numerator)


def is_drop_frame_rate(rate: Fraction) -> bool:
    return rate in (Fraction(30000, 1001), Fraction(60000, 1001))


def timecode(frames: int, rate: Fraction, drop_frame: bool | None = None) -> str:
    """SMPTE timecode "HH:MM:SS:FF"; drop-frame ("HH:MM:SS;FF") by default for 29.97 and 59.94."""
    if frames < 0:
        return "-" + timecode(-frames, rate, drop_frame)
    drop = is_drop_frame_rate(rate) if drop_frame is None else drop_frame
    nominal = round(rate)
    if drop:
        if not is_drop_frame_rate(rate):
            raise ValueError(f"drop-frame timecode needs 29.97 or 59.94 fps, got {float(rate):.3f}")
        frames = _drop_frame_label_count(frames, nominal)
    ff = frames % nominal
    total_seconds = frames // nominal
    hh, rest = divmod(total_seconds, 3600)
    mm, ss = divmod(rest, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}{';' if drop else ':'}{ff:02d}"


def _drop_frame_label_count(frames: int, nominal: int) -> int:
    """Frame count as the labels read: skip 2 (4 at 59.94) labels each minute except every tenth."""
    dropped = 2 * (nominal // 30)
    per_ten_minutes = 600 * nominal - 9 * dropped
    per_minute = 60 * nominal - dropped
    tens, rest = divmod(frames, per_ten_minutes)
    skipped = 9 * dropped * tens
    if rest > dropped:
        skipped += dropped * ((rest - dropped) // per_minute)
    return frames + skipped


def parse_timecode(text: str, rate: Fraction) -> int:
    """Frames for "HH:MM:SS:FF" (or ";FF" drop-frame); raises ValueError naming the text."""
    drop = ";" in text
    parts = text.replace(";", ":").split(":")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        raise ValueError(f"timecode {text!r} is not HH:MM:SS:FF")
    hh, mm, ss, ff = (int(p) for p in parts)
    nominal = round(rate)
    if mm >= 60 or ss >= 60 or ff >= nominal:
        raise ValueError(f"timecode {text!r} is out of range at {float(rate):.3f} fps")
    labels = ((hh * 60 + mm) * 60 + ss) * nominal + ff
    if not drop:
        return labels
    if not is_drop_frame_rate(rate):
        raise ValueError(f"drop-frame timecode {text!r} needs 29.97 or 59.94 fps")
    dropped = 2 * (nominal // 30)
    total_minutes = hh * 60 + mm
    if mm % 10 and ss == 0 and ff < dropped:
        raise ValueError(f"timecode {text!r} names a dropped frame label")
    return labels - dropped * (total_minutes - total_minutes // 10)
