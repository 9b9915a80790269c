"""Track headers: the add buttons above them make a video or audio track, each header's remove button takes its
track (clips and all) away in one undo step; headers stay level with their tracks."""
from PySide6 import QtCore
from PySide6.QtTest import QTest

L = QtCore.Qt.LeftButton


def tracks(window):
    return [(t.kind, t.name, len(t.clips)) for t in window.project.document.info().tracks]


def test_add_buttons_make_a_video_and_an_audio_track(window):
    before = tracks(window)
    QTest.mouseClick(window.timeline.add_buttons["video"], L)
    QTest.mouseClick(window.timeline.add_buttons["audio"], L)
    after = tracks(window)
    assert len(after) == len(before) + 2
    assert sorted(k for k, _, _ in after) == sorted([k for k, _, _ in before] + ["video", "audio"])
    assert len(window.timeline.headers()) == len(after)


def test_a_headers_remove_button_takes_its_track_and_clips_and_undo_restores_them(window, infos):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0)
    before = tracks(window)
    header = next(h for h in window.timeline.headers() if h.track.id == v1)
    QTest.mouseClick(header.buttons["remove"], L)
    assert v1 not in window.project.document.track_ids("video")
    assert [h.track.id for h in window.timeline.headers()] == [t.id for t in window.timeline.view.ordered_tracks()]
    window.actions_by_key["undo"].trigger()
    assert tracks(window) == before


def test_headers_line_up_with_their_tracks(window, qtbot):
    QTest.mouseClick(window.timeline.add_buttons["video"], L)
    qtbot.wait(20)  # the header layout is applied by the event loop, as on screen
    view = window.timeline.view
    for header in window.timeline.headers():
        top, height = view.geometry_.rows[header.track.id]
        track_y = view.viewport().mapTo(window.timeline, view.mapFromScene(0, top)).y()
        assert header.mapTo(window.timeline, QtCore.QPoint(0, 0)).y() == track_y
        assert header.height() == height
