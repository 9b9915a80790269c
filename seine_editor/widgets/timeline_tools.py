"""Pointer gestures on the timeline: move, trim, roll, slip; and snapping.

A gesture previews on the items while the mouse moves and, on release, answers one edit as plain values
(`EditIntent`); the view turns it into a signal and the Project decides. Nothing here changes the document.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable, Optional

from seine_editor.widgets.timeline_items import ClipItem, TimelineGeometry

SNAP_PX = 8


class SnapIndex:
    """Frames worth snapping to (cuts, markers, playhead); answers the nearest within a pixel distance."""

    def __init__(self, frames: Iterable[int]):
        self._frames = sorted(set(frames))

    def snap(self, frame: int, px_per_frame: float, threshold_px: float = SNAP_PX) -> Optional[int]:
        if not self._frames:
            return None
        i = bisect.bisect_left(self._frames, frame)
        near = [f for f in self._frames[max(0, i - 1):i + 1]]
        best = min(near, key=lambda f: abs(f - frame))
        return best if abs(best - frame) * px_per_frame <= threshold_px else None

    def snap_anchors(self, delta: int, anchors: Iterable[int], px_per_frame: float,
                     threshold_px: float = SNAP_PX) -> tuple[int, Optional[int]]:
        """(delta, target): the delta that puts the anchor nearest a target on it, and that target; ``delta``
        and None when no anchor is near enough. Anchors are the frames that move (a clip's in and out)."""
        best: Optional[tuple[int, int]] = None
        for anchor in anchors:
            target = self.snap(anchor + delta, px_per_frame, threshold_px)
            if target is not None and (best is None or abs(target - anchor - delta) < abs(best[0] - delta)):
                best = (target - anchor, target)
        return best if best is not None else (delta, None)


@dataclass(frozen=True)
class EditIntent:
    """One edit the person asked for by dragging."""

    kind: str  # "move", "trim", "roll", "slip"
    clip_ids: tuple[str, ...]
    delta_frames: int
    edge: Optional[str] = None  # trim: "head" or "tail"
    ripple: bool = False
    track_id: Optional[str] = None  # move: the track the grabbed clip lands on (None: same track)
    neighbour_id: Optional[str] = None  # roll: the clip on the other side of the cut


@dataclass
class Gesture:
    """Base: remembers where the drag started; subclasses preview and produce an intent."""

    items: list[ClipItem]
    geometry: TimelineGeometry
    start_x: float
    snaps: SnapIndex
    snapping: bool = True
    delta: int = 0
    snapped_to: Optional[int] = None
    _origins: dict = field(default_factory=dict)

    def __post_init__(self):
        self._origins = {item.clip_id: item.pos() for item in self.items}

    def raw_delta(self, x: float) -> int:
        return self.geometry.frame(x - self.start_x)

    def snap_delta(self, delta: int, anchors: Iterable[int]) -> int:
        """The delta that puts the closest anchor frame on a snap target, if one is near enough."""
        self.snapped_to = None
        if not self.snapping:
            return delta
        delta, self.snapped_to = self.snaps.snap_anchors(delta, anchors, self.geometry.px_per_frame)
        return delta

    def restore(self) -> None:
        for item in self.items:
            item.setPos(self._origins[item.clip_id])
            item.relayout()


class MoveGesture(Gesture):
    def __init__(self, items, geometry, start_x, snaps, grabbed: ClipItem, start_track: str, snapping=True):
        super().__init__(items, geometry, start_x, snaps, snapping)
        self.grabbed = grabbed
        self.track_id = start_track

    def update(self, x: float, track_id: Optional[str]) -> None:
        anchors = [i.clip.start_frame for i in self.items] + [i.clip.end_frame for i in self.items]
        earliest = min(i.clip.start_frame for i in self.items)
        self.delta = max(-earliest, self.snap_delta(self.raw_delta(x), anchors))
        if track_id is not None and self._compatible(track_id):
            self.track_id = track_id
        dy = self.geometry.rows[self.track_id][0] - self.geometry.rows[self.grabbed.clip.track_id][0]
        for item in self.items:
            origin = self._origins[item.clip_id]
            item.setPos(origin.x() + self.geometry.x(self.delta), origin.y() + dy)

    def _compatible(self, track_id: str) -> bool:
        kinds = getattr(self.geometry, "kinds", {})
        return kinds.get(track_id) == kinds.get(self.grabbed.clip.track_id)

    def intent(self) -> Optional[EditIntent]:
        moved_track = self.track_id if self.track_id != self.grabbed.clip.track_id else None
        if self.delta == 0 and moved_track is None:
            return None
        ids = (self.grabbed.clip_id,) + tuple(i.clip_id for i in self.items if i is not self.grabbed)
        return EditIntent("move", ids, self.delta, track_id=moved_track)


class TrimGesture(Gesture):
    """Drag one edge. Never past the media (handles) nor past the clip's other edge."""

    def __init__(self, item: ClipItem, geometry, start_x, snaps, edge: str, ripple: bool, snapping=True):
        super().__init__([item], geometry, start_x, snaps, snapping)
        self.item, self.edge, self.ripple = item, edge, ripple

    def limits(self) -> tuple[int, int]:
        c = self.item.clip
        available = c.available_frames
        if self.edge == "head":
            low = -c.source_start_frame if available is not None else -c.start_frame
            return max(low, -c.start_frame), c.duration_frames - 1
        tail_room = available - c.source_start_frame - c.duration_frames if available is not None else 10 ** 9
        return -(c.duration_frames - 1), tail_room

    def update(self, x: float, track_id: Optional[str] = None) -> None:
        c = self.item.clip
        anchor = c.start_frame if self.edge == "head" else c.end_frame
        low, high = self.limits()
        self.delta = max(low, min(high, self.snap_delta(self.raw_delta(x), [anchor])))
        start = c.start_frame + (self.delta if self.edge == "head" else 0)
        duration = c.duration_frames + (-self.delta if self.edge == "head" else self.delta)
        self.item.prepareGeometryChange()
        self.item.setPos(self.geometry.x(start), self.item.pos().y())
        self.item._rect.setWidth(max(1.0, self.geometry.x(duration)))
        self.item.update()

    def intent(self) -> Optional[EditIntent]:
        if self.delta == 0:
            return None
        return EditIntent("trim", (self.item.clip_id,), self.delta, edge=self.edge, ripple=self.ripple)


class ExtendGesture(TrimGesture):
    """The Extend tool on an edge: the drag may pass the end of the media; what lies past it is generated
    (`EditIntent("extend")`: the handle is trimmed in first, the rest becomes an extension)."""

    def __init__(self, item: ClipItem, geometry, start_x, snaps, edge: str, snapping=True):
        super().__init__(item, geometry, start_x, snaps, edge, True, snapping)

    def limits(self) -> tuple[int, int]:
        low, high = super().limits()
        return (-(10 ** 9), high) if self.edge == "head" else (low, 10 ** 9)

    def intent(self) -> Optional[EditIntent]:
        if self.delta == 0:
            return None
        outward = self.delta > 0 if self.edge == "tail" else self.delta < 0
        kind = "extend" if outward else "trim"
        return EditIntent(kind, (self.item.clip_id,), self.delta, edge=self.edge, ripple=True)


class RollGesture(Gesture):
    """Move the cut between two adjacent clips: one gets longer by what the other loses."""

    def __init__(self, left: ClipItem, right: ClipItem, geometry, start_x, snaps, snapping=True):
        super().__init__([left, right], geometry, start_x, snaps, snapping)
        self.left, self.right = left, right

    def limits(self) -> tuple[int, int]:
        l, r = self.left.clip, self.right.clip
        left_room = (l.available_frames - l.source_start_frame - l.duration_frames
                     if l.available_frames is not None else 10 ** 9)
        right_room = r.source_start_frame if r.available_frames is not None else 10 ** 9
        return max(-(l.duration_frames - 1), -right_room), min(r.duration_frames - 1, left_room)

    def update(self, x: float, track_id: Optional[str] = None) -> None:
        low, high = self.limits()
        self.delta = max(low, min(high, self.snap_delta(self.raw_delta(x), [self.right.clip.start_frame])))
        cut = self.right.clip.start_frame + self.delta
        self.left.prepareGeometryChange()
        self.left._rect.setWidth(max(1.0, self.geometry.x(cut - self.left.clip.start_frame)))
        self.right.prepareGeometryChange()
        self.right.setPos(self.geometry.x(cut), self.right.pos().y())
        self.right._rect.setWidth(max(1.0, self.geometry.x(self.right.clip.end_frame - cut)))
        self.left.update()
        self.right.update()

    def intent(self) -> Optional[EditIntent]:
        if self.delta == 0:
            return None
        return EditIntent("roll", (self.left.clip_id,), self.delta, neighbour_id=self.right.clip_id)


class SlipGesture(Gesture):
    """Shift which part of the media the clip shows; its place on the timeline stays."""

    def __init__(self, item: ClipItem, geometry, start_x, snaps):
        super().__init__([item], geometry, start_x, snaps, snapping=False)
        self.item = item

    def limits(self) -> tuple[int, int]:
        c = self.item.clip
        if c.available_frames is None:
            return 0, 0
        return -c.source_start_frame, c.available_frames - c.source_start_frame - c.duration_frames

    def update(self, x: float, track_id: Optional[str] = None) -> None:
        low, high = self.limits()
        # dragging right reveals earlier media, as in every NLE's slip tool
        self.delta = max(low, min(high, -self.raw_delta(x)))
        self.item.setToolTip(f"slip {self.delta:+d} frames")

    def intent(self) -> Optional[EditIntent]:
        return EditIntent("slip", (self.item.clip_id,), self.delta) if self.delta else None
