"""Editing on the timeline with the mouse and keyboard, the way a person does it; every edit checked on the
document (exact frames) and undone through the Edit menu."""
import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

L = QtCore.Qt.LeftButton


@pytest.fixture
def edit(window, infos):
    """The window with shot A (48 frames) then shot B (36 frames) on V1, zoomed to 4 px per frame."""
    project = window.project
    v1 = project.document.track_ids("video")[0]
    project.add_clip(infos["a"], v1, 0)
    project.add_clip(infos["b"], v1, 48)
    window.timeline.view.set_zoom(4.0, 0)
    window.timeline.view.horizontalScrollBar().setValue(0)
    return window


def clips(window, track_index=0):
    info = window.project.document.info()
    track = [t for t in info.tracks if t.kind == "video"][track_index]
    return [(c.name, c.start_frame, c.duration_frames, c.source_start_frame) for c in track.clips]


def point(window, frame, track_id=None, dx=0):
    view = window.timeline.view
    track_id = track_id or window.project.document.track_ids("video")[0]
    top, height = view.geometry_.rows[track_id]
    return view.mapFromScene(QtCore.QPointF(view.geometry_.x(frame) + dx, top + height * 0.6))


def drag(window, start, end, modifier=QtCore.Qt.NoModifier):
    viewport = window.timeline.view.viewport()
    QTest.mousePress(viewport, L, modifier, start)
    middle = QtCore.QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    QTest.mouseMove(viewport, middle)
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, L, modifier, end)


def test_media_dragged_from_the_bin_lands_at_the_drop_frame_one_after_another(window, qtbot, media, ui):
    window.bin.import_paths([media["a"], media["b"]])
    qtbot.waitUntil(lambda: None not in (window.bin.info(media["a"]), window.bin.info(media["b"])), timeout=10000)
    view = window.timeline.view
    view.set_zoom(4.0, 0)
    view.horizontalScrollBar().setValue(0)
    mime = window.bin.list.mimeData([window.bin.list.item(0), window.bin.list.item(1)])
    ui.drop_mime(view.viewport(), mime, point(window, 12))
    assert clips(window) == [("shot_a.mp4", 12, 48, 0), ("shot_b.mp4", 60, 36, 0)]
    assert window.project.undo_stack.undoText() == "Add 2 clips"


def _drop_from_bin(window, qtbot, ui, path, frame):
    window.bin.import_paths([path])
    qtbot.waitUntil(lambda: window.bin.info(path) is not None, timeout=10000)
    item = next(window.bin.list.item(i) for i in range(window.bin.list.count())
                if window.bin.list.item(i).toolTip() == path)
    ui.drop_mime(window.timeline.view.viewport(), window.bin.list.mimeData([item]), point(window, frame))


def test_a_drop_near_the_end_of_a_clip_snaps_to_the_cut(edit, qtbot, media, ui):
    edit.viewer.seek(200)
    _drop_from_bin(edit, qtbot, ui, media["b"], 87)  # 3 frames (12 px) after shot B ends at 84
    assert clips(edit)[-1] == ("shot_b.mp4", 84, 36, 0)


def test_a_drop_whose_out_lands_near_a_cut_snaps_its_out_to_it(window, qtbot, infos, media, ui):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 100)
    window.viewer.seek(300)
    _drop_from_bin(window, qtbot, ui, media["b"], 62)  # 36 frames: its out at 98, 2 frames before shot A
    assert clips(window)[0] == ("shot_b.mp4", 64, 36, 0)


def test_a_drop_near_the_start_snaps_to_frame_zero_wherever_the_playhead_is(window, qtbot, infos, media, ui):
    window.project.add_clip(infos["b"], window.project.document.track_ids("video")[0], 60)
    window.viewer.seek(80)
    assert window.timeline.view.playhead == 80
    _drop_from_bin(window, qtbot, ui, media["a"], 2)
    assert clips(window)[0] == ("shot_a.mp4", 0, 48, 0)


def test_files_dropped_from_the_file_manager_onto_the_timeline_are_imported_too(window, media, ui):
    window.timeline.view.set_zoom(4.0, 0)
    ui.drop_urls(window.timeline.view.viewport(), [media["b"]], point(window, 0))
    assert clips(window) == [("shot_b.mp4", 0, 36, 0)]
    assert window.bin.paths() == [media["b"]]


