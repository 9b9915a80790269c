"""A foreign sequence's own format: frame size, rate and audio rate as the tool that wrote it set them.

FCP7 XML keeps them in the sequence's `<samplecharacteristics>` (OTIO's reader leaves them in
`metadata["fcp_xml"]`); FCPX XML in the `<format>` its project's `<sequence>` names, which OTIO's reader drops, so
that is read from the file itself. Start timecode needs nothing here: both readers set `global_start_time`, and an
EDL's record start becomes it on open (`track_ranges`)."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from fractions import Fraction
from typing import Optional

import opentimelineio as otio

from seine_editor.timeline.settings import AUDIO_RATES, TimelineSettings


def sequence_settings(timeline: otio.schema.Timeline, fmt: str, data: bytes) -> Optional[TimelineSettings]:
    """The settings the file (its bytes: ``data``) states for ``timeline``; None where it states none (EDL, OTIO
    from elsewhere)."""
    found = _fcp7(timeline) if fmt == "fcp_xml" else _fcpx(timeline, data) if fmt == "fcpx_xml" else None
    if not found:
        return None
    width, height, fps, audio_rate = found
    try:
        return TimelineSettings(int(width), int(height), fps, audio_rate if audio_rate in AUDIO_RATES else 48000)
    except (TypeError, ValueError):
        return None


def _fcp7(timeline):
    sequence = timeline.metadata.get("fcp_xml") or {}
    video = ((sequence.get("media") or {}).get("video") or {}).get("format") or {}
    picture = video.get("samplecharacteristics") or {}
    audio = (((sequence.get("media") or {}).get("audio") or {}).get("format") or {}).get("samplecharacteristics") or {}
    rate = _fcp7_rate(picture.get("rate") or sequence.get("rate") or {})
    if not picture.get("width") or not picture.get("height") or rate is None:
        return None
    return picture["width"], picture["height"], rate, _int(audio.get("samplerate"))


def _fcp7_rate(rate) -> Optional[Fraction]:
    timebase = _int(rate.get("timebase"))
    if not timebase:
        return None
    return Fraction(timebase * 1000, 1001) if str(rate.get("ntsc", "")).upper() == "TRUE" else Fraction(timebase)


def _fcpx(timeline, data: bytes):
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None
    formats = {f.get("id"): f for f in root.iter("format")}
    projects = [p for p in root.iter("project") if p.get("name") == timeline.name] or list(root.iter("project"))
    sequence = projects[0].find("sequence") if projects else None
    picture = formats.get(sequence.get("format")) if sequence is not None else None
    if picture is None or not picture.get("width") or not picture.get("height") or not picture.get("frameDuration"):
        return None
    try:
        frame = Fraction(picture.get("frameDuration").rstrip("s"))
    except (ValueError, ZeroDivisionError):
        return None
    audio = sequence.get("audioRate", "")
    audio_rate = round(float(audio[:-1]) * 1000) if audio.endswith("k") and audio[:-1].replace(".", "").isdigit() \
        else None
    return picture.get("width"), picture.get("height"), 1 / frame if frame > 0 else None, audio_rate


def _int(value) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
