"""The timeline dock: a tool strip, track headers (name, hide/mute, lock, remove, height) and add-track buttons
beside the `TimelineView`."""
from __future__ import annotations

from typing import Optional

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.widgets.resources import icon
from seine_editor.timeline.snapshot import TrackInfo
from seine_editor.widgets.timeline_items import RULER_HEIGHT, ThumbnailProvider
from seine_editor.widgets.timeline_view import TimelineView

HEADER_WIDTH = 150
TOOLS = (("select", "select", "Select and move (V)"), ("ripple", "ripple", "Ripple trim (B)"),
         ("roll", "roll", "Roll edit (N)"), ("slip", "slip", "Slip (Y)"),
         ("extend", "generate", "Generative extend (E): drag a clip's end past its media"))


class TrackHeader(QtWidgets.QFrame):
    """One track's controls. Dragging its bottom edge resizes the track."""

    flag_toggled = QtCore.Signal(str, str, bool)  # track id, "hidden"|"muted"|"locked", value
    resize_dragged = QtCore.Signal(str, int)  # track id, new height
    remove_requested = QtCore.Signal(str)  # track id

    def __init__(self, track: TrackInfo, height: int, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.track = track
        self.setFixedHeight(height)
        self.setMouseTracking(True)
        self.setStyleSheet("TrackHeader { background: #202226; border-bottom: 1px solid #0f1012; }")
        name = QtWidgets.QLabel(track.name or track.id[:6], self)
        name.setStyleSheet("font-weight: 600;")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        layout.addWidget(name, 1)
        self.buttons = {}
        flag = "hidden" if track.kind == "video" else "muted"
        for key, icon_name, tip in ((flag, "eye" if flag == "hidden" else "speaker",
                                     "Hide track" if flag == "hidden" else "Mute track"), ("locked", "lock", "Lock track")):
            button = QtWidgets.QToolButton(self, icon=icon(icon_name), checkable=True, autoRaise=True, toolTip=tip)
            button.setChecked(getattr(track, key))
            button.toggled.connect(lambda on, k=key: self.flag_toggled.emit(self.track.id, k, on))
            self.buttons[key] = button
            layout.addWidget(button)
        remove = QtWidgets.QToolButton(self, icon=icon("remove-track"), autoRaise=True,
                                       toolTip=f"Remove track {track.name or ''} and its clips (undoable)")
        remove.clicked.connect(lambda: self.remove_requested.emit(self.track.id))
        self.buttons["remove"] = remove
        layout.addWidget(remove)
        self._resize_from: Optional[tuple[float, int]] = None

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.position().y() >= self.height() - 5:
            self._resize_from = (event.globalPosition().y(), self.height())

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        near_edge = event.position().y() >= self.height() - 5
        self.setCursor(QtCore.Qt.SizeVerCursor if near_edge or self._resize_from else QtCore.Qt.ArrowCursor)
        if self._resize_from is not None:
            start_y, start_height = self._resize_from
            self.resize_dragged.emit(self.track.id, int(start_height + event.globalPosition().y() - start_y))

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        self._resize_from = None


class TimelinePanel(QtWidgets.QWidget):
    """Headers + view, kept in vertical sync; the tool strip sets the view's tool, snapping and zoom."""

    track_flag_toggled = QtCore.Signal(str, str, bool)
    track_add_requested = QtCore.Signal(str)  # "video" or "audio"
    track_remove_requested = QtCore.Signal(str)  # track id

    def __init__(self, thumbnails: Optional[ThumbnailProvider] = None, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.view = TimelineView(self, thumbnails)
        self._headers = QtWidgets.QWidget()
        self._headers_layout = QtWidgets.QVBoxLayout(self._headers)
        self._headers_shown = None  # what the headers were built from
        self._headers_layout.setContentsMargins(0, 0, 0, 0)
        self._headers_layout.setSpacing(0)
        self._header_scroll = QtWidgets.QScrollArea(self)
        self._header_scroll.setWidget(self._headers)
        self._header_scroll.setWidgetResizable(True)
        self._header_scroll.setFixedWidth(HEADER_WIDTH)
        self._header_scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self._header_scroll.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarAlwaysOff)
        self._header_scroll.setFrameShape(QtWidgets.QFrame.NoFrame)
        self.view.verticalScrollBar().valueChanged.connect(self._header_scroll.verticalScrollBar().setValue)
        self.tool_buttons: dict[str, QtWidgets.QToolButton] = {}
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._build_strip())
        column = QtWidgets.QVBoxLayout()
        column.setSpacing(0)
        column.addWidget(self._build_add_bar())  # beside the ruler: the headers below line up with the tracks
        column.addWidget(self._header_scroll, 1)
        row = QtWidgets.QHBoxLayout()
        row.setSpacing(0)
        row.addLayout(column)
        row.addWidget(self.view, 1)
        layout.addLayout(row, 1)

    def _build_strip(self) -> QtWidgets.QWidget:
        strip = QtWidgets.QToolBar(self)
        strip.setIconSize(QtCore.QSize(16, 16))
        group = QtGui.QActionGroup(self)
        for key, icon_name, tip in TOOLS:
            action = QtGui.QAction(icon(icon_name), tip, self, checkable=True)
            action.setChecked(key == "select")
            action.triggered.connect(lambda _=False, k=key: self.set_tool(k))
            group.addAction(action)
            strip.addAction(action)
            self.tool_buttons[key] = action
        strip.addSeparator()
        self.snap_action = QtGui.QAction(icon("snap"), "Snapping (S toggles in the View menu)", self, checkable=True)
        self.snap_action.setChecked(True)
        self.snap_action.toggled.connect(self.set_snapping)
        strip.addAction(self.snap_action)
        strip.addSeparator()
        for icon_name, tip, slot in (("zoom-out", "Zoom out (-)", lambda: self.view.zoom_by(1 / 1.5)),
                                     ("zoom-in", "Zoom in (+)", lambda: self.view.zoom_by(1.5)),
                                     ("zoom-fit", "Zoom to fit (Shift+Z)", self.view.zoom_to_fit)):
            strip.addAction(icon(icon_name), tip, slot)
        return strip

    def _build_add_bar(self) -> QtWidgets.QWidget:
        bar = QtWidgets.QWidget(self)
        bar.setFixedSize(HEADER_WIDTH, RULER_HEIGHT + self.view.frameWidth())  # the view's frame, too
        layout = QtWidgets.QHBoxLayout(bar)
        layout.setContentsMargins(4, 0, 4, 0)
        self.add_buttons: dict[str, QtWidgets.QToolButton] = {}
        for kind, text in (("video", "Video"), ("audio", "Audio")):
            button = QtWidgets.QToolButton(bar, icon=icon("add-track"), text=text, autoRaise=True,
                                           toolButtonStyle=QtCore.Qt.ToolButtonTextBesideIcon,
                                           toolTip=f"Add a {kind} track")
            button.clicked.connect(lambda _=False, k=kind: self.track_add_requested.emit(k))
            self.add_buttons[kind] = button
            layout.addWidget(button)
        layout.addStretch(1)
        return bar

    def headers(self) -> list["TrackHeader"]:
        found = (self._headers_layout.itemAt(i).widget() for i in range(self._headers_layout.count()))
        return [h for h in found if isinstance(h, TrackHeader)]

    def set_tool(self, tool: str) -> None:
        self.view.tool = tool
        self.tool_buttons[tool].setChecked(True)

    def set_snapping(self, on: bool) -> None:
        self.view.snapping = on
        if self.snap_action.isChecked() != on:
            self.snap_action.setChecked(on)

    def set_timeline(self, info) -> None:
        self.view.set_timeline(info)
        shown = tuple((t.id, t.name, t.kind, t.muted, t.hidden, t.locked, self.view.geometry_.rows[t.id])
                      for t in self.view.ordered_tracks())
        if shown != self._headers_shown:  # most edits change clips only
            self._rebuild_headers()
            self._headers_shown = shown

    def _rebuild_headers(self) -> None:
        while self._headers_layout.count():
            widget = self._headers_layout.takeAt(0).widget()
            if widget is not None:
                widget.hide()  # at once: deleteLater waits for the event loop
                widget.setParent(None)
                widget.deleteLater()
        for track in self.view.ordered_tracks():
            height = int(self.view.geometry_.rows[track.id][1])
            header = TrackHeader(track, height, self._headers)
            header.flag_toggled.connect(self.track_flag_toggled)
            header.remove_requested.connect(self.track_remove_requested)
            header.resize_dragged.connect(self._on_header_resize_dragged)
            self._headers_layout.addWidget(header)
        self._headers_layout.addStretch(1)

    def _on_header_resize_dragged(self, track_id: str, height: int) -> None:
        self.view.set_track_height(track_id, height)
        for i in range(self._headers_layout.count()):
            header = self._headers_layout.itemAt(i).widget()
            if isinstance(header, TrackHeader):
                header.setFixedHeight(int(self.view.geometry_.rows[header.track.id][1]))
