"""Fixtures for driving the editor window like a person: coded media made once per session, a window on a
small project whose frame size equals the media's (so viewer pictures decode to exact frame indices)."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from seine_editor.media.synthetic import write_coded_video

WIDTH, HEIGHT = 160, 120
RED, BLUE = (200, 40, 40), (40, 60, 200)


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    a = write_coded_video(folder / "shot_a.mp4", frames=48, width=WIDTH, height=HEIGHT, fps=Fraction(24), tint=RED,
                          gop=6, bframes=0)
    b = write_coded_video(folder / "shot_b.mp4", frames=36, width=WIDTH, height=HEIGHT, fps=Fraction(24), tint=BLUE,
                          gop=6, bframes=0, first_index=1000)
    bad = folder / "notes.mp4"
    bad.write_text("this is a text file, not a movie")
    return {"a": str(a), "b": str(b), "bad": str(bad)}


@pytest.fixture(scope="session")
def infos(media):
    """Probed once: placing MediaInfo skips a probe per edit."""
    from seine_editor.media.probe import probe

    return {key: probe(path) for key, path in media.items() if key != "bad"}


@pytest.fixture(scope="session")
def themed(qapp):
    from seine_editor.app import apply_theme

    apply_theme(qapp)  # once: re-styling repolishes every live widget
    return qapp


@pytest.fixture
def window(qtbot, tmp_path, themed):
    from seine_editor.project.project import Project
    from seine_editor.timeline.otio_io import TimelineSettings
    from seine_editor.widgets.main_window import MainWindow

    win = MainWindow(settings_scope=str(tmp_path / "settings.ini"), interactive=False)
    qtbot.addWidget(win)
    win.set_project(Project.new(TimelineSettings(width=WIDTH, height=HEIGHT, fps=Fraction(24))))
    win.bin.proxies_enabled = False  # exact-frame tests read the sources; test_proxies turns proxies on
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=2000)  # shortcuts (M, Delete, ...) reach an active window only
    yield win
    win.shutdown()
    win.close()
    win.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)


@pytest.fixture
def ui():
    """Helpers for driving widgets (tests import nothing from conftest under importlib mode)."""
    from types import SimpleNamespace

    return SimpleNamespace(drop_urls=drop_urls, drop_mime=drop_mime, qimage_array=qimage_array)


def qimage_array(image: QtGui.QImage) -> np.ndarray:
    image = image.convertToFormat(QtGui.QImage.Format_RGB888)
    ptr = image.constBits()
    rows = np.frombuffer(ptr, np.uint8, count=image.bytesPerLine() * image.height())
    return rows.reshape(image.height(), image.bytesPerLine())[:, :image.width() * 3].reshape(
        image.height(), image.width(), 3).copy()


def drop_urls(widget, paths, pos: QtCore.QPoint) -> None:
    """What a file manager does: drag enter, move and drop with file URLs."""
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(p) for p in paths])
    drop_mime(widget, mime, pos)


def drop_mime(widget, mime: QtCore.QMimeData, pos: QtCore.QPoint) -> None:
    action = QtCore.Qt.CopyAction
    point = QtCore.QPointF(pos)
    enter = QtGui.QDragEnterEvent(point.toPoint(), action, mime, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier)
    QtCore.QCoreApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "drag was refused on enter"
    move = QtGui.QDragMoveEvent(pos, action, mime, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier)
    QtCore.QCoreApplication.sendEvent(widget, move)
    drop = QtGui.QDropEvent(point, action, mime, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier)
    QtCore.QCoreApplication.sendEvent(widget, drop)
    assert drop.isAccepted(), "drop was refused"
