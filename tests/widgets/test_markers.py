"""Markers from the timeline: M adds one at the playhead, its flag on the ruler drags to move, Delete removes a
selected one, a double-click names it; each one undo step."""
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

L = QtCore.Qt.LeftButton


@pytest.fixture
def marked(window, infos):
    """Shot A on V1 at 4 px per frame, snapping off (so drags land on the exact frame), a marker at frame 10."""
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0)
    view = window.timeline.view
    view.set_zoom(4.0, 0)
    view.horizontalScrollBar().setValue(0)
    window.timeline.set_snapping(False)
    window.viewer.seek(10)
    QTest.keyClick(window, QtCore.Qt.Key_M)
    return window


def markers(window):
    return [(m.name, m.frame) for m in window.project.document.info().markers]


def flag(window, frame):
    view = window.timeline.view
    return QtCore.QPoint(int(view.mapFromScene(view.geometry_.x(frame), 0).x()), 20)


def undo(window):
    window.actions_by_key["undo"].trigger()


def test_m_adds_a_marker_at_the_playhead_and_undo_takes_it_away(marked):
    assert markers(marked) == [("", 10)]
    undo(marked)
    assert markers(marked) == []


def test_dragging_a_flag_moves_the_marker(marked):
    viewport = marked.timeline.view.viewport()
    QTest.mousePress(viewport, L, QtCore.Qt.NoModifier, flag(marked, 10))
    QTest.mouseMove(viewport, flag(marked, 20))
    QTest.mouseMove(viewport, flag(marked, 30))
    QTest.mouseRelease(viewport, L, QtCore.Qt.NoModifier, flag(marked, 30))
    assert markers(marked) == [("", 30)]
    assert marked.viewer.position == 10  # grabbing a flag is not a scrub
    undo(marked)
    assert markers(marked) == [("", 10)]


def test_delete_removes_the_selected_marker_and_leaves_the_clips(marked):
    QTest.mouseClick(marked.timeline.view.viewport(), L, QtCore.Qt.NoModifier, flag(marked, 10))
    assert marked.timeline.view.selected_marker_ids == {marked.project.document.info().markers[0].id}
    QTest.keyClick(marked, QtCore.Qt.Key_Delete)
    assert markers(marked) == [] and len(marked.project.document.info().clips()) == 1


def test_clicking_the_ruler_away_from_a_flag_deselects_and_seeks(marked):
    viewport = marked.timeline.view.viewport()
    QTest.mouseClick(viewport, L, QtCore.Qt.NoModifier, flag(marked, 10))
    QTest.mouseClick(viewport, L, QtCore.Qt.NoModifier, flag(marked, 40))
    assert marked.timeline.view.selected_marker_ids == set() and marked.viewer.position == 40
    QTest.keyClick(marked, QtCore.Qt.Key_Delete)
    assert markers(marked) == [("", 10)]


def test_double_clicking_a_flag_names_the_marker_in_one_undo_step(marked, qtbot):
    view = marked.timeline.view
    QTest.mouseDClick(view.viewport(), L, QtCore.Qt.NoModifier, flag(marked, 10))
    editor = view.marker_editor
    qtbot.waitUntil(editor.isVisible)
    QTest.keyClicks(editor, "Sunrise")
    before = marked.project.info().markers[0].id
    QTest.keyClick(editor, QtCore.Qt.Key_Return)
    assert markers(marked) == [("Sunrise", 10)]
    assert marked.project.info().markers[0].id == before  # the same marker, renamed
    assert marked.project.undo_stack.text(marked.project.undo_stack.index() - 1) == "Name marker 'Sunrise'"
    undo(marked)
    assert markers(marked) == [("", 10)]


def test_escape_leaves_the_name_as_it_was(marked, qtbot):
    view = marked.timeline.view
    QTest.mouseDClick(view.viewport(), L, QtCore.Qt.NoModifier, flag(marked, 10))
    QTest.keyClicks(view.marker_editor, "Oops")
    QTest.keyClick(view.marker_editor, QtCore.Qt.Key_Escape)
    assert markers(marked) == [("", 10)] and marked.project.undo_stack.count() == 2
