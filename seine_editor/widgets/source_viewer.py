"""The source viewer (Kdenlive's clip monitor, Shotcut's source player): one file from the bin, played and marked
with I/O before it goes on the timeline. Insert and Overwrite place the marked part at the timeline's playhead.

It plays the file through the same compositor as the timeline, as the one clip of a scratch timeline at the
project's rate and size, so what it shows is exactly what the timeline will show of it."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Optional

from PySide6 import QtCore, QtWidgets

from seine_editor.media.info import MediaInfo
from seine_editor.widgets.elided_label import ElidedLabel
from seine_editor.widgets.viewer import ViewerPanel


class SourceViewer(QtWidgets.QWidget):
    """``place_requested(media, source_start, duration, mode)``: the marked part (mode "insert" or "overwrite")."""

    place_requested = QtCore.Signal(object, int, int, str)

    def __init__(self, compositors, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self._compositors = compositors  # a `ViewerCompositors` of its own: its decoders are its own
        self.media: Optional[MediaInfo] = None
        self.viewer = ViewerPanel(self)
        self.name = ElidedLabel("Double-click an item in the media bin to see it here")
        self.name.setObjectName("hint")
        self.insert = QtWidgets.QPushButton("Insert", toolTip="Put the marked part at the timeline's playhead, "
                                                              "pushing what is there along")
        self.overwrite = QtWidgets.QPushButton("Overwrite", toolTip="Put the marked part at the timeline's "
                                                                    "playhead, over what is there")
        self.insert.clicked.connect(lambda: self._place("insert"))
        self.overwrite.clicked.connect(lambda: self._place("overwrite"))
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 4)
        row.addWidget(self.name, 1)
        row.addWidget(self.insert)
        row.addWidget(self.overwrite)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.viewer, 1)
        layout.addLayout(row)
        self._frames = 0
        self._enable()

    def show_media(self, media: MediaInfo, rate: Fraction, size: tuple[int, int], preview: tuple[int, int],
                   audio_rate: int, still_frames: int, cache_dir=None) -> None:
        """Show ``media`` as the timeline would (``rate``, ``size``; composited at ``preview``); marks cleared."""
        from seine_editor.render.plan import plan_of
        from seine_editor.timeline.clip_factory import media_length_frames
        from seine_editor.timeline.document import TimelineDocument

        self.media = media
        document = TimelineDocument(rate=rate)
        kind = "audio" if media.kind == "audio" else "video"
        self._frames = still_frames if media.kind == "image" else media_length_frames(media, rate)
        document.insert_clip(media, document.track_ids(kind)[0], 0, duration_frames=self._frames)
        snapshot = document.render_snapshot()
        self.viewer.clear_marks()
        self.viewer.seek(0)

        def mixer():
            from seine_editor.render.audio import AudioMixer

            return AudioMixer(plan_of(snapshot), rate=audio_rate)

        self.viewer.set_timeline(self._compositors.factory(snapshot, preview, cache_dir), duration=self._frames,
                                 rate=rate, size=size, audio=mixer, audio_rate=audio_rate)
        self.name.setText(Path(media.path).name)
        self._enable()

    def marked(self) -> tuple[int, int]:
        """(source start, duration) in timeline frames: the marked part, or the whole file."""
        first = self.viewer.mark_in or 0
        last = self.viewer.mark_out if self.viewer.mark_out is not None else self._frames - 1
        return first, max(1, last - first + 1)

    def shutdown(self) -> None:
        self.viewer.shutdown()
        self._compositors.close()

    def _place(self, mode: str) -> None:
        if self.media is not None:
            self.place_requested.emit(self.media, *self.marked(), mode)

    def _enable(self) -> None:
        for button in (self.insert, self.overwrite):
            button.setEnabled(self.media is not None)
