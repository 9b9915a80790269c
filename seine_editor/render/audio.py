"""The audio mix of a timeline at the project's sample rate and channel count.

Sync is exact: the samples of video frame n are [n * rate / fps, (n + 1) * rate / fps) in integer
arithmetic, never accumulated. Every cut gets a short fade so nothing clicks, dissolves cross-fade, a generative
item plays the sound its engine made when it has some and its switch is on (`timeline.sound`), else a bridge is
silent and an overlap transition cross-fades its neighbours, and audio that ends before its clip is padded with
silence.

A clip at another speed is heard at its own pitch (`media.audio.time_stretch`), stretched in blocks of
STRETCH_BLOCK_S of mix time: each block is stretched from a little more source than it needs (STRETCH_MARGIN_S each
side, so the stretcher has settled by the block's first sample) and cross-fades over STRETCH_FADE_S into the next.
The blocks depend on the clip alone, never on which span is asked for, so the viewer and the export hear the same
samples. A frozen or reversed clip is silent.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Optional

import numpy as np

from seine_editor.media.audio import AudioReaderPool, time_stretch
from seine_editor.render.plan import PlanItem, RenderPlan, TrackPlan

DEFAULT_RATE = 48000
CUT_FADE_S = Fraction(5, 1000)
STRETCH_BLOCK_S = 10
STRETCH_MARGIN_S = Fraction(1, 5)
STRETCH_FADE_S = Fraction(1, 50)
STRETCH_BLOCKS_KEPT = 8  # about 4 MB each at 48 kHz stereo: playback through a block reuses it

# (path, first source sample, sample count, rate, channels) -> float32 channels×count (shorter when the
# media ends; None when the file has no audio or cannot be read). media.audio.AudioReaderPool is the real one.
SampleReader = Callable[[str, int, int, int, int], Optional[np.ndarray]]


@dataclass(frozen=True)
class AudioSegment:
    """One clip's contribution on the mix timeline, in samples."""

    path: str
    start: int  # first mix sample
    end: int  # one past the last mix sample
    source_start: int  # source sample heard at ``start``
    gain: float  # linear
    fade_in: int  # samples of rising ramp from ``start``
    fade_out: int  # samples of falling ramp before ``end``
    speed: Fraction = Fraction(1)  # source samples heard per mix sample; the pitch stays the source's


def frame_sample(frame: int, rate: int, fps: Fraction) -> int:
    """First sample of video frame ``frame``: exact, so an hour of video is still in sync."""
    return frame * rate * fps.denominator // fps.numerator


