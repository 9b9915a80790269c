"""The timeline: ruler, playhead, tracks of clips; select, drag, trim, roll, slip, snap, zoom, drop.

`TimelineView` shows a frozen `TimelineInfo` and turns gestures into intent signals (`edit_requested`,
`media_dropped`, `transition_dropped`, ...). It never changes the document: the main window passes intents to
the Project, and the next `set_timeline` shows the result (or the untouched timeline after a refusal).
"""
from __future__ import annotations

import math
import weakref
from typing import Optional

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.timeline import layout
from seine_editor.timeline.snapshot import TimelineInfo
from seine_editor.widgets.timeline_drops import TimelineDropsMixin
from seine_editor.widgets.timeline_items import (RULER_HEIGHT, ClipItem, MarkerItem, ThumbnailProvider,
                                                 TimelineGeometry, TransitionItem)
from seine_editor.widgets.timeline_ruler import RulerMixin
from seine_editor.widgets.timeline_tools import (ExtendGesture, Gesture, MoveGesture, RollGesture, SlipGesture,
                                                 SnapIndex, TrimGesture)

DEFAULT_TRACK_HEIGHT = 64
MIN_PX_PER_FRAME, MAX_PX_PER_FRAME = 0.005, 60.0
CUT_GRAB_PX = 8


