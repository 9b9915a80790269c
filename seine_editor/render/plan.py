"""The render snapshot in the form the compositor and mixer index: integer-frame items per track.

There is one render plan: `timeline.snapshot.build_render_snapshot` reads the OTIO timeline (nesting, disabled
items, dissolves, media references); the viewer, the window's export and the command-line render all reach it
(`plan_of`), and this module only re-indexes it. Record positions are whole timeline frames; source positions are
exact `Fraction` seconds into the media, so frame n of an hour-long timeline maps to exactly the source frame it
should.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional

import opentimelineio as otio

from seine_editor.media.image_sequence import ImageSequence
from seine_editor.timeline.layout import differing_run
from seine_editor.timeline.settings import timeline_rate
from seine_editor.timeline.snapshot import RenderGenerator, RenderSnapshot, build_render_snapshot, changed_copy


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
    opacity: float = 1.0
    generative: Optional[dict] = None  # metadata["seine"] of a generative clip
    baked: bool = True  # False: a generative clip whose frames do not exist yet
    uid: str = ""  # unique within the plan: the clip's id, or its place
    audio_enabled: bool = True
    reference: str = "file"  # "file", "sequence", "generator", "missing" (no media) or "generated"
    sequence: Optional[ImageSequence] = None
    generator: Optional[RenderGenerator] = None
    speed: Fraction = Fraction(1)  # media seconds per timeline second

    @property
    def label(self) -> str:
        """The media as the person knows it: the file, the sequence, the generator, or the clip's name."""
        if self.sequence is not None:
            return self.sequence.label
        if self.generator is not None:
            return f"{self.name or self.generator.name} (generator {self.generator.kind})"
        return self.path or self.name

    @property
    def source(self):
        """What the compositor opens: the file's path, the image sequence, or None."""
        return self.sequence if self.sequence is not None else self.path

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.duration_frames

    def source_seconds(self, frame: int, rate: Fraction) -> Fraction:
        """Seconds into the media file shown at timeline ``frame`` (may lie in the handles)."""
        return self.source_offset_s + self.speed * (frame - self.start_frame) / rate


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
    made_from: dict = field(default_factory=dict, repr=False, compare=False)  # (kind, index): (RenderTrack, plan)

    def media_paths(self) -> list[str]:
        paths = {i.path for t in self.video + self.audio for i in t.items if i.path and i.baked}
        return sorted(paths)


def plan_from_snapshot(snapshot: RenderSnapshot, previous: Optional[RenderPlan] = None) -> RenderPlan:
    """The plan of a `RenderSnapshot` (what `document.render_snapshot()` returns). With the ``previous`` plan of
    the same document (a viewer after an edit), a track whose items are the very ones planned keeps its plan, and
    in a changed track only the items between those kept at its start and at its end are planned anew."""
    video, audio = [], []
    made_from = {}
    for track in snapshot.tracks:
        bucket = video if track.kind == "video" else audio
        key = (track.kind, len(bucket))
        held = previous.made_from.get(key) if previous is not None and previous.rate == snapshot.rate else None
        if held is not None and held[0] == track:
            plan = held[1]
        else:
            plan = _track_plan(track, len(bucket), snapshot.rate, held)
        made_from[key] = (track, plan)
        bucket.append(plan)
    return RenderPlan(snapshot.rate, snapshot.duration_frames, video, audio, dict(snapshot.metadata), made_from)


def _track_plan(track, index: int, rate: Fraction, held: Optional[tuple]) -> TrackPlan:
    plan = TrackPlan(index, track.kind, not track.hidden, not track.muted)
    if held is not None:  # the items kept at the start and at the end were planned already
        before, old = held[0].items, held[1].items
        head, tail = differing_run(before, track.items)
        middle = track.items[head:len(track.items) - tail]
        lag = (len(before) - tail) - (len(track.items) - tail)  # the old items after a ripple line up from the end
        plan.items = [*old[:head], *(_replanned(item, before, old, position + lag, index, rate)
                                     for position, item in enumerate(middle, head)), *old[len(old) - tail:]]
    else:
        plan.items = [_planned(item, index, rate) for item in track.items]
    if track.transitions:
        by_uid = dict(zip(map(operator.attrgetter("uid"), track.items), plan.items))
        for transition in track.transitions:
            left, right = by_uid.get(transition.left_clip_id), by_uid.get(transition.right_clip_id)
            if left is not None and right is not None and transition.end_frame > transition.start_frame:
                plan.dissolves.append(Dissolve(left, right, transition.start_frame, transition.end_frame))
    return plan


def _replanned(item, before, old: list[PlanItem], position: int, track_index: int, rate: Fraction) -> PlanItem:
    """The plan of ``item``: the old one moved along when ``before[position]`` is the same item elsewhere (a ripple
    moves every item after it), else planned anew."""
    if 0 <= position < len(before) and item.differs_only_in_place(before[position]):
        return changed_copy(old[position], start_frame=item.start_frame)
    return _planned(item, track_index, rate)


def _planned(item, track_index: int, rate: Fraction) -> PlanItem:
    generative = None
    if item.generative is not None:
        generative = {"kind": item.generative.kind, "params": {"mode": item.generative.mode},
                      "status": item.generative.status,
                      "sources": [{"role": r, "media_path": p, "frame": f} for r, p, f in item.generative.sources]}
    pending = generative is not None and item.generative.status != "baked"
    return PlanItem(
        track_index=track_index, start_frame=item.start_frame, duration_frames=item.duration_frames,
        name=item.name, path=None if pending else item.media_path, source_offset_s=item.source_start_s,
        fit_mode=item.fit_mode, gain_db=float(item.gain_db), opacity=item.opacity, generative=generative, baked=not pending,
        uid=item.uid, audio_enabled=item.audio_enabled, reference=item.reference, sequence=item.sequence,
        generator=item.generator, speed=item.speed)


def plan_of(snapshot, rate: Optional[Fraction] = None, previous: Optional[RenderPlan] = None) -> RenderPlan:
    """A plan from what callers hold: a RenderPlan, a RenderSnapshot (``previous``: the plan of an earlier state
    of it, whose unchanged parts are kept), or an OTIO Timeline (at ``rate``, else its own)."""
    if isinstance(snapshot, RenderPlan):
        return snapshot
    if isinstance(snapshot, otio.schema.Timeline):
        return plan_from_snapshot(build_render_snapshot(snapshot, rate or timeline_rate(snapshot)))
    if isinstance(snapshot, RenderSnapshot):
        return plan_from_snapshot(snapshot, previous)
    raise TypeError(f"cannot render a {type(snapshot).__name__}: expected an OTIO Timeline or a RenderSnapshot")
