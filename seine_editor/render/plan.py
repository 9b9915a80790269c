"""A render snapshot (an OTIO timeline) flattened into integer-frame items the compositor and mixer use.

Everything here is exact: record positions are whole timeline frames, source positions are `Fraction`
seconds into the media file, so frame n of an hour-long timeline maps to exactly the source frame it should.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from seine_editor.timeline import sound
from seine_editor.timeline.settings import timeline_rate
from seine_editor.timeline.time import exact_rate, to_frames

GENERATIVE_KINDS = ("seine.transition", "seine.extend", "seine.animate")


@dataclass(frozen=True)
class PlanItem:
    """One clip on one track, placed at whole timeline frames."""

    track_index: int  # 0 = bottom track of its kind
    start_frame: int  # record position on the timeline
    duration_frames: int
    name: str
    path: Optional[str]  # media file, None when the clip has no usable reference
    source_offset_s: Fraction  # seconds into the media file of the clip's first frame
    fit_mode: str = "fit"
    gain_db: float = 0.0
    generative: Optional[dict] = None  # metadata["seine"] of a generative clip
    baked: bool = True  # False: a generative clip whose frames do not exist yet
    uid: str = ""  # stable id within the plan: "<track>:<index>"
    audio_enabled: bool = True

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.duration_frames

    def source_seconds(self, frame: int, rate: Fraction) -> Fraction:
        """Seconds into the media file shown at timeline ``frame`` (may lie in the handles)."""
        return self.source_offset_s + Fraction(frame - self.start_frame) / rate


@dataclass(frozen=True)
class Dissolve:
    """An SMPTE dissolve between ``outgoing`` and ``incoming`` over [start_frame, end_frame)."""

    outgoing: PlanItem
    incoming: PlanItem
    start_frame: int
    end_frame: int

    def weight(self, frame: int) -> float:
        """Share of the incoming picture at ``frame``: 0 on the first dissolve frame, rising linearly."""
        return (frame - self.start_frame) / (self.end_frame - self.start_frame)


@dataclass
class TrackPlan:
    index: int
    kind: str  # "video" or "audio"
    visible: bool  # video tracks: pictures are composited
    audible: bool  # clips' sound is mixed
    items: list[PlanItem] = field(default_factory=list)
    dissolves: list[Dissolve] = field(default_factory=list)


@dataclass
class RenderPlan:
    rate: Fraction
    duration_frames: int
    video: list[TrackPlan]  # bottom first
    audio: list[TrackPlan]
    metadata: dict

    def media_paths(self) -> list[str]:
        paths = {i.path for t in self.video + self.audio for i in t.items if i.path and i.baked}
        return sorted(paths)


def media_path(reference) -> Optional[str]:
    """Local path of an ExternalReference (plain path or file:// URL), None for anything else."""
    if not isinstance(reference, otio.schema.ExternalReference) or not reference.target_url:
        return None
    url = reference.target_url
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    if parsed.scheme and len(parsed.scheme) > 1:  # http://, s3://: not local ("C:" is a drive letter)
        return None
    return url


def build_plan(timeline: otio.schema.Timeline, rate: Optional[Fraction] = None) -> RenderPlan:
    rate = rate or timeline_rate(timeline)
    audio_groups = sound.audio_link_groups(timeline)
    video, audio = [], []
    for track in timeline.tracks:
        if not isinstance(track, otio.schema.Track):
            continue
        bucket = video if track.kind == otio.schema.TrackKind.Video else audio
        bucket.append(_plan_track(track, len(bucket), rate, audio_groups))

    duration = to_frames(timeline.tracks.duration(), rate) if timeline.tracks else 0
    return RenderPlan(rate, duration, video, audio, dict(timeline.metadata.get("seine", {}) or {}))


def _plan_track(track: otio.schema.Track, index: int, rate: Fraction, audio_groups: frozenset[str]) -> TrackPlan:
    seine = dict(track.metadata.get("seine", {}) or {})
    kind = "audio" if track.kind == otio.schema.TrackKind.Audio else "video"
    plan = TrackPlan(index, kind, track.enabled and not seine.get("hidden", False),
                     track.enabled and not seine.get("muted", False))
    previous: Optional[PlanItem] = None
    pending: Optional[otio.schema.Transition] = None
    start = 0
    for position, child in enumerate(track):
        if isinstance(child, otio.schema.Transition):
            pending = child
            continue
        duration = to_frames(child.trimmed_range().duration, rate)
        item = _plan_item(child, plan.index, start, rate, f"{kind}{index}:{position}",
                          sound.plays_own_sound(child, kind, audio_groups)) \
            if isinstance(child, otio.schema.Clip) and child.enabled else None
        if item is not None:
            plan.items.append(item)
        if pending is not None and previous is not None and item is not None:
            cut = item.start_frame
            plan.dissolves.append(Dissolve(previous, item, cut - to_frames(pending.in_offset, rate),
                                           cut + to_frames(pending.out_offset, rate)))
        pending = None
        previous = item
        start += duration
    plan.dissolves = [d for d in plan.dissolves if d.end_frame > d.start_frame]
    return plan


def _plan_item(clip: otio.schema.Clip, track_index: int, start: int, rate: Fraction, uid: str,
               audio_enabled: bool) -> PlanItem:
    seine = dict(clip.metadata.get("seine", {}) or {})
    reference = clip.media_reference
    generative = seine if seine.get("kind") in GENERATIVE_KINDS or isinstance(
        reference, otio.schema.GeneratorReference) and reference.generator_kind in GENERATIVE_KINDS else None
    path = media_path(reference)
    trimmed = clip.trimmed_range()
    offset = _seconds(trimmed.start_time)
    available = reference.available_range if path else None
    if available is not None:
        offset -= _seconds(available.start_time)
    return PlanItem(
        track_index=track_index, start_frame=start, duration_frames=to_frames(trimmed.duration, rate),
        name=clip.name or (Path(path).name if path else ""), path=path, source_offset_s=offset,
        fit_mode=str(seine.get("fit", "fit")), gain_db=float(seine.get("gain_db", 0.0)),
        generative=generative, baked=path is not None or generative is None, uid=uid,
        audio_enabled=audio_enabled)


def _seconds(time: otio.opentime.RationalTime) -> Fraction:
    return Fraction(time.value).limit_denominator(1_000_000) / exact_rate(time.rate)


def plan_from_snapshot(snapshot) -> RenderPlan:
    """The plan of a `timeline.snapshot.RenderSnapshot` (what `document.render_snapshot()` returns)."""
    video, audio = [], []
    for track in snapshot.tracks:
        bucket = video if track.kind == "video" else audio
        plan = TrackPlan(len(bucket), track.kind, not track.hidden, not track.muted)
        by_id = {}
        for position, item in enumerate(track.items):
            planned = _snapshot_item(item, plan.index, f"{track.kind}{plan.index}:{position}", snapshot.rate)
            plan.items.append(planned)
            by_id[item.clip_id] = planned
        for transition in track.transitions:
            left, right = by_id.get(transition.left_clip_id), by_id.get(transition.right_clip_id)
            if left is not None and right is not None and transition.end_frame > transition.start_frame:
                plan.dissolves.append(Dissolve(left, right, transition.start_frame, transition.end_frame))
        bucket.append(plan)
    return RenderPlan(snapshot.rate, snapshot.duration_frames, video, audio, {})


def _snapshot_item(item, track_index: int, uid: str, rate: Fraction) -> PlanItem:
    generative = None
    if item.generative is not None:
        generative = {"kind": item.generative.kind, "params": {"mode": item.generative.mode},
                      "status": item.generative.status,
                      "sources": [{"role": r, "media_path": p, "frame": f} for r, p, f in item.generative.sources]}
    pending = generative is not None and item.generative.status != "baked"
    return PlanItem(
        track_index=track_index, start_frame=item.start_frame, duration_frames=item.duration_frames,
        name=item.name, path=None if pending else item.media_path,
        source_offset_s=Fraction(item.source_start_frame) / rate,
        fit_mode=getattr(item, "fit_mode", "fit"), gain_db=float(getattr(item, "gain_db", 0.0)),
        generative=generative, baked=not pending, uid=item.clip_id or uid, audio_enabled=item.audio_enabled)


def plan_of(snapshot, rate: Optional[Fraction] = None) -> RenderPlan:
    """A plan from what callers hold: a RenderPlan, a RenderSnapshot, or an OTIO Timeline."""
    if isinstance(snapshot, RenderPlan):
        return snapshot
    if isinstance(snapshot, otio.schema.Timeline):
        return build_plan(snapshot, rate)
    if hasattr(snapshot, "tracks") and hasattr(snapshot, "duration_frames"):
        return plan_from_snapshot(snapshot)
    raise TypeError(f"cannot render a {type(snapshot).__name__}: expected an OTIO Timeline or a RenderSnapshot")
