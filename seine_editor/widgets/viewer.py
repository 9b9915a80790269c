"""The viewer: shows the composited timeline, plays it at its rate, scrubs, marks in/out.

Playback follows a clock, not a frame counter: each tick shows the frame the clock says is due, so a slow frame
is dropped instead of making the picture drift behind the sound. While sound plays (forwards at 1×) the clock is
the audio device's (`AudioPlayback`); otherwise, and without a device, it is the wall clock. Frames come from `FrameSource` (a worker
thread with a cache around the playhead); the UI thread only paints.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Optional, Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.widgets.resources import icon
from seine_editor.timeline.time import timecode
from seine_editor.widgets.audio_playback import AudioPlayback, MixerFactory
from seine_editor.widgets.frame_source import FrameSource, RenderFactory

PREFETCH_FRAMES = 24
SHUTTLE_SPEEDS = (1, 2, 4, 8)


class ViewerCanvas(QtWidgets.QWidget):
    """The picture, letterboxed in black, with an optional title/action safe-area overlay."""

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QtWidgets.QSizePolicy.Expanding, QtWidgets.QSizePolicy.Expanding)
        self._image: Optional[QtGui.QImage] = None
        self._aspect = 16 / 9
        self._message = ""
        self.safe_area = False

    def set_aspect(self, width: int, height: int) -> None:
        aspect = width / max(1, height)
        if aspect != self._aspect:  # asked after every edit: the picture is drawn again only when its shape changed
            self._aspect = aspect
            self.update()

    def set_image(self, image: Optional[QtGui.QImage]) -> None:
        self._image, self._message = image, ""
        self.update()

    def set_message(self, text: str) -> None:
        self._message = text
        self.update()

    def image(self) -> Optional[QtGui.QImage]:
        return self._image

    def picture_rect(self) -> QtCore.QRectF:
        w, h = self.width(), self.height()
        if w / max(1, h) > self._aspect:
            pw, ph = h * self._aspect, h
        else:
            pw, ph = w, w / self._aspect
        return QtCore.QRectF((w - pw) / 2, (h - ph) / 2, pw, ph)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.fillRect(self.rect(), QtGui.QColor("#0b0b0c"))
        rect = self.picture_rect()
        if self._image is not None:
            painter.setRenderHint(QtGui.QPainter.SmoothPixmapTransform)
            painter.drawImage(rect, self._image)
        else:
            painter.fillRect(rect, QtGui.QColor("#000000"))
        if self.safe_area:
            self._paint_safe_area(painter, rect)
        if self._message:
            painter.setPen(QtGui.QColor("#ff8a8a"))
            painter.drawText(rect.adjusted(12, 12, -12, -12), QtCore.Qt.AlignCenter | QtCore.Qt.TextWordWrap,
                             self._message)
        painter.end()

    @staticmethod
    def _paint_safe_area(painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        pen = QtGui.QPen(QtGui.QColor(255, 255, 255, 110), 1, QtCore.Qt.DashLine)
        painter.setPen(pen)
        for fraction in (0.93, 0.90):  # action safe, title safe (SMPTE ST 2046-1)
            dx, dy = rect.width() * (1 - fraction) / 2, rect.height() * (1 - fraction) / 2
            painter.drawRect(rect.adjusted(dx, dy, -dx, -dy))
        c = rect.center()
        painter.drawLine(QtCore.QLineF(c.x() - 10, c.y(), c.x() + 10, c.y()))
        painter.drawLine(QtCore.QLineF(c.x(), c.y() - 10, c.x(), c.y() + 10))


class ScrubBar(QtWidgets.QWidget):
    """A thin ruler under the picture: click or drag to seek; shows in/out marks and cached frames."""

    seek_requested = QtCore.Signal(int)

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.setFixedHeight(22)
        self.setCursor(QtCore.Qt.PointingHandCursor)
        self.duration = 0
        self.position = 0
        self.mark_in: Optional[int] = None
        self.mark_out: Optional[int] = None

    def frame_at(self, x: float) -> int:
        if self.duration <= 0:
            return 0
        return max(0, min(self.duration - 1, int(x / max(1, self.width()) * self.duration)))

    def _x(self, frame: int) -> float:
        return frame / max(1, self.duration) * self.width()

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self.seek_requested.emit(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.buttons() & QtCore.Qt.LeftButton:
            self.seek_requested.emit(self.frame_at(event.position().x()))

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), QtGui.QColor("#16171a"))
        h = self.height()
        if self.mark_in is not None or self.mark_out is not None:
            x0 = self._x(self.mark_in or 0)
            x1 = self._x(self.mark_out + 1 if self.mark_out is not None else self.duration)
            p.fillRect(QtCore.QRectF(x0, 0, x1 - x0, h), QtGui.QColor(61, 126, 255, 60))
        p.setPen(QtGui.QColor("#35383e"))
        steps = max(1, self.width() // 40)
        for i in range(steps + 1):
            x = i * self.width() / steps
            p.drawLine(QtCore.QLineF(x, h - 6, x, h))
        x = self._x(self.position)
        p.setPen(QtGui.QPen(QtGui.QColor("#ff5b5b"), 2))
        p.drawLine(QtCore.QLineF(x, 0, x, h))
        p.end()


class ViewerPanel(QtWidgets.QWidget):
    """Picture + scrub bar + transport. Owns the playback clock; `position_changed` drives the timeline."""

    position_changed = QtCore.Signal(int)
    marks_changed = QtCore.Signal(object, object)  # in frame or None, out frame or None
    note = QtCore.Signal(str)  # a passing remark for the status bar (e.g. no audio device)

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.rate = Fraction(24)
        self.duration = 0
        self.canvas_size: Optional[tuple[int, int]] = None  # the picture size of the timeline shown
        self.position = 0
        self.mark_in: Optional[int] = None
        self.mark_out: Optional[int] = None
        self.speed = 0  # frames of timeline per frame of wall clock; negative plays backwards
        self.frames_shown = 0
        self.frames_dropped = 0
        self._shown_frame: Optional[int] = None
        self._shown_image = None  # the picture on the canvas
        self._clock = QtCore.QElapsedTimer()
        self._clock_origin = (0, 0)  # (frame at start, speed) of the running clock
        self._timer = QtCore.QTimer(self)
        self._timer.setTimerType(QtCore.Qt.PreciseTimer)
        self._timer.timeout.connect(self._on_timer_timeout)
        self.source = FrameSource(self)
        self.source.frame_ready.connect(self._on_source_frame_ready)
        self.source.frame_failed.connect(self._on_source_frame_failed)
        self.audio = AudioPlayback(self)
        self.audio.note.connect(self.note)
        self._build()

    def _build(self) -> None:
        self.canvas = ViewerCanvas(self)
        self.canvas.setObjectName("viewerCanvas")
        self.scrub = ScrubBar(self)
        self.scrub.seek_requested.connect(self.seek)
        self.timecode_label = QtWidgets.QLabel(objectName="timecode")
        self.duration_label = QtWidgets.QLabel(objectName="hint")
        bar = QtWidgets.QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 4)
        bar.addWidget(self.timecode_label)
        bar.addStretch(1)
        self.buttons = {}
        for name, tip, slot in (("mark-in", "Mark in (I)", self.set_mark_in),
                                ("to-start", "Go to start (Home)", self.go_to_start),
                                ("step-back", "Previous frame (Left)", lambda: self.step(-1)),
                                ("play", "Play / pause (Space)", self.toggle_play),
                                ("step-forward", "Next frame (Right)", lambda: self.step(1)),
                                ("to-end", "Go to end (End)", self.go_to_end),
                                ("mark-out", "Mark out (O)", self.set_mark_out)):
            button = QtWidgets.QToolButton(self, icon=icon(name), toolTip=tip, autoRaise=True)
            button.setIconSize(QtCore.QSize(22 if name == "play" else 18, 22 if name == "play" else 18))
            button.clicked.connect(slot)
            self.buttons[name] = button
            bar.addWidget(button)
        bar.addStretch(1)
        self.safe_button = QtWidgets.QToolButton(self, icon=icon("safe-area"), checkable=True, autoRaise=True,
                                                 toolTip="Safe-area overlay")
        self.safe_button.toggled.connect(self.set_safe_area)
        bar.addWidget(self.safe_button)
        bar.addWidget(self.duration_label)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.scrub)
        layout.addLayout(bar)
        self._refresh_labels()

    # timeline ---------------------------------------------------------------------------------------------
    def set_timeline(self, factory: Optional[RenderFactory], *, duration: int, rate: Fraction,
                     size: tuple[int, int], audio: Optional[MixerFactory] = None, audio_rate: int = 48000,
                     changed: Optional[Sequence[tuple[int, int]]] = None) -> None:
        """Show another timeline (or the same one after an edit): cached frames are dropped, those outside the
        ``changed`` ranges kept when given; position kept. `audio` builds the sound mix (on the audio worker) that
        plays along."""
        self.audio.set_mixer(audio, audio_rate)
        if (size, Fraction(rate)) != (self.canvas_size, self.rate):
            changed = None  # another picture size or rate: no cached frame holds
        self.canvas_size = size
        self.rate, self.duration = Fraction(rate), max(0, duration)
        self.scrub.duration = self.duration
        self.canvas.set_aspect(*size)
        self.source.set_renderer(factory, changed)
        self._shown_frame = None
        self.position = min(self.position, max(0, self.duration - 1))
        self._request_display()
        self._refresh_labels()
        if self.playing:
            self._restart_clock(self.position)

    # transport --------------------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.speed != 0

    def play(self, speed: int = 1) -> None:
        if self.duration <= 0 or speed == 0:
            self.stop()
            return
        if self.speed > 0 and self.position >= self.duration - 1:
            self.position = 0
        self.speed = speed
        self._restart_clock(self.position)
        self._timer.start(max(4, int(500 / float(self.rate))))  # twice per frame: a late tick costs < half a frame
        self.buttons["play"].setIcon(icon("pause"))
        self._request_display()

    def stop(self) -> None:
        self.speed = 0
        self._timer.stop()
        self.audio.stop()
        self.buttons["play"].setIcon(icon("play"))
        self._request_display()

    def toggle_play(self) -> None:
        self.stop() if self.playing else self.play(1)

    def shuttle(self, direction: int) -> None:
        """J/L: start or speed up playback that way (1×, 2×, 4×, 8×); K (direction 0) stops."""
        if direction == 0:
            self.stop()
            return
        current = abs(self.speed) if self.speed * direction > 0 else 0
        faster = next((s for s in SHUTTLE_SPEEDS if s > current), SHUTTLE_SPEEDS[-1])
        self.play(direction * faster)

    def seek(self, frame: int) -> None:
        frame = max(0, min(int(frame), max(0, self.duration - 1)))
        if self.playing:
            self._restart_clock(frame)
        self._set_position(frame)

    def step(self, frames: int) -> None:
        self.stop()
        self.seek(self.position + frames)

    def go_to_start(self) -> None:
        self.seek(self.mark_in if self.mark_in is not None and self.position > self.mark_in else 0)

    def go_to_end(self) -> None:
        self.seek(self.duration - 1)

    def set_mark_in(self) -> None:
        self.mark_in = self.position
        if self.mark_out is not None and self.mark_out < self.mark_in:
            self.mark_out = None
        self._marks_changed()

    def set_mark_out(self) -> None:
        self.mark_out = self.position
        if self.mark_in is not None and self.mark_in > self.mark_out:
            self.mark_in = None
        self._marks_changed()

    def clear_marks(self) -> None:
        self.mark_in = self.mark_out = None
        self._marks_changed()

    def set_safe_area(self, shown: bool) -> None:
        self.canvas.safe_area = shown
        self.safe_button.setChecked(shown)
        self.canvas.update()

    def shutdown(self) -> None:
        self.stop()
        self.source.shutdown()

    # internals --------------------------------------------------------------------------------------------
    def _marks_changed(self) -> None:
        self.scrub.mark_in, self.scrub.mark_out = self.mark_in, self.mark_out
        self.scrub.update()
        self.marks_changed.emit(self.mark_in, self.mark_out)

    def _restart_clock(self, frame: int) -> None:
        """Run the clock from `frame`: the audio device's when sound plays forwards at 1×, else the wall's."""
        self._clock_origin = (frame, self.speed)
        self._clock.restart()
        if self.speed == 1:
            self.audio.start(frame, self.duration)
        else:
            self.audio.stop()

    def _due_frame(self) -> int:
        origin, speed = self._clock_origin
        if self.audio.active:
            return origin + math.floor(self.audio.clock_usecs() * float(self.rate) / 1_000_000)
        return origin + math.floor(self._clock.nsecsElapsed() * 1e-9 * float(self.rate) * speed)

    def _on_timer_timeout(self) -> None:
        if self.audio.active:
            self.audio.pump()
            if not self.audio.active:  # the sound failed: go on silently from here on the wall clock
                self._clock_origin = (self.position, self.speed)
                self._clock.restart()
        due = self._due_frame()
        if due >= self.duration or due < 0:
            self._set_position(max(0, min(due, self.duration - 1)))
            self.stop()
            return
        if due != self.position:
            self._set_position(due)

    def _set_position(self, frame: int) -> None:
        changed = frame != self.position
        self.position = frame
        self.scrub.position = frame
        self.scrub.update()
        self._refresh_labels()
        self._request_display()
        if changed:
            self.position_changed.emit(frame)

    def _request_display(self) -> None:
        """Show the frame due now if it is cached; ask the worker for it and for those that follow."""
        if self.duration <= 0:
            self._shown_image = None
            self.canvas.set_image(None)
            return
        image = self.source.cached(self.position)
        if image is not None:
            self._show(self.position, image)
        step = 1 if self.speed >= 0 else -1
        ahead = PREFETCH_FRAMES * max(1, abs(self.speed)) if self.playing else 2
        stride = max(1, abs(self.speed)) if self.playing else 1
        frames = [self.position + step * stride * i for i in range(0, ahead // stride + 1)]
        self.source.want([f for f in frames if 0 <= f < self.duration])

    def _show(self, frame: int, image) -> None:
        if self.playing and self._shown_frame is not None:
            self.frames_dropped += max(0, abs(frame - self._shown_frame) // max(1, abs(self.speed)) - 1)
        self._shown_frame = frame
        self.frames_shown += 1
        if image is not self._shown_image:  # an edit elsewhere keeps the cached picture on screen: not drawn again
            self._shown_image = image
            self.canvas.set_image(image)

    def _on_source_frame_ready(self, frame: int, image) -> None:
        if frame == self.position and frame != self._shown_frame:
            self._show(frame, image)

    def _on_source_frame_failed(self, frame: int, message: str) -> None:
        if frame == self.position:
            self.canvas.set_message(f"Frame {frame} could not be rendered:\n{message}")

    def _refresh_labels(self) -> None:
        _set_steady_text(self.timecode_label, timecode(self.position, self.rate))
        _set_steady_text(self.duration_label, f"  {timecode(self.duration, self.rate)}  ·  {float(self.rate):.3g} fps")


def _set_steady_text(label: QtWidgets.QLabel, text: str) -> None:
    """Show ``text`` in a label sized for the shape of its text, digits aside: a label that changed size would lay out
    the whole window again, and repaint it, on every edit that changes the duration and every frame played."""
    shape = re.sub(r"\d", "0", text)
    sized_for = f"{shape}|{label.font().key()}"  # another font (a theme) sizes it anew too
    if label.property("sized_for") != sized_for:
        label.setText(shape)
        label.setFixedSize(label.sizeHint())
        label.setProperty("sized_for", sized_for)
    label.setText(text)