def test_s_splits_the_clip_under_the_playhead_and_edit_undo_redo_restore_the_json(edit, qtbot):
    before = edit.project.document.to_json()
    edit.viewer.seek(10)
    QTest.keyClick(edit, QtCore.Qt.Key_S)
    after = edit.project.document.to_json()
    assert clips(edit) == [("shot_a.mp4", 0, 10, 0), ("shot_a.mp4", 10, 38, 10), ("shot_b.mp4", 48, 36, 0)]
    undo, redo = edit.actions_by_key["undo"], edit.actions_by_key["redo"]
    assert undo.text().startswith("&Undo Split")
    undo.trigger()
    assert edit.project.document.to_json() == before
    redo.trigger()
    assert edit.project.document.to_json() == after


def test_ctrl_k_splits_like_s(edit):
    edit.viewer.seek(60)
    QTest.keyClick(edit, QtCore.Qt.Key_K, QtCore.Qt.ControlModifier)
    assert clips(edit)[1:] == [("shot_b.mp4", 48, 12, 0), ("shot_b.mp4", 60, 24, 12)]


def test_dragging_a_tail_edge_trims_the_clip_and_leaves_a_gap(edit):
    drag(edit, point(edit, 48, dx=-2), point(edit, 40, dx=-2))
    assert clips(edit) == [("shot_a.mp4", 0, 40, 0), ("shot_b.mp4", 48, 36, 0)]


def test_alt_drag_on_an_edge_ripple_trims_and_pulls_the_next_clip(edit):
    drag(edit, point(edit, 48, dx=-2), point(edit, 40, dx=-2), QtCore.Qt.AltModifier)
    assert clips(edit) == [("shot_a.mp4", 0, 40, 0), ("shot_b.mp4", 40, 36, 0)]


def test_a_head_trim_cannot_go_before_the_first_frame_of_the_media(edit):
    drag(edit, point(edit, 48, dx=2), point(edit, 30, dx=2))  # B's head pulled 18 frames left: media has none
    assert clips(edit) == [("shot_a.mp4", 0, 48, 0), ("shot_b.mp4", 48, 36, 0)]


def test_a_moved_clip_snaps_to_the_playhead(edit):
    edit.viewer.seek(70)
    drag(edit, point(edit, 60), point(edit, 60 + 22, dx=-5))  # B's start lands 5 px (1.25 frames) short of 70
    assert clips(edit) == [("shot_a.mp4", 0, 48, 0), ("shot_b.mp4", 70, 36, 0)]


def test_without_snapping_the_clip_lands_where_it_was_dropped(edit):
    edit.timeline.set_snapping(False)
    edit.viewer.seek(70)
    drag(edit, point(edit, 60), point(edit, 60 + 21))
    assert clips(edit) == [("shot_a.mp4", 0, 48, 0), ("shot_b.mp4", 69, 36, 0)]


def test_a_clip_dragged_onto_another_video_track_moves_there(edit):
    v2 = edit.project.add_track("video")
    drag(edit, point(edit, 20), point(edit, 20, track_id=v2))
    assert clips(edit, 0) == [("shot_b.mp4", 48, 36, 0)]
    assert clips(edit, 1) == [("shot_a.mp4", 0, 48, 0)]
    assert edit.project.undo_stack.undoText() == "Move 'shot_a.mp4'"


def test_a_refused_move_changes_nothing_and_says_why_in_the_status_bar(edit):
    before = edit.project.document.to_json()
    edit.project.set_track_flags(edit.project.document.track_ids("video")[0], locked=True)
    drag(edit, point(edit, 60), point(edit, 70))
    assert edit.project.document.to_json() != before  # only the lock flag changed
    assert clips(edit) == [("shot_a.mp4", 0, 48, 0), ("shot_b.mp4", 48, 36, 0)]
    assert "lock" in edit.statusBar().currentMessage().lower()


def test_rubber_band_selects_clips_and_delete_removes_them(edit):
    view = edit.timeline.view
    start = point(edit, 10)
    start.setY(view.mapFromScene(0, view.geometry_.rows[edit.project.document.track_ids("video")[0]][0] - 2).y() + 1)
    drag(edit, QtCore.QPoint(start.x(), start.y() + 1), point(edit, 200))
    assert sorted(view.selected_clip_ids()) == sorted(view.clip_items)
    QTest.keyClick(edit, QtCore.Qt.Key_Delete)
    assert clips(edit) == []


def test_shift_delete_ripple_deletes_and_closes_the_gap(edit):
    QTest.mouseClick(edit.timeline.view.viewport(), L, QtCore.Qt.NoModifier, point(edit, 20))
    QTest.keyClick(edit, QtCore.Qt.Key_Delete, QtCore.Qt.ShiftModifier)
    assert clips(edit) == [("shot_b.mp4", 0, 36, 0)]


