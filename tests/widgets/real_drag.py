"""Run by test_real_drag.py in a process of its own on Qt's `minimal` platform, where `QDrag.exec()` runs for real:
a shot is dragged with the mouse from the media bin to frame 12 of V1. Only mouse events are sent; the drag, its
nested event loop and the drop are Qt's. Prints what landed, as JSON."""
import json
import os
import sys
from fractions import Fraction

from PySide6 import QtCore
from PySide6.QtTest import QTest

from seine_editor.app import create_application
from seine_editor.media.synthetic import write_coded_video
from seine_editor.project.project import Project
from seine_editor.timeline.otio_io import TimelineSettings
from seine_editor.widgets.main_window import MainWindow


def main(folder: str) -> None:
    shot = str(write_coded_video(os.path.join(folder, "shot.mp4"), frames=24, width=160, height=120,
                                 fps=Fraction(24)))
    app = create_application()
    window = MainWindow(settings_scope=os.path.join(folder, "settings.ini"), interactive=False)
    window.set_project(Project.new(TimelineSettings(width=160, height=120, fps=Fraction(24))))
    window.bin.proxies_enabled = False
    window.resize(1280, 800)
    window.show()
    QTest.qWaitForWindowExposed(window)
    window.bin.import_paths([shot])
    deadline = QtCore.QDeadlineTimer(10000)
    while window.bin.info(shot) is None and not deadline.hasExpired():
        app.processEvents(QtCore.QEventLoop.AllEvents, 50)
    bin_list, view = window.bin.list, window.timeline.view
    start = bin_list.viewport().mapTo(window, bin_list.visualItemRect(bin_list.item(0)).center())
    view.set_zoom(4.0, 0)
    view.horizontalScrollBar().setValue(0)
    top, height = view.geometry_.rows[window.project.document.track_ids("video")[0]]
    target = view.viewport().mapTo(window, view.mapFromScene(QtCore.QPointF(view.geometry_.x(12), top + height / 2)))
    handle = window.windowHandle()
    drops = []
    view.media_dropped.connect(lambda paths, track, frame: drops.append(frame))

    def carry_and_release():  # runs inside QDrag.exec()'s own event loop
        for step in range(1, 11):
            QTest.mouseMove(handle, start + (target - start) * step / 10)
            app.processEvents()
        QTest.mouseRelease(handle, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier, target)

    QtCore.QTimer.singleShot(300, carry_and_release)
    QTest.mousePress(handle, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier, start)
    for step in range(1, 6):  # past the drag distance: the list starts a real drag
        QTest.mouseMove(handle, start + QtCore.QPoint(step * 8, 0))
    clips = [(c.name, c.start_frame, c.duration_frames) for c in window.project.info().clips()]
    print(json.dumps({"drops": drops, "clips": clips, "undo": window.project.undo_stack.undoText()}))
    window.shutdown()


if __name__ == "__main__":
    main(sys.argv[1])
