"""The viewer shows exact timeline frames (decoded from the coded pictures), plays on a clock and obeys keys."""
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

from seine_editor.media.synthetic import read_frame_index, read_tint


@pytest.fixture
def story(window, infos):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0)
    window.project.add_clip(infos["b"], v1, 48)
    return window


def shown_frame(window, qtbot, ui, frame):
    window.viewer.seek(frame)
    qtbot.waitUntil(lambda: window.viewer._shown_frame == frame, timeout=10000)
    return ui.qimage_array(window.viewer.canvas.image())


@pytest.mark.parametrize("frame, source_index", [(0, 0), (5, 5), (47, 47), (48, 1000), (83, 1035)])
def test_each_timeline_frame_shows_its_exact_source_frame(story, qtbot, ui, frame, source_index):
    assert read_frame_index(shown_frame(story, qtbot, ui, frame)) == source_index


def test_the_second_shot_is_the_blue_one(story, qtbot, ui):
    r, g, b = read_tint(shown_frame(story, qtbot, ui, 60))
    assert b > 150 and r < 90


def test_arrow_keys_step_frames_and_home_end_jump(story):
    QTest.keyClick(story, QtCore.Qt.Key_Right)
    QTest.keyClick(story, QtCore.Qt.Key_Right)
    assert story.viewer.position == 2
    QTest.keyClick(story, QtCore.Qt.Key_Left)
    assert story.viewer.position == 1
    QTest.keyClick(story, QtCore.Qt.Key_End)
    assert story.viewer.position == 83
    assert story.viewer.timecode_label.text() == "00:00:03:11"
    QTest.keyClick(story, QtCore.Qt.Key_Home)
    assert story.viewer.position == 0


def test_i_and_o_mark_in_and_out(story):
    story.viewer.seek(10)
    QTest.keyClick(story, QtCore.Qt.Key_I)
    story.viewer.seek(30)
    QTest.keyClick(story, QtCore.Qt.Key_O)
    assert (story.viewer.mark_in, story.viewer.mark_out) == (10, 30)


def test_space_plays_on_the_clock_and_stops_again(story, qtbot):
    QTest.keyClick(story, QtCore.Qt.Key_Space)
    assert story.viewer.playing
    qtbot.waitUntil(lambda: story.viewer.position >= 6, timeout=5000)
    QTest.keyClick(story, QtCore.Qt.Key_Space)
    assert not story.viewer.playing
    assert story.viewer.frames_shown > 0


def test_playback_stops_on_the_last_frame(story, qtbot):
    story.viewer.seek(78)
    story.viewer.play()
    qtbot.waitUntil(lambda: not story.viewer.playing, timeout=5000)
    assert story.viewer.position == 83


def test_l_speeds_up_and_j_reverses_and_k_stops(story):
    QTest.keyClick(story, QtCore.Qt.Key_L)
    assert story.viewer.speed == 1
    QTest.keyClick(story, QtCore.Qt.Key_L)
    assert story.viewer.speed == 2
    QTest.keyClick(story, QtCore.Qt.Key_J)
    assert story.viewer.speed == -1
    QTest.keyClick(story, QtCore.Qt.Key_K)
    assert story.viewer.speed == 0


def test_clicking_the_ruler_moves_the_playhead_of_viewer_and_timeline(story):
    view = story.timeline.view
    view.set_zoom(4.0, 0)
    view.horizontalScrollBar().setValue(0)
    x = view.mapFromScene(QtCore.QPointF(view.geometry_.x(30), 0)).x()
    QTest.mouseClick(view.viewport(), QtCore.Qt.LeftButton, QtCore.Qt.NoModifier, QtCore.QPoint(x, 10))
    assert (story.viewer.position, view.playhead) == (30, 30)


def test_an_edit_is_shown_at_once_in_the_viewer(story, qtbot, ui):
    assert read_frame_index(shown_frame(story, qtbot, ui, 10)) == 10
    story.project.delete_clips([story.timeline.view.info.clips()[0].id])
    qtbot.waitUntil(lambda: story.viewer._shown_frame == 10, timeout=10000)
    assert ui.qimage_array(story.viewer.canvas.image()).max() < 30  # a gap now: black


def test_an_edit_drops_only_the_cached_frames_it_changed(story, qtbot, ui):
    first, _ = story.timeline.view.info.clips()
    for frame in (10, 60):
        shown_frame(story, qtbot, ui, frame)
    story.project.delete_clips([first.id])
    assert story.viewer.source.cached(10) is None
    assert story.viewer.source.cached(60) is not None  # the second shot did not change
    assert shown_frame(story, qtbot, ui, 10).max() < 30  # a gap now: black


def test_a_trim_of_the_second_shot_keeps_the_first_shots_frames(story, qtbot, ui):
    _, second = story.timeline.view.info.clips()
    for frame in (10, 60):
        shown_frame(story, qtbot, ui, frame)
    story.project.trim_clip(second.id, "tail", -2)
    assert story.viewer.source.cached(10) is not None
    assert story.viewer.source.cached(60) is None
