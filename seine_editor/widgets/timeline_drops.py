"""Drops on the timeline: media from the bin or a file manager (a green line shows where it lands, snapped), and
transitions from the palette onto a cut. The view only reports them as intents (`media_dropped`,
`transition_dropped`); the main window makes the edit."""
from __future__ import annotations

from PySide6 import QtCore, QtGui

MEDIA_MIME = "application/x-seine-media-paths"  # newline-separated paths, from the media bin
DROP_SNAP_PX = 12  # a drop snaps from further than a drag: the pointer is all that places it
TRANSITION_MIME = "application/x-seine-transition"  # "dissolve", "generative" or "engine:NAME", from the palette


class TimelineDropsMixin:
    """Drag-and-drop handlers of `TimelineView` (which provides cut_at, frame_at, snap_index and the signals).
    `dropped_length(paths)` says how many frames dropped media will take (None: not known yet); the main window
    answers it with the rule that places them."""

    dropped_length = staticmethod(lambda _paths: None)

    # drops ------------------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasFormat(MEDIA_MIME) or mime.hasFormat(TRANSITION_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QtGui.QDragMoveEvent) -> None:
        pos = event.position().toPoint()
        if event.mimeData().hasFormat(TRANSITION_MIME):
            ok = self.cut_at(pos) is not None
            event.setAccepted(ok)
            return
        self._drop_frame = self._drop_at(pos, event.mimeData())
        self.viewport().update()
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QtGui.QDragLeaveEvent) -> None:
        self._drop_frame = None
        self.viewport().update()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        pos = event.position().toPoint()
        mime = event.mimeData()
        self._drop_frame = None
        if mime.hasFormat(TRANSITION_MIME):
            cut = self.cut_at(pos)
            if cut is None:
                event.ignore()
                return
            kind = bytes(mime.data(TRANSITION_MIME)).decode()
            event.acceptProposedAction()
            self.transition_dropped.emit(kind, cut[0].clip_id, cut[1].clip_id)
            return
        paths = dropped_paths(mime)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        track_id = self.geometry_.track_at(self.mapToScene(pos).y())
        self.media_dropped.emit(paths, track_id, self._drop_at(pos, mime))

    def _drop_at(self, pos: QtCore.QPoint, mime: QtCore.QMimeData) -> int:
        """Where dropped media starts: under the pointer, its in or its out snapped to 0, a cut, a marker or the
        playhead when one is near."""
        frame = self.frame_at(pos.x())
        if not self.snapping:
            return frame
        length = self.dropped_length(dropped_paths(mime))
        anchors = (0, length) if length else (0,)
        delta, _ = self.snap_index().snap_anchors(0, [frame + a for a in anchors], self.geometry_.px_per_frame,
                                                 DROP_SNAP_PX)
        return max(0, frame + delta)


def dropped_paths(mime: QtCore.QMimeData) -> list[str]:
    """Local file paths carried by a drag: our own media list, or file-manager URLs."""
    if mime.hasFormat(MEDIA_MIME):
        return [p for p in bytes(mime.data(MEDIA_MIME)).decode().splitlines() if p]
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
