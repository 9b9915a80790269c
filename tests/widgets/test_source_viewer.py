"""The source viewer: a bin item double-clicked plays there at the project's rate and size, with I/O marks;
Insert and Overwrite put the marked part at the timeline's playhead."""
from PySide6 import QtCore
from PySide6.QtTest import QTest

from seine_editor.media.synthetic import read_frame_index


def open_in_source(window, qtbot, path):
    window.bin.import_paths([path])
    qtbot.waitUntil(lambda: window.bin.info(path) is not None, timeout=10000)
    item = window.bin.list.item(window.bin.paths().index(path))
    at = window.bin.list.visualItemRect(item).center()
    QTest.mouseClick(window.bin.list.viewport(), QtCore.Qt.LeftButton, pos=at)  # a double-click begins as a click
    QTest.mouseDClick(window.bin.list.viewport(), QtCore.Qt.LeftButton, pos=at)
    return window.source_viewer


def test_double_clicking_a_bin_item_shows_its_exact_frames_in_the_source_viewer(window, qtbot, media, ui):
    source = open_in_source(window, qtbot, media["b"])
    assert source.name.text() == "shot_b.mp4" and window.monitors.currentWidget() is source
    assert window.project.info().clips() == ()  # looking at a file places nothing
    source.viewer.seek(7)
    qtbot.waitUntil(lambda: source.viewer._shown_frame == 7, timeout=10000)
    assert read_frame_index(ui.qimage_array(source.viewer.canvas.image())) == 1007


def test_insert_puts_the_marked_part_at_the_timelines_playhead(window, qtbot, infos, media):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0)
    window.viewer.seek(20)
    source = open_in_source(window, qtbot, media["b"])
    source.viewer.seek(10)
    source.viewer.set_mark_in()
    source.viewer.seek(19)
    source.viewer.set_mark_out()
    QTest.mouseClick(source.insert, QtCore.Qt.LeftButton)
    track = window.project.document.info().track(v1)
    assert [(c.name, c.start_frame, c.duration_frames, c.source_start_frame) for c in track.clips] == [
        ("shot_a.mp4", 0, 20, 0), ("shot_b.mp4", 20, 10, 10), ("shot_a.mp4", 30, 28, 20)]
    assert window.project.undo_stack.undoText() == "Insert 'shot_b.mp4'"
    assert window.monitors.currentWidget() is window.viewer  # the timeline's monitor shows the result


def test_overwrite_without_marks_puts_the_whole_file_over_what_is_there(window, qtbot, infos, media):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0)
    window.viewer.seek(6)
    source = open_in_source(window, qtbot, media["b"])
    QTest.mouseClick(source.overwrite, QtCore.Qt.LeftButton)
    track = window.project.document.info().track(v1)
    assert [(c.name, c.start_frame, c.duration_frames) for c in track.clips] == [
        ("shot_a.mp4", 0, 6), ("shot_b.mp4", 6, 36), ("shot_a.mp4", 42, 6)]
