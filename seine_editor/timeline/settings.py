"""The output format of a timeline (frame size, rate, audio rate), kept in `timeline.metadata["seine"]["settings"]`
beside the engine settings (its "engine" key, see `edits_settings`)."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import opentimelineio as otio

from seine_editor.errors import SettingsError
from seine_editor.timeline.time import exact_rate

@dataclass(frozen=True)
class TimelineSettings:
    """Output format of a timeline, kept in `timeline.metadata["seine"]["settings"]`."""
    width: int = 1920
    height: int = 1080
    fps: Fraction = Fraction(24)
    audio_rate: int = 48000

    def to_json(self) -> dict:
        return {"width": self.width, "height": self.height, "fps": str(self.fps), "audio_rate": self.audio_rate}

    def to_fields(self) -> dict:
        return {"width": self.width, "height": self.height, "fps": self.fps, "audio_rate": self.audio_rate}


DEFAULT_RATE = Fraction(24)
AUDIO_RATES = (32000, 44100, 48000, 88200, 96000)
# The project formats offered by name (Project settings); any even size is allowed besides.
FRAME_SIZES = {"HD 1080p": (1920, 1080), "4K UHD": (3840, 2160), "HD 720p": (1280, 720),
               "Vertical 1080×1920": (1080, 1920), "Square 1080×1080": (1080, 1080), "DCI 4K": (4096, 2160)}
FRAME_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30), Fraction(50),
               Fraction(60000, 1001), Fraction(60))


def rate_label(rate: Fraction) -> str:
    """23.976, 24, 29.97: how editors name rates."""
    return str(rate.numerator) if rate.denominator == 1 else f"{float(rate):.3f}".rstrip("0").rstrip(".")
MAX_SIDE = 16384  # pixels a side: the most the encoders take


def check_settings(settings: TimelineSettings) -> None:
    """SettingsError naming the value and what is allowed for a frame size, rate or audio rate that is not."""
    width, height = settings.width, settings.height
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (width, height, settings.audio_rate)):
        raise SettingsError(f"frame size {width}x{height} and audio rate {settings.audio_rate} must be whole numbers")
    if width <= 0 or height <= 0 or width % 2 or height % 2 or max(width, height) > MAX_SIDE:
        raise SettingsError(f"frame size {width}x{height} is not allowed: use even sizes from 2 to {MAX_SIDE}")
    if settings.fps <= 0:
        raise SettingsError(f"frame rate {settings.fps} is not allowed: it must be above 0")
    if settings.audio_rate not in AUDIO_RATES:
        raise SettingsError(f"audio rate {settings.audio_rate} Hz is not allowed: use "
                            f"{', '.join(map(str, AUDIO_RATES[:-1]))} or {AUDIO_RATES[-1]}")


def read_settings(timeline: otio.schema.Timeline) -> TimelineSettings:
    """The stored settings, or ones derived from the timeline's own rate for files from other tools."""
    seine = timeline.metadata.get("seine", {})
    stored = seine.get("settings")
    if stored is None:
        return TimelineSettings(fps=timeline_rate(timeline))  # ValueError for a rate <= 0
    if "rate" in seine:  # the document's rate is the authority once it has adopted the timeline
        stored = {**dict(stored), "fps": seine["rate"]}
    try:
        settings = TimelineSettings(int(stored["width"]), int(stored["height"]), Fraction(str(stored["fps"])),
                                    int(stored["audio_rate"]))
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"timeline settings are malformed ({type(exc).__name__}: {exc})") from None
    if min(settings.width, settings.height, settings.audio_rate) <= 0 or settings.fps <= 0:
        raise ValueError(f"timeline settings must be positive, got {settings.to_json()}")
    if max(settings.width, settings.height) > MAX_SIDE:
        raise ValueError(f"frame size {settings.width}x{settings.height} is not allowed: at most {MAX_SIDE} a side")
    return settings


def write_settings(timeline: otio.schema.Timeline, settings: TimelineSettings) -> None:
    """Store the output format; other keys of the settings (the engine settings) are kept."""
    seine = timeline.metadata.setdefault("seine", {})
    seine["settings"] = {**dict(seine.get("settings", {})), **settings.to_json()}


def timeline_rate(timeline: otio.schema.Timeline) -> Fraction:
    """The timeline's frame rate: the document's (`metadata["seine"]["rate"]`), else that of the timeline's start
    time or first clip or gap range (files from other tools), else 24."""
    stored = timeline.metadata.get("seine", {}).get("rate")
    if stored:
        return Fraction(str(stored))
    if timeline.global_start_time is not None:
        return exact_rate(timeline.global_start_time.rate)
    for item in timeline.find_children():
        if isinstance(item, (otio.schema.Clip, otio.schema.Gap)) and item.source_range is not None:
            return exact_rate(item.source_range.duration.rate)
    return DEFAULT_RATE


def format_of_media(width: int, height: int, fps, current: TimelineSettings) -> TimelineSettings:
    """``current`` with the frame size (rounded down to even sizes) and rate of a video: what a project whose first
    clip is that video is offered."""
    return TimelineSettings(max(2, width // 2 * 2), max(2, height // 2 * 2), Fraction(fps), current.audio_rate)