class TimelineView(TimelineDropsMixin, RulerMixin, QtWidgets.QGraphicsView):
    seek_requested = QtCore.Signal(int)
    edit_requested = QtCore.Signal(object)  # EditIntent
    media_dropped = QtCore.Signal(list, object, int)  # paths, track id (None: a new/first track), frame
    transition_dropped = QtCore.Signal(str, str, str)  # kind, left clip id, right clip id
    selection_changed = QtCore.Signal(list)  # clip ids
    context_menu_requested = QtCore.Signal(object, object, QtCore.QPoint)  # clip id or None, cut (l, r) or None
    zoom_changed = QtCore.Signal(float)
    marker_move_requested = QtCore.Signal(str, int)  # marker id, new frame
    marker_rename_requested = QtCore.Signal(str, str)  # marker id, new name
    transition_selected = QtCore.Signal(object)  # TransitionInfo or None

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None,
                 thumbnails: Optional[ThumbnailProvider] = None):
        super().__init__(parent)
        self.setScene(QtWidgets.QGraphicsScene(self))
        self.setAlignment(QtCore.Qt.AlignLeft | QtCore.Qt.AlignTop)
        self.setViewportUpdateMode(QtWidgets.QGraphicsView.MinimalViewportUpdate)
        self.setOptimizationFlags(QtWidgets.QGraphicsView.DontAdjustForAntialiasing)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOn)
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setBackgroundBrush(QtGui.QColor("#17181b"))
        self.geometry_ = TimelineGeometry()
        self.geometry_.kinds = {}
        self.thumbnails = thumbnails
        self.info: Optional[TimelineInfo] = None
        self.track_heights: dict[str, int] = {}
        self.playhead = 0
        self.tool = "select"  # "select", "ripple", "roll", "slip", "extend"
        self.snapping = True
        self.clip_items: dict[str, ClipItem] = {}
        self._shown: dict[str, tuple] = {}  # the ClipInfos each track row shows, by track id
        self._overlays: list[QtWidgets.QGraphicsItem] = []  # dissolves and markers
        self._bands: tuple = ()  # the rows whose backgrounds were drawn: (id, kind, hidden, muted)
        self._waiting: dict[str, weakref.WeakSet] = {}  # path -> the items drawn without a picture of it
        self._ruler_markers: tuple = ()  # the timeline markers the ruler flags
        self._job_states: dict[str, tuple[str, float]] = {}
        self._gesture: Optional[Gesture] = None
        self._scrubbing = False
        self._drop_frame: Optional[int] = None
        self._fit_on_resize = False
        self.selected_marker_ids: set[str] = set()
        self._marker_drag = None  # (MarkerInfo, frame it is dragged to) while a marker flag is dragged
        self.scene().selectionChanged.connect(self._on_scene_selection_changed)

    # model ------------------------------------------------------------------------------------------------
    def set_timeline(self, info: Optional[TimelineInfo]) -> None:
        """Show this timeline; selection and per-item job states survive by id. Only what changed is looked at and
        redrawn: the document keeps the `ClipInfo` of every clip an edit did not touch, so a track whose clips are
        the very tuple shown costs nothing, and in a changed one only the run between the clips kept at its start
        and at its end is compared. A changed clip's item is updated in place, keeping its cached picture."""
        selected = set(self.selected_clip_ids())
        selected |= {i.transition.id for i in self.scene().selectedItems() if isinstance(i, TransitionItem)}
        self._gesture = None
        self._marker_drag = None
        self.info = info
        self.selected_marker_ids &= {m.id for m in info.markers} if info is not None else set()
        scene = self.scene()
        scene.blockSignals(True)
        rows = dict(self.geometry_.rows)
        self._layout_rows()
        moved_rows = rows != self.geometry_.rows
        shown, self._shown = self._shown, {t.id: t.clips for t in info.tracks} if info is not None else {}
        left: dict[str, ClipItem] = {}  # items whose clip left a row; gone unless it shows up in another
        arrived = []
        for track_id, clips in self._shown.items():
            before = shown.pop(track_id, ())
            if before is clips and not moved_rows:
                continue
            head, tail = (0, 0) if moved_rows else layout.differing_run(before, clips)
            left.update((clip.id, self.clip_items[clip.id]) for clip in before[head:len(before) - tail])
            arrived += clips[head:len(clips) - tail]
        for clips in shown.values():  # rows that went away
            left.update((clip.id, self.clip_items[clip.id]) for clip in clips)
        for clip in arrived:
            left.pop(clip.id, None)
            item = self.clip_items.get(clip.id)
            if item is None:
                item = self.clip_items[clip.id] = ClipItem(clip, self.geometry_, self.thumbnails,
                                                           waiting=self._wait_for_picture)
                if clip.id in self._job_states:
                    item.set_job(*self._job_states[clip.id])
                item.setSelected(clip.id in selected)
                scene.addItem(item)
            elif item.clip is not clip:
                item.set_clip(clip)
            elif moved_rows:
                item.relayout()
        for clip_id, item in left.items():
            scene.removeItem(item)
            del self.clip_items[clip_id]
        for item in self._overlays:
            scene.removeItem(item)
        self._overlays = []
        if info is not None:  # dissolves and markers are few: drawn anew
            for track in info.tracks:
                for transition in track.transitions:
                    item = TransitionItem(transition, self.geometry_)
                    item.setSelected(transition.id in selected)
                    self._overlays.append(item)
            self._overlays += [MarkerItem(marker, self.geometry_) for marker in info.markers]
            for item in self._overlays:
                scene.addItem(item)
        scene.blockSignals(False)
        self._update_scene_rect()
        self._on_scene_selection_changed()
        # the scene repaints where items changed; the rows' backgrounds and the ruler (its marker flags) are the view's
        bands = tuple((t.id, t.kind, t.hidden, t.muted) for t in self.ordered_tracks())
        markers = info.markers if info is not None else ()
        if moved_rows or bands != self._bands:
            self.viewport().update()
        elif markers != self._ruler_markers:
            self.viewport().update(0, 0, self.viewport().width(), RULER_HEIGHT)
        self._bands, self._ruler_markers = bands, markers

    def _wait_for_picture(self, path: str, item: ClipItem) -> None:
        self._waiting.setdefault(path, weakref.WeakSet()).add(item)

    def picture_ready(self, path: str) -> None:
        """A thumbnail or waveform of ``path`` arrived: the items drawn without one are drawn again (the others,
        however many clips show the file, keep their pictures)."""
        for item in list(self._waiting.pop(path, ())):
            item.update()

    def ordered_tracks(self):
        """Rows top to bottom: video tracks (topmost first) then audio tracks (first first)."""
        if self.info is None:
            return []
        video = [t for t in self.info.tracks if t.kind == "video"]
        audio = [t for t in self.info.tracks if t.kind != "video"]
        return list(reversed(video)) + audio

    def _layout_rows(self) -> None:
        rows, kinds, y = {}, {}, float(RULER_HEIGHT)
        for track in self.ordered_tracks():
            height = self.track_heights.get(track.id, DEFAULT_TRACK_HEIGHT if track.kind == "video" else 48)
            rows[track.id] = (y, float(height))
            kinds[track.id] = track.kind
            y += height
        self.geometry_.rows, self.geometry_.kinds = rows, kinds

    def relayout(self) -> None:
        self._layout_rows()
        for item in self.scene().items():
            if hasattr(item, "relayout"):
                item.relayout()
        self._update_scene_rect()
        self.viewport().update()

    def set_track_height(self, track_id: str, height: int) -> None:
        self.track_heights[track_id] = max(24, min(240, int(height)))
        self.relayout()

    def _update_scene_rect(self) -> None:
        """Room to scroll a view's width past the end, in steps of a quarter of it: an edit that changes the
        duration by less leaves the scroll bar (and its repaint) alone."""
        duration = self.info.duration_frames if self.info else 0
        step = max(1, self.viewport().width() // 4)
        width = math.ceil((self.geometry_.x(duration) + self.viewport().width()) / step) * step
        self.scene().setSceneRect(0, 0, width, max(self.geometry_.bottom() + 40, self.viewport().height()))

    def set_job_state(self, clip_id: str, state: Optional[str], progress: float = 0.0) -> None:
        """Live state of a generative item's job (queued/generating/failed); None clears it."""
        if state is None:
            self._job_states.pop(clip_id, None)
        else:
            self._job_states[clip_id] = (state, progress)
        if clip_id in self.clip_items:
            self.clip_items[clip_id].set_job(state, progress)

    # selection --------------------------------------------------------------------------------------------
    def selected_clip_ids(self) -> list[str]:
        return [i.clip_id for i in self.scene().selectedItems() if isinstance(i, ClipItem)]

    def select_clips(self, clip_ids) -> None:
        wanted = set(clip_ids)
        for clip_id, item in self.clip_items.items():
            item.setSelected(clip_id in wanted)

    def select_all(self) -> None:
        self.select_clips(self.clip_items)

    def selected_transition(self):
        """The dissolve selected on its own (the inspector edits its length), or None."""
        chosen = [i for i in self.scene().selectedItems() if isinstance(i, TransitionItem)]
        return chosen[0].transition if len(chosen) == 1 and not self.selected_clip_ids() else None

    def _on_scene_selection_changed(self) -> None:
        self.selection_changed.emit(self.selected_clip_ids())
        self.transition_selected.emit(self.selected_transition())

    # playhead and zoom ------------------------------------------------------------------------------------
    def set_playhead(self, frame: int, follow: bool = True) -> None:
        old_x = self.mapFromScene(self.geometry_.x(self.playhead), 0).x()
        moved, self.playhead = frame != self.playhead, frame
        x = self.geometry_.x(frame)
        new_x = self.mapFromScene(x, 0).x()
        height = self.viewport().height()
        for vx in (old_x, new_x) if moved else ():  # where it stays it is drawn already
            self.viewport().update(QtCore.QRect(vx - 8, 0, 16, height))
        if follow and not self._scrubbing and not 0 <= new_x < self.viewport().width():
            self.horizontalScrollBar().setValue(int(x - self.viewport().width() * 0.1))

    def set_zoom(self, px_per_frame: float, anchor_view_x: Optional[float] = None) -> None:
        """Zoom keeping the frame under `anchor_view_x` (the mouse, or the playhead) where it is."""
        px_per_frame = max(MIN_PX_PER_FRAME, min(MAX_PX_PER_FRAME, px_per_frame))
        self._fit_on_resize = False
        if anchor_view_x is None:
            anchor_view_x = self.mapFromScene(self.geometry_.x(self.playhead), 0).x()
        anchor_frame = self.mapToScene(int(anchor_view_x), 0).x() / self.geometry_.px_per_frame
        self.geometry_.px_per_frame = px_per_frame
        self.relayout()
        self.horizontalScrollBar().setValue(int(anchor_frame * px_per_frame - anchor_view_x))
        self.zoom_changed.emit(px_per_frame)

    def zoom_by(self, factor: float, anchor_view_x: Optional[float] = None) -> None:
        self.set_zoom(self.geometry_.px_per_frame * factor, anchor_view_x)

    def fit_until_zoomed(self) -> None:
        """Fit the whole timeline now and on every resize until the person zooms (a newly opened project)."""
        self._fit_on_resize = True
        self.zoom_to_fit()

    def zoom_to_fit(self) -> None:
        duration = self.info.duration_frames if self.info else 0
        if duration > 0:
            self.geometry_.px_per_frame = max(MIN_PX_PER_FRAME, min(
                MAX_PX_PER_FRAME, (self.viewport().width() - 24) / duration))
            self.relayout()
            self.horizontalScrollBar().setValue(0)
            self.zoom_changed.emit(self.geometry_.px_per_frame)

    # hit testing ------------------------------------------------------------------------------------------
    def frame_at(self, view_x: float) -> int:
        return max(0, self.geometry_.frame(self.mapToScene(int(view_x), 0).x()))

    def clip_item_at(self, view_pos: QtCore.QPoint) -> Optional[ClipItem]:
        for item in self.items(view_pos):
            if isinstance(item, ClipItem):
                return item
        return None

    def cut_at(self, view_pos: QtCore.QPoint) -> Optional[tuple[ClipItem, ClipItem]]:
        """The two adjacent clips whose shared cut is within grabbing distance of the point."""
        scene = self.mapToScene(view_pos)
        track_id = self.geometry_.track_at(scene.y())
        if track_id is None or self.info is None:
            return None
        clips = sorted(self.info.track(track_id).clips, key=lambda c: c.start_frame)
        for left, right in zip(clips, clips[1:]):
            if left.end_frame == right.start_frame and \
                    abs(self.geometry_.x(right.start_frame) - scene.x()) <= CUT_GRAB_PX:
                return self.clip_items[left.id], self.clip_items[right.id]
        return None

    def snap_index(self, exclude: set[str] = frozenset()) -> SnapIndex:
        frames = [0, self.playhead]
        if self.info is not None:
            for clip in self.info.clips():
                if clip.id not in exclude:
                    frames += [clip.start_frame, clip.end_frame]
            frames += [m.frame for m in self.info.markers]
        return SnapIndex(frames)

    # mouse ------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position().toPoint()
        if event.button() != QtCore.Qt.LeftButton:
            super().mousePressEvent(event)
            return
        if pos.y() < RULER_HEIGHT:
            self._press_ruler(pos)
            return
        self.select_markers([])
        transition = next((i for i in self.items(pos) if isinstance(i, TransitionItem)), None)
        if transition is not None:  # a dissolve is picked on its own: the inspector edits its length
            self.scene().clearSelection()
            transition.setSelected(True)
            return
        self._gesture = self._start_gesture(event, pos)
        if self._gesture is None:
            self.setDragMode(QtWidgets.QGraphicsView.RubberBandDrag)
            super().mousePressEvent(event)

    def _start_gesture(self, event: QtGui.QMouseEvent, pos: QtCore.QPoint) -> Optional[Gesture]:
        shift = bool(event.modifiers() & QtCore.Qt.ShiftModifier)
        alt = bool(event.modifiers() & QtCore.Qt.AltModifier)
        ripple = self.tool == "ripple" or alt
        scene_x = self.mapToScene(pos).x()
        cut = self.cut_at(pos) if self.tool == "roll" else None
        if cut is not None:
            return RollGesture(cut[0], cut[1], self.geometry_, scene_x, self.snap_index({c.clip_id for c in cut}),
                               self.snapping)
        item = self.clip_item_at(pos)
        if item is None:
            return None
        self._select_on_press(item, shift)
        snaps = self.snap_index(set(self.selected_clip_ids()))
        if self.tool == "slip":
            return SlipGesture(item, self.geometry_, scene_x, snaps)
        edge = item.edge_at(item.mapFromScene(self.mapToScene(pos)).x())
        if edge is not None and (self.tool == "extend" or (alt and self.tool == "select")):
            # an Alt-drag is a ripple trim that may go on past the media: what lies past it is generated
            return ExtendGesture(item, self.geometry_, scene_x, snaps, edge, self.snapping)
        if edge is not None:
            return TrimGesture(item, self.geometry_, scene_x, snaps, edge, ripple, self.snapping)
        moving = [self.clip_items[i] for i in self.selected_clip_ids()]
        return MoveGesture(moving, self.geometry_, scene_x, snaps, item, item.clip.track_id, self.snapping)

    def _select_on_press(self, item: ClipItem, shift: bool) -> None:
        if shift:
            item.setSelected(not item.isSelected())
            if not item.isSelected():
                item.setSelected(True)  # shift-click on a selected clip keeps it grabbed for the drag
        elif not item.isSelected():
            self.select_clips([item.clip_id])

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._scrubbing:
            self.seek_requested.emit(self.frame_at(pos.x()))
            return
        if self._marker_drag is not None:
            self._drag_marker_to(pos)
            return
        if self._gesture is not None:
            scene = self.mapToScene(pos)
            self._gesture.update(scene.x(), self.geometry_.track_at(scene.y()))
            self.viewport().update()
            return
        self._update_cursor(pos)
        super().mouseMoveEvent(event)

    def _update_cursor(self, pos: QtCore.QPoint) -> None:
        item = self.clip_item_at(pos) if pos.y() >= RULER_HEIGHT else None
        shape = QtCore.Qt.ArrowCursor
        if self.tool == "roll" and self.cut_at(pos):
            shape = QtCore.Qt.SplitHCursor
        elif item is not None and self.tool == "slip":
            shape = QtCore.Qt.SizeHorCursor
        elif item is not None and item.edge_at(item.mapFromScene(self.mapToScene(pos)).x()):
            shape = QtCore.Qt.SizeHorCursor
        self.viewport().setCursor(shape)

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        if self._scrubbing:
            self._scrubbing = False
            return
        if self._marker_drag is not None:
            self._drop_marker()
            return
        gesture, self._gesture = self._gesture, None
        if gesture is not None:
            intent = gesture.intent()
            gesture.restore()  # the document decides; the next set_timeline shows the result
            self.viewport().update()
            if intent is not None:
                self.edit_requested.emit(intent)
            return
        super().mouseReleaseEvent(event)
        self.setDragMode(QtWidgets.QGraphicsView.NoDrag)

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        marker = self.marker_at(event.position().toPoint())
        if marker is not None:
            self.edit_marker_name(marker)
            return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event: QtGui.QContextMenuEvent) -> None:
        item = self.clip_item_at(event.pos())
        cut = self.cut_at(event.pos())
        if item is not None and not item.isSelected():
            self.select_clips([item.clip_id])
        cut_ids = (cut[0].clip_id, cut[1].clip_id) if cut else None
        self.context_menu_requested.emit(item.clip_id if item else None, cut_ids, event.globalPos())

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.angleDelta().x()
        if event.modifiers() & QtCore.Qt.ControlModifier:
            self.zoom_by(1.25 ** (delta / 120), event.position().x())
        elif event.modifiers() & QtCore.Qt.ShiftModifier:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() - delta)
        else:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - delta)
        event.accept()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit_on_resize:
            self.zoom_to_fit()
        self._update_scene_rect()

    # painting ---------------------------------------------------------------------------------------------
    def drawBackground(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        painter.fillRect(rect, QtGui.QColor("#17181b"))
        for track in self.ordered_tracks():
            top, height = self.geometry_.rows[track.id]
            band = QtCore.QRectF(rect.left(), top, rect.width(), height)
            colour = "#1b1c20" if track.kind == "video" else "#191b1d"
            painter.fillRect(band, QtGui.QColor("#141518" if track.hidden or track.muted else colour))
            painter.setPen(QtGui.QColor("#0f1012"))
            painter.drawLine(QtCore.QLineF(rect.left(), top + height - 0.5, rect.right(), top + height - 0.5))

    def drawForeground(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        painter.save()
        painter.resetTransform()  # draw in viewport pixels: the ruler stays on top while scrolling
        width = self.viewport().width()
        self._paint_ruler(painter, width)
        self._paint_marker_flags(painter)
        for frame, colour in ((self._drop_frame, "#58c98a"), (self.playhead, "#ff5b5b")):
            if frame is None:
                continue
            x = self.mapFromScene(self.geometry_.x(frame), 0).x()
            painter.setPen(QtGui.QPen(QtGui.QColor(colour), 1.5))
            painter.drawLine(QtCore.QLineF(x + 0.5, 0, x + 0.5, self.viewport().height()))
            if frame == self.playhead:
                painter.setBrush(QtGui.QColor(colour))
                painter.drawPolygon(QtGui.QPolygonF([QtCore.QPointF(x - 6, 0), QtCore.QPointF(x + 7, 0),
                                                     QtCore.QPointF(x + 0.5, 9)]))
        gesture = self._gesture
        if gesture is not None and gesture.snapped_to is not None:
            x = self.mapFromScene(self.geometry_.x(gesture.snapped_to), 0).x()
            painter.setPen(QtGui.QPen(QtGui.QColor("#ffd24a"), 1, QtCore.Qt.DashLine))
            painter.drawLine(QtCore.QLineF(x + 0.5, RULER_HEIGHT, x + 0.5, self.viewport().height()))
        painter.restore()
