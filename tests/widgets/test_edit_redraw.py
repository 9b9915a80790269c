"""What an edit redraws in the window: only what it changed. A clip a ripple only moved keeps its drawn picture, and
no edit lays the window out again (which repaints every panel)."""
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from seine_editor.widgets.timeline_items import ClipItem


def _three_shots(window, infos):
    """Shots A, B, A on V1 zoomed out to slivers 2-3 pixels wide whose edges fall between pixels (a long timeline
    in view), the window settled."""
    v1 = window.project.document.track_ids("video")[0]
    for frame, name in ((0, "a"), (48, "b"), (84, "a")):
        window.project.add_clip(infos[name], v1, frame)
    window.timeline.view.set_zoom(0.0537, 0)
    QTest.qWait(300)  # the docks' layout animation after the window first showed
    return v1


class _LayoutRequests(QtCore.QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event) -> bool:
        self.count += event.type() == QtCore.QEvent.LayoutRequest
        return False


def test_a_ripple_draws_no_clip_it_only_moved_again(window, infos, monkeypatch):
    drawn = []
    paint = ClipItem.paint  # replaced before any item is made: PySide looks an override up once per item
    monkeypatch.setattr(ClipItem, "paint",
                        lambda item, *args: drawn.append(item.clip.start_frame) or paint(item, *args))
    v1 = _three_shots(window, infos)
    window.timeline.view.viewport().repaint()
    assert sorted(drawn) == [0, 48, 84]
    drawn.clear()
    window.project.delete_clips([window.project.info().track(v1).clips[0].id], ripple=True)
    window.timeline.view.viewport().repaint()
    assert [c.start_frame for c in window.project.info().track(v1).clips] == [0, 36]
    assert drawn == []


def test_an_edit_that_changes_the_duration_lays_out_no_part_of_the_window(window, infos):
    v1 = _three_shots(window, infos)
    requests = _LayoutRequests()
    for widget in [window, *window.findChildren(QtWidgets.QWidget)]:
        widget.installEventFilter(requests)
    window.project.delete_clips([window.project.info().track(v1).clips[0].id], ripple=True)
    QtWidgets.QApplication.processEvents()
    assert window.viewer.duration_label.text() == "  00:00:03:12  ·  24 fps"
    assert requests.count == 0


def test_the_toolbars_undo_and_redo_undo_and_redo_the_last_edit(window, infos):
    v1 = _three_shots(window, infos)
    bar = window.findChild(QtWidgets.QToolBar, "toolbar_main")
    undo, redo = (next(a for a in bar.actions() if a.text() == text) for text in ("Undo", "Redo"))
    assert (undo.isEnabled(), redo.isEnabled()) == (True, False)
    window.project.delete_clips([window.project.info().track(v1).clips[0].id], ripple=True)
    QTest.mouseClick(bar.widgetForAction(undo), QtCore.Qt.LeftButton)
    assert len(window.project.info().track(v1).clips) == 3
    assert redo.isEnabled()
    QTest.mouseClick(bar.widgetForAction(redo), QtCore.Qt.LeftButton)
    assert len(window.project.info().track(v1).clips) == 2
    assert undo.toolTip() == "Undo (Ctrl+Z)"


def test_a_small_change_of_duration_leaves_the_scroll_range_which_still_reaches_past_the_end(window, infos):
    v1 = _three_shots(window, infos)
    view = window.timeline.view
    view.set_zoom(4.0, 0)
    scroll = view.horizontalScrollBar()
    before = scroll.maximum()
    window.project.trim_clip(window.project.info().track(v1).clips[-1].id, "tail", -2)
    assert scroll.maximum() == before
    assert view.sceneRect().width() >= view.geometry_.x(window.project.info().duration_frames) + \
        view.viewport().width()