class AudioMixer:
    def __init__(self, plan: RenderPlan, *, rate: int = DEFAULT_RATE, channels: int = 2,
                 reader: Optional[SampleReader] = None):
        if rate <= 0 or channels not in (1, 2):
            raise ValueError(f"audio needs a positive rate and 1 or 2 channels, got {rate} Hz, {channels} ch")
        self.plan, self.rate, self.channels = plan, rate, channels
        self._owned = reader is None
        self._reader = reader or AudioReaderPool()
        self.segments = segments_of(plan, rate)
        self._stretched: OrderedDict = OrderedDict()  # (segment, block) -> samples, least recently used first

    def close(self) -> None:
        if self._owned:
            self._reader.close()

    def frame_span(self, first_frame: int, end_frame: int) -> tuple[int, int]:
        return (frame_sample(first_frame, self.rate, self.plan.rate),
                frame_sample(end_frame, self.rate, self.plan.rate))

    def mix_frames(self, first_frame: int, end_frame: int) -> np.ndarray:
        """The mix under video frames [first_frame, end_frame), channels×samples float32 in [-1, 1]."""
        return self.mix(*self.frame_span(first_frame, end_frame))

    def mix(self, start: int, end: int) -> np.ndarray:
        out = np.zeros((self.channels, max(0, end - start)), np.float32)
        for segment in self.segments:
            lo, hi = max(start, segment.start), min(end, segment.end)
            if lo >= hi:
                continue
            samples = self._read(segment, lo, hi)
            if samples is not None:
                out[:, lo - start:hi - start] += samples * _envelope(segment, lo, hi)
        np.clip(out, -1.0, 1.0, out=out)
        return out

    def _read(self, segment: AudioSegment, lo: int, hi: int) -> Optional[np.ndarray]:
        if segment.speed != 1:
            return self._read_stretched(segment, lo, hi)
        return self._source(segment.path, segment.source_start + lo - segment.start, hi - lo)

    def _source(self, path: str, first: int, count: int) -> Optional[np.ndarray]:
        """Source samples [first, first + count); a negative position (before the media) is silence."""
        skip = min(count, max(0, -first))
        data = self._reader(path, first + skip, count - skip, self.rate, self.channels)
        if data is None:
            return None
        padded = np.zeros((self.channels, count), np.float32)
        got = min(data.shape[1], count - skip)
        padded[:, skip:skip + got] = data[:self.channels, :got]
        return padded

    def _read_stretched(self, segment: AudioSegment, lo: int, hi: int) -> Optional[np.ndarray]:
        if segment.speed <= 0:
            return None
        size, fade = self.rate * STRETCH_BLOCK_S, int(STRETCH_FADE_S * self.rate)
        length = segment.end - segment.start
        out = np.zeros((self.channels, hi - lo), np.float32)
        heard = False
        first_block = max(0, (lo - segment.start) // size)
        for block in range(first_block, (hi - 1 - segment.start + fade) // size + 1):
            begin, end = max(0, block * size - fade), min(length, (block + 1) * size)
            if begin >= end:
                continue
            samples = self._stretched_block(segment, block, begin, end)
            if samples is None:
                continue
            heard = True
            weight = np.ones(end - begin, np.float32)
            if block > 0:  # fades in over the previous block's tail
                weight[:fade] = (np.arange(fade, dtype=np.float32) + 0.5) / fade
            if end < length:
                weight[end - begin - fade:] *= 1 - (np.arange(fade, dtype=np.float32) + 0.5) / fade
            a, b = max(lo, segment.start + begin), min(hi, segment.start + end)
            if a < b:
                part = slice(a - segment.start - begin, b - segment.start - begin)
                out[:, a - lo:b - lo] += samples[:, part] * weight[part]
        return out if heard else None

    def _stretched_block(self, segment: AudioSegment, block: int, begin: int, end: int) -> Optional[np.ndarray]:
        """Mix samples [begin, end) of the segment (counted from its start), stretched from its source."""
        key = (segment, block)
        if key in self._stretched:
            self._stretched.move_to_end(key)
            return self._stretched[key]
        speed, margin = segment.speed, int(STRETCH_MARGIN_S * self.rate)
        source_first = segment.source_start + int(begin * speed) - margin
        source = self._source(segment.path, source_first, int((end - begin) * speed) + 2 * margin)
        samples = None
        if source is not None:
            stretched = time_stretch(source, self.rate, float(speed))
            lead = round(margin / speed)
            samples = np.zeros((self.channels, end - begin), np.float32)
            got = stretched[:, lead:lead + end - begin]
            samples[:, :got.shape[1]] = got
        self._stretched[key] = samples
        while len(self._stretched) > STRETCH_BLOCKS_KEPT:
            self._stretched.popitem(last=False)
        return samples


def _envelope(segment: AudioSegment, lo: int, hi: int) -> np.ndarray:
    """Gain × fade ramps for mix samples [lo, hi) of ``segment``."""
    positions = np.arange(lo, hi, dtype=np.float64)
    gain = np.full(hi - lo, segment.gain, np.float64)
    if segment.fade_in:
        gain *= np.clip((positions - segment.start + 0.5) / segment.fade_in, 0.0, 1.0)
    if segment.fade_out:
        gain *= np.clip((segment.end - positions - 0.5) / segment.fade_out, 0.0, 1.0)
    return gain.astype(np.float32)


def segments_of(plan: RenderPlan, rate: int) -> list[AudioSegment]:
    """Audio tracks' clips and the own sound of video clips no audio clip stands in for (`audio_enabled`, decided
    by `timeline.sound`), with dissolve and cut fades applied."""
    segments = []
    for track in plan.audio + plan.video:
        if track.audible:
            segments.extend(_track_segments(track, plan.rate, rate))
    return segments


def _track_segments(track: TrackPlan, fps: Fraction, rate: int) -> list[AudioSegment]:
    cut_fade = int(CUT_FADE_S * rate)
    # frame spans each item is heard over, and the ramps at each end (in frames; 0 = a plain cut)
    spans = {item.uid: [item.start_frame, item.end_frame, 0, 0] for item in track.items}
    for dissolve in track.dissolves:
        out, inc = spans[dissolve.outgoing.uid], spans[dissolve.incoming.uid]
        out[1], out[3] = dissolve.end_frame, dissolve.end_frame - dissolve.start_frame
        inc[0], inc[2] = dissolve.start_frame, dissolve.end_frame - dissolve.start_frame
    for item in track.items:
        if _is_overlap_transition(item) and not item.audio_enabled:
            _overlap_neighbours(track, item, spans)
    segments = []
    for item in track.items:
        if item.path is None or not item.audio_enabled:
            continue
        first, end, ramp_in, ramp_out = spans[item.uid]
        start, stop = frame_sample(first, rate, fps), frame_sample(end, rate, fps)
        source_start = round(item.source_seconds(first, fps) * rate)
        segments.append(AudioSegment(
            item.path, start, stop, source_start, 10 ** (item.gain_db / 20),
            max(cut_fade, frame_sample(ramp_in, rate, fps)), max(cut_fade, frame_sample(ramp_out, rate, fps)),
            item.speed))
    return segments


def _is_overlap_transition(item: PlanItem) -> bool:
    if item.generative is None or item.generative.get("kind") != "seine.transition":
        return False
    return (item.generative.get("params") or {}).get("mode") == "overlap"


def _overlap_neighbours(track: TrackPlan, item: PlanItem, spans: dict) -> None:
    """An overlap transition replaced A's tail and B's head: their sound cross-fades under it."""
    before = next((i for i in track.items if i.end_frame == item.start_frame), None)
    after = next((i for i in track.items if i.start_frame == item.end_frame), None)
    if before is not None and before.generative is None:
        spans[before.uid][1], spans[before.uid][3] = item.end_frame, item.duration_frames
    if after is not None and after.generative is None:
        spans[after.uid][0], spans[after.uid][2] = item.start_frame, item.duration_frames