def test_a_clip_a_ripple_moves_keeps_its_item_moved_to_its_new_place_and_named_there_on_hover(edit):
    view = edit.timeline.view
    b_id = edit.project.document.info().clips()[1].id
    item = view.clip_items[b_id]
    QTest.mouseClick(view.viewport(), L, QtCore.Qt.NoModifier, point(edit, 20))
    QTest.keyClick(edit, QtCore.Qt.Key_Delete, QtCore.Qt.ShiftModifier)
    assert view.clip_items[b_id] is item
    assert item.pos().x() == view.geometry_.x(0)
    QTest.mouseMove(view.viewport(), point(edit, 10))
    assert item.toolTip().splitlines()[1] == "36 frames from frame 0"


def test_shift_click_adds_to_the_selection(edit):
    viewport = edit.timeline.view.viewport()
    QTest.mouseClick(viewport, L, QtCore.Qt.NoModifier, point(edit, 20))
    QTest.mouseClick(viewport, L, QtCore.Qt.ShiftModifier, point(edit, 60))
    assert len(edit.timeline.view.selected_clip_ids()) == 2


def test_plus_and_minus_zoom_around_the_playhead_and_fit_shows_everything(edit):
    view = edit.timeline.view
    QTest.keyClick(edit, QtCore.Qt.Key_Plus)
    assert view.geometry_.px_per_frame == pytest.approx(6.0)
    QTest.keyClick(edit, QtCore.Qt.Key_Minus)
    assert view.geometry_.px_per_frame == pytest.approx(4.0)
    view.zoom_to_fit()
    assert view.geometry_.x(84) <= view.viewport().width()


def test_ctrl_wheel_zooms_keeping_the_frame_under_the_mouse(edit):
    view = edit.timeline.view
    anchor = point(edit, 40)
    view.zoom_by(2.0, anchor.x())
    assert view.frame_at(anchor.x()) == 40


def test_a_clip_zoomed_to_a_sliver_draws_its_kind_and_selection_only(window, infos, ui):
    from PySide6 import QtGui

    from seine_editor.widgets.timeline_items import KIND_COLOURS, THIN_PX

    track = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], track, 0)
    view = window.timeline.view
    view.set_zoom((THIN_PX - 1) / view.info.clips()[0].duration_frames)
    item = next(iter(view.clip_items.values()))

    def drawn():
        image = QtGui.QImage(8, 8, QtGui.QImage.Format_RGB888)
        painter = QtGui.QPainter(image)
        item.paint(painter, QtWidgets.QStyleOptionGraphicsItem())
        painter.end()
        return image.pixelColor(1, 4).name()

    assert item.boundingRect().width() < THIN_PX
    assert drawn() == KIND_COLOURS["video"]
    item.setSelected(True)
    assert drawn() == "#ffd24a"


def test_the_extend_tool_uses_the_handle_first_and_generates_what_lies_past_the_media(window, infos, qtbot):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=40)  # 8 frames of media left after its end
    window.timeline.view.set_zoom(4.0, 0)
    window.timeline.view.horizontalScrollBar().setValue(0)
    window.timeline.set_tool("extend")
    drag(window, point(window, 40, dx=-2), point(window, 52, dx=-2))
    track = window.project.document.info().track(v1)
    assert [(c.start_frame, c.duration_frames, c.generative.kind if c.generative else c.name)
            for c in track.clips] == [(0, 48, "shot_a.mp4"), (48, 4, "seine.extend")]
    assert window.project.undo_stack.undoText() == "Extend 'shot_a.mp4' by 12 frames"
    window.actions_by_key["undo"].trigger()
    assert clips(window) == [("shot_a.mp4", 0, 40, 0)]


def test_the_extend_tool_on_a_clips_start_is_refused_saying_why(edit):
    before = edit.project.document.to_json()
    edit.timeline.set_tool("extend")
    drag(edit, point(edit, 48, dx=3), point(edit, 40, dx=3))
    assert edit.project.document.to_json() == before
    assert edit.statusBar().currentMessage() == (
        "⚠ SEINE extends a clip forwards only (it predicts what comes next from the last frames), so 'shot_b.mp4' "
        "cannot grow at its start: drag its end instead")


def test_an_alt_drag_past_the_end_of_the_media_generates_the_rest(window, infos):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=40)  # 8 frames of media left after its end
    window.timeline.view.set_zoom(4.0, 0)
    window.timeline.view.horizontalScrollBar().setValue(0)
    drag(window, point(window, 40, dx=-2), point(window, 52, dx=-2), QtCore.Qt.AltModifier)
    track = window.project.document.info().track(v1)
    assert [(c.start_frame, c.duration_frames, c.generative.kind if c.generative else c.name)
            for c in track.clips] == [(0, 48, "shot_a.mp4"), (48, 4, "seine.extend")]
    assert window.project.undo_stack.undoText() == "Extend 'shot_a.mp4' by 12 frames"
