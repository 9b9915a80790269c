"""What the timeline scene is made of: clips (filmstrip, waveform, generative state), dissolves, markers.

Items are pure views of a frozen `ClipInfo`/`TransitionInfo`: geometry comes from `TimelineGeometry` (frames to
pixels at the current zoom), pictures from a `ThumbnailProvider`. Painting is cached per item
(DeviceCoordinateCache) and only the exposed part of a filmstrip asks for thumbnails, so a timeline with
thousands of clips scrolls smoothly.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional, Protocol

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.timeline.layout import speed_label
from seine_editor.timeline.snapshot import ClipInfo, MarkerInfo, TransitionInfo

RULER_HEIGHT = 28
CLIP_TITLE_HEIGHT = 16
EDGE_GRAB_PX = 6

KIND_COLOURS = {"video": "#3566a8", "image": "#6a58b0", "audio": "#2e8a66", "generated": "#7b4fd6",
                "offline": "#8c2f39"}
STATE_COLOURS = {"placeholder": "#9a8cc9", "queued": "#c9b458", "generating": "#6ea0ff", "done": "#58c98a",
                 "stale": "#f0b429", "failed": "#ff6b6b", "cancelled": "#9ea2ab"}
MARKER_COLOURS = {"RED": "#ff5b5b", "GREEN": "#58c98a", "BLUE": "#6ea0ff", "YELLOW": "#f0d050",
                  "ORANGE": "#f09a30", "PURPLE": "#b48cff", "CYAN": "#50d0e0", "WHITE": "#e8eaee",
                  "MAGENTA": "#e060c0", "PINK": "#ff9ac0", "BLACK": "#404040"}


class ThumbnailProvider(Protocol):
    """Pictures for the items, produced off the UI thread; `None` until ready (then `updated` fires)."""

    def thumbnail(self, path: str, media_frame: int, height: int) -> Optional[QtGui.QImage]: ...

    def waveform(self, path: str) -> Optional[np.ndarray]: ...  # peaks: N×2 (min, max) in [-1, 1] over the file


@dataclass
class TimelineGeometry:
    """Frames <-> scene x, and the row of each track (video tracks above audio, topmost track first)."""

    px_per_frame: float = 4.0
    rows: dict[str, tuple[float, float]] = field(default_factory=dict)  # track id -> (top y, height)

    def x(self, frame: float) -> float:
        return frame * self.px_per_frame

    def frame(self, x: float) -> int:
        return int(round(x / self.px_per_frame))

    def track_at(self, y: float) -> Optional[str]:
        for track_id, (top, height) in self.rows.items():
            if top <= y < top + height:
                return track_id
        return None

    def bottom(self) -> float:
        return max((top + h for top, h in self.rows.values()), default=RULER_HEIGHT)


def generative_state(clip: ClipInfo, job_state: Optional[str]) -> Optional[str]:
    """The badge of a generative clip: a live job state wins, then stale, then baked/placeholder."""
    if clip.generative is None:
        return None
    if job_state in ("queued", "generating", "failed", "stale"):
        return job_state
    if clip.generative.stale:
        return "stale"
    return "done" if clip.generative.status == "baked" else "placeholder"


THIN_PX = 4.0  # narrower than this, a clip has no room for pictures, a waveform or a title


class ClipItem(QtWidgets.QGraphicsRectItem):
    """One clip. Selection is the only state it owns; everything else is the ClipInfo it was built from.

    A rectangle item (without a pen) so that Qt reads its bounds in C++: the scene's index asks for the bounds of
    every item as the timeline changes, which costs a call into Python per clip for an item that answers itself."""

    def __init__(self, clip: ClipInfo, geometry: TimelineGeometry, provider: Optional[ThumbnailProvider],
                 media_frame_of=None, waiting=None):
        """``waiting(path, item)``: told when the item was drawn without a picture of ``path`` that is on its way
        (the item is updated when it arrives, and only then)."""
        super().__init__()
        self.clip = clip
        self._geometry = geometry
        self._provider = provider
        self._waiting = waiting
        self._media_frame_of = media_frame_of  # timeline frame offset in clip -> media frame (for thumbnails)
        self.job_state: Optional[str] = None
        self.job_progress = 0.0
        self.setPen(QtCore.Qt.NoPen)
        self.setFlag(QtWidgets.QGraphicsItem.ItemIsSelectable, True)
        self.setFlag(QtWidgets.QGraphicsItem.ItemUsesExtendedStyleOption, True)
        self.setCacheMode(QtWidgets.QGraphicsItem.DeviceCoordinateCache)
        self.setAcceptHoverEvents(True)
        self.relayout()

    @property
    def clip_id(self) -> str:
        return self.clip.id

    def set_clip(self, clip: ClipInfo) -> None:
        """The same clip after an edit: placed and drawn anew, or only placed when a ripple just moved it (its
        cached picture kept: a ripple moves every clip after it)."""
        before, self.clip = self.clip, clip
        if clip.differs_only_in_place(before):
            self.setX(self._geometry.x(clip.start_frame))
        else:
            self.relayout()

    def hoverEnterEvent(self, event) -> None:
        self.setToolTip(self._tooltip())  # written when wanted: it names the clip's place, which ripples change
        super().hoverEnterEvent(event)

    def _tooltip(self) -> str:
        c = self.clip
        lines = [c.name, f"{c.duration_frames} frames from frame {c.start_frame}"]
        if c.media_path:
            lines.append(c.media_path)
        if c.offline:
            lines.append("MEDIA OFFLINE")
        if c.generative is not None:
            lines.append(f"{c.generative.kind} · {c.generative.status}" + (" · stale" if c.generative.stale else ""))
        return "\n".join(lines)

    def relayout(self) -> None:
        """Place the item for the current zoom and track rows (after zoom or track resize)."""
        top, height = self._geometry.rows.get(self.clip.track_id, (0.0, 0.0))
        self.setPos(self._geometry.x(self.clip.start_frame), top + 1)
        # a whole number of pixels wide: moved by a ripple, the item then covers as many device pixels as before,
        # so Qt draws its cached picture again instead of asking for a new one (a Python paint per moved clip)
        width = max(1.0, float(round(self._geometry.x(self.clip.duration_frames))))
        self._rect = QtCore.QRectF(0, 0, width, max(1.0, height - 2))
        self.setRect(self._rect)
        self.update()

    def set_job(self, state: Optional[str], progress: float = 0.0) -> None:
        self.job_state, self.job_progress = state, progress
        self.update()

    def edge_at(self, local_x: float) -> Optional[str]:
        """'head' or 'tail' when the point is within grabbing distance of that edge."""
        grab = min(EDGE_GRAB_PX, self._rect.width() / 3)
        if local_x <= grab:
            return "head"
        if local_x >= self._rect.width() - grab:
            return "tail"
        return None

    def _colour(self) -> QtGui.QColor:
        c = self.clip
        key = "offline" if c.offline and c.generative is None else \
            "generated" if c.generative is not None else c.kind if c.kind in KIND_COLOURS else "video"
        return QtGui.QColor(KIND_COLOURS[key])

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        rect = self._rect
        base = self._colour()
        painter.setRenderHint(QtGui.QPainter.Antialiasing, False)
        if rect.width() < THIN_PX:  # a whole long timeline in view: a sliver shows its kind and selection only
            painter.fillRect(rect, QtGui.QColor("#ffd24a") if self.isSelected() else base)
            return
        painter.fillRect(rect, base.darker(160))
        body = rect.adjusted(0, CLIP_TITLE_HEIGHT, 0, 0)
        if self.clip.generative is not None:
            self._paint_generative(painter, body, base, option.exposedRect)
        elif self.clip.kind == "audio":
            self._paint_waveform(painter, body, base)
        elif not self.clip.offline:
            self._paint_filmstrip(painter, body, option.exposedRect)
        if self.clip.offline and self.clip.generative is None:
            self._paint_hatch(painter, body)
        painter.fillRect(QtCore.QRectF(rect.x(), rect.y(), rect.width(), CLIP_TITLE_HEIGHT), base)
        self._paint_title(painter, rect)
        if not self.clip.enabled:  # in place, neither seen nor heard: greyed out
            painter.fillRect(rect, QtGui.QColor(20, 21, 24, 160))
        selected = self.isSelected()
        painter.setPen(QtGui.QPen(QtGui.QColor("#ffd24a" if selected else "#0d0e10"), 2 if selected else 1))
        painter.setBrush(QtCore.Qt.NoBrush)
        painter.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))

    @property
    def title(self) -> str:
        """What the clip's bar says: its name, its speed when not 1×, and whether it is offline or disabled."""
        return self.clip.name + (f"  [{speed_label(self.clip.speed)}]" if self.clip.speed != 1 else "") + \
            ("  ⚠ offline" if self.clip.offline and self.clip.generative is None else "") + \
            ("  (disabled)" if not self.clip.enabled else "")

    def _paint_title(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        if rect.width() < 14:
            return
        painter.setPen(QtGui.QColor("#f2f3f5"))
        font = painter.font()
        font.setPointSizeF(8.0)
        painter.setFont(font)
        title = self.title
        text_rect = QtCore.QRectF(rect.x() + 4, rect.y(), rect.width() - 8, CLIP_TITLE_HEIGHT)
        elided = painter.fontMetrics().elidedText(title, QtCore.Qt.ElideRight, int(text_rect.width()))
        painter.drawText(text_rect, QtCore.Qt.AlignVCenter | QtCore.Qt.AlignLeft, elided)

    def _paint_filmstrip(self, painter: QtGui.QPainter, body: QtCore.QRectF, exposed: QtCore.QRectF) -> None:
        if not self.clip.media_path:
            return

        def picture(offset: int) -> tuple[str, int]:
            return self.clip.media_path, (self._media_frame_of(offset) if self._media_frame_of
                                          else math.floor((self.clip.source_start_frame + offset) * self.clip.speed))
        self._paint_pictures(painter, body, exposed, picture)

    def _paint_pictures(self, painter: QtGui.QPainter, body: QtCore.QRectF, exposed: QtCore.QRectF,
                        picture) -> None:
        """A filmstrip of the exposed part of ``body``: ``picture(offset in the clip)`` names each slot's (file,
        media frame)."""
        if self._provider is None or body.height() < 12:
            return
        thumb_h = int(body.height())
        thumb_w = max(8, int(thumb_h * 16 / 9))
        first = max(0, int((exposed.left() - body.left()) // thumb_w))
        last = int(min(body.width(), exposed.right() - body.left()) // thumb_w)
        for slot in range(first, last + 1):
            x = body.left() + slot * thumb_w
            if x >= body.right():
                break
            path, media_frame = picture(self._geometry.frame(x - body.left()))
            image = self._provider.thumbnail(path, media_frame, thumb_h) if path else None
            if image is None:
                self._wait_for(path)
                continue
            target = QtCore.QRectF(x, body.top(), min(image.width() * thumb_h / max(1, image.height()),
                                                      body.right() - x), body.height())
            source = QtCore.QRectF(0, 0, target.width() * image.height() / thumb_h, image.height())
            painter.drawImage(target, image, source)

    def _paint_waveform(self, painter: QtGui.QPainter, body: QtCore.QRectF, base: QtGui.QColor) -> None:
        painter.fillRect(body, base.darker(130))
        peaks = self._provider.waveform(self.clip.media_path) if self._provider and self.clip.media_path else None
        if peaks is None:
            self._wait_for(self.clip.media_path)
        if peaks is None or len(peaks) == 0 or not self.clip.available_frames:
            return
        per_frame = len(peaks) / self.clip.available_frames
        columns = max(1, int(body.width()))
        start = self.clip.source_start_frame * per_frame
        span = self.clip.duration_frames * per_frame
        idx = np.clip((start + np.arange(columns) * span / columns).astype(int), 0, len(peaks) - 1)
        mid, half = body.center().y(), body.height() / 2 - 1
        painter.setPen(QtGui.QColor("#a6f0cf"))
        for col, (lo, hi) in enumerate(peaks[idx]):
            x = body.left() + col
            painter.drawLine(QtCore.QLineF(x, mid - hi * half, x, mid - lo * half))

    def _paint_generative(self, painter: QtGui.QPainter, body: QtCore.QRectF, base: QtGui.QColor,
                          exposed: QtCore.QRectF) -> None:
        """Its frames once made; until then its sources' boundary frames (what the morph preview blends), under a
        badge of its state."""
        gradient = QtGui.QLinearGradient(body.topLeft(), body.topRight())
        gradient.setColorAt(0, base.darker(120))
        gradient.setColorAt(1, QtGui.QColor("#3d7eff").darker(120))
        painter.fillRect(body, gradient)
        if self.clip.generative.status == "baked":
            self._paint_filmstrip(painter, body, exposed)
        else:
            self._paint_pictures(painter, body, exposed, self._source_picture)
        state = generative_state(self.clip, self.job_state) or ""
        colour = QtGui.QColor(STATE_COLOURS.get(state, "#ffffff"))
        label = "✦ " + {"generating": f"generating {int(self.job_progress * 100)}%"}.get(state, state)
        badge = painter.fontMetrics().boundingRect(label).adjusted(-4, -1, 4, 1)
        badge.moveTopLeft(QtCore.QPoint(int(body.left()) + 3, int(body.top()) + 3))
        painter.fillRect(QtCore.QRectF(badge).intersected(body), QtGui.QColor(16, 17, 20, 200))
        painter.setPen(colour)
        painter.drawText(QtCore.QRectF(badge).intersected(body), QtCore.Qt.AlignCenter, label)
        if state == "generating" and body.height() > 18:
            bar = QtCore.QRectF(body.left() + 4, body.bottom() - 7, body.width() - 8, 4)
            painter.fillRect(bar, QtGui.QColor("#16171a"))
            painter.fillRect(QtCore.QRectF(bar.left(), bar.top(), bar.width() * self.job_progress, 4), colour)
        if state in ("stale", "failed", "placeholder"):
            pen = QtGui.QPen(colour, 1, QtCore.Qt.DashLine)
            painter.setPen(pen)
            painter.drawRect(body.adjusted(1, 1, -1, -1))

    def _source_picture(self, offset: int) -> tuple[Optional[str], int]:
        """The source frame a pending item's preview starts from at ``offset``: the left shot's last frame over its
        first half, the right shot's first over the rest (an extension or animation: its one source)."""
        sources = [s for s in self.clip.generative.sources if s.get("media_path")]
        if not sources:
            return None, 0
        source = sources[-1] if len(sources) > 1 and offset >= self.clip.duration_frames / 2 else sources[0]
        return source["media_path"], int(source.get("frame") or 0)

    def _wait_for(self, path: Optional[str]) -> None:
        if path and self._waiting is not None:
            self._waiting(path, self)

    @staticmethod
    def _paint_hatch(painter: QtGui.QPainter, body: QtCore.QRectF) -> None:
        painter.fillRect(body, QtGui.QBrush(QtGui.QColor(255, 107, 107, 90), QtCore.Qt.BDiagPattern))


class TransitionItem(QtWidgets.QGraphicsItem):
    """A dissolve, drawn across its cut over both clips' bodies."""

    def __init__(self, transition: TransitionInfo, geometry: TimelineGeometry):
        super().__init__()
        self.transition = transition
        self._geometry = geometry
        self.setZValue(2)
        self.setFlag(QtWidgets.QGraphicsItem.ItemIsSelectable, True)
        self.setToolTip(f"{transition.name or transition.transition_type}: {transition.in_offset_frames} + "
                        f"{transition.out_offset_frames} frames")
        self.relayout()

    def relayout(self) -> None:
        self.prepareGeometryChange()
        top, height = self._geometry.rows.get(self.transition.track_id, (0.0, 0.0))
        self.setPos(self._geometry.x(self.transition.start_frame), top + CLIP_TITLE_HEIGHT + 1)
        width = self._geometry.x(self.transition.end_frame - self.transition.start_frame)
        self._rect = QtCore.QRectF(0, 0, max(6.0, width), max(4.0, height - CLIP_TITLE_HEIGHT - 2))

    def boundingRect(self) -> QtCore.QRectF:
        return self._rect

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        r = self._rect
        painter.setRenderHint(QtGui.QPainter.Antialiasing, True)
        painter.setPen(QtGui.QPen(QtGui.QColor("#ffd24a" if self.isSelected() else "#e8eaee"), 1))
        painter.setBrush(QtGui.QColor(20, 20, 24, 150))
        painter.drawRect(r)
        painter.drawLine(r.bottomLeft(), r.topRight())
        painter.drawLine(r.topLeft(), r.bottomRight())


class MarkerItem(QtWidgets.QGraphicsItem):
    """A timeline marker's faint line down through the tracks (its flag is painted on the ruler)."""

    def __init__(self, marker: MarkerInfo, geometry: TimelineGeometry):
        super().__init__()
        self.marker = marker
        self._geometry = geometry
        self.setZValue(5)
        self.setToolTip(marker.name + (f"\n{marker.comment}" if marker.comment else ""))
        self.relayout()

    def relayout(self) -> None:
        self.prepareGeometryChange()
        self.setPos(self._geometry.x(self.marker.frame), 0)
        self._height = self._geometry.bottom()

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(-1, RULER_HEIGHT, 2, max(0.0, self._height - RULER_HEIGHT))

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        colour = QtGui.QColor(MARKER_COLOURS.get(self.marker.color.upper(), "#ff5b5b"))
        faint = QtGui.QColor(colour)
        faint.setAlpha(70)
        painter.setPen(QtGui.QPen(faint, 1))
        painter.drawLine(QtCore.QLineF(0, RULER_HEIGHT, 0, self._height))
