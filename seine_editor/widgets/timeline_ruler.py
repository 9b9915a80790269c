"""The timeline ruler: time ticks and timecodes, and the markers' flags (click to select, drag to move, double-click
to name). It is painted over the scene in viewport pixels, so it stays on top while the tracks scroll."""
from __future__ import annotations

from typing import Optional

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.timeline.snapshot import MarkerInfo
from seine_editor.timeline.time import timecode
from seine_editor.widgets.timeline_items import MARKER_COLOURS, RULER_HEIGHT
from seine_editor.widgets.timeline_tools import SnapIndex

TICK_SECONDS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
MARKER_GRAB_PX = 6


class MarkerNameEditor(QtWidgets.QLineEdit):
    """The inline editor a double-click on a marker opens: Enter names it, Escape or leaving it cancels."""

    committed = QtCore.Signal(str)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (QtCore.Qt.Key_Return, QtCore.Qt.Key_Enter):
            text = self.text().strip()
            self.close()
            self.committed.emit(text)
            return
        if event.key() == QtCore.Qt.Key_Escape:
            self.close()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QtGui.QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.close()


class RulerMixin:
    """Ruler painting and marker gestures of `TimelineView` (which provides info, geometry_ and the signals)."""

    # markers ----------------------------------------------------------------------------------------------
    def marker_at(self, view_pos: QtCore.QPoint) -> Optional[MarkerInfo]:
        """The marker whose flag is under the point (on the ruler), nearest first."""
        if self.info is None or not 0 <= view_pos.y() < RULER_HEIGHT:
            return None
        near = [(abs(self._view_x(m.frame) - view_pos.x()), m) for m in self.info.markers]
        near = [(d, m) for d, m in near if d <= MARKER_GRAB_PX]
        return min(near, key=lambda pair: pair[0])[1] if near else None

    def select_markers(self, marker_ids) -> None:
        wanted = set(marker_ids)
        if wanted != self.selected_marker_ids:
            self.selected_marker_ids = wanted
            self.viewport().update(0, 0, self.viewport().width(), RULER_HEIGHT)

    def edit_marker_name(self, marker: MarkerInfo) -> MarkerNameEditor:
        editor = MarkerNameEditor(marker.name, self.viewport())
        editor.setAttribute(QtCore.Qt.WA_DeleteOnClose)
        editor.setPlaceholderText("Marker name")
        editor.setGeometry(int(self._view_x(marker.frame)) + 8, 2, 180, RULER_HEIGHT - 4)
        editor.committed.connect(lambda name: name != marker.name and
                                 self.marker_rename_requested.emit(marker.id, name))
        editor.show()
        editor.setFocus()
        editor.selectAll()
        self.marker_editor = editor
        return editor

    def _view_x(self, frame: int) -> float:
        return self.mapFromScene(self.geometry_.x(frame), 0).x()

    def _press_ruler(self, pos: QtCore.QPoint) -> None:
        marker = self.marker_at(pos)
        if marker is None:
            self.select_markers([])
            self._scrubbing = True
            self.seek_requested.emit(self.frame_at(pos.x()))
            return
        self.select_markers([marker.id])
        self._marker_drag = (marker, marker.frame)

    def _drag_marker_to(self, pos: QtCore.QPoint) -> None:
        marker, _ = self._marker_drag
        frame = self.frame_at(pos.x())
        if self.snapping and self.info is not None:  # to the playhead and cuts, not to itself
            edges = [f for c in self.info.clips() for f in (c.start_frame, c.end_frame)]
            target = SnapIndex([self.playhead, *edges]).snap(frame, self.geometry_.px_per_frame)
            frame = frame if target is None else target
        self._marker_drag = (marker, frame)
        self.viewport().update()

    def _drop_marker(self) -> None:
        (marker, frame), self._marker_drag = self._marker_drag, None
        self.viewport().update()
        if frame != marker.frame:
            self.marker_move_requested.emit(marker.id, frame)

    def _paint_marker_flags(self, painter: QtGui.QPainter) -> None:
        if self.info is None:
            return
        dragged = self._marker_drag
        for marker in self.info.markers:
            frame = dragged[1] if dragged is not None and dragged[0].id == marker.id else marker.frame
            x = self._view_x(frame)
            colour = QtGui.QColor(MARKER_COLOURS.get(marker.color.upper(), "#ff5b5b"))
            selected = marker.id in self.selected_marker_ids
            painter.setPen(QtGui.QPen(QtGui.QColor("#ffd24a"), 1.5) if selected else QtCore.Qt.NoPen)
            painter.setBrush(colour)
            painter.drawPolygon(QtGui.QPolygonF([
                QtCore.QPointF(x - 5, RULER_HEIGHT - 14), QtCore.QPointF(x + 5, RULER_HEIGHT - 14),
                QtCore.QPointF(x + 5, RULER_HEIGHT - 6), QtCore.QPointF(x, RULER_HEIGHT - 1),
                QtCore.QPointF(x - 5, RULER_HEIGHT - 6)]))
            if marker.name:
                painter.setPen(colour.lighter(130))
                painter.drawText(QtCore.QPointF(x + 7, RULER_HEIGHT - 5), marker.name)

    # ticks ------------------------------------------------------------------------------------------------
    def _paint_ruler(self, painter: QtGui.QPainter, width: int) -> None:
        painter.fillRect(QtCore.QRectF(0, 0, width, RULER_HEIGHT), QtGui.QColor("#202226"))
        painter.setPen(QtGui.QColor("#0f1012"))
        painter.drawLine(0, RULER_HEIGHT - 1, width, RULER_HEIGHT - 1)
        if self.info is None:
            return
        ppf = self.geometry_.px_per_frame
        ticks = tick_frames(self.info.rate)
        major = next((t for t in ticks if t * ppf >= 90), ticks[-1])
        minor = next((t for t in ticks if t * ppf >= 10), major)
        first = max(0, self.frame_at(0) // minor * minor)
        last = self.frame_at(width) + minor
        font = painter.font()
        font.setPointSizeF(7.5)
        painter.setFont(font)
        for frame in range(first, last, minor):
            x = self.mapFromScene(self.geometry_.x(frame), 0).x() + 0.5
            is_major = frame % major == 0
            painter.setPen(QtGui.QColor("#7c808a" if is_major else "#464950"))
            painter.drawLine(QtCore.QLineF(x, RULER_HEIGHT - (10 if is_major else 5), x, RULER_HEIGHT - 1))
            if is_major:
                painter.setPen(QtGui.QColor("#aeb2ba"))
                painter.drawText(QtCore.QPointF(x + 3, 11), timecode(frame, self.info.rate))


def tick_frames(rate) -> list[int]:
    """Ruler steps that land on whole frames below a second and on whole seconds above it."""
    nominal = max(1, round(rate))
    return [f for f in (1, 2, 5, 10) if f < nominal] + [s * nominal for s in TICK_SECONDS]


