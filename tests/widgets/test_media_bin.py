"""The media bin: files dropped from a file manager are probed in the background; bad ones show why."""
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets


def test_dropped_files_are_probed_and_described(window, qtbot, media, ui):
    ui.drop_urls(window.bin.list.viewport(), [media["a"], media["b"]], QtCore.QPoint(20, 20))
    qtbot.waitUntil(lambda: None not in (window.bin.info(media["a"]), window.bin.info(media["b"])), timeout=10000)
    info = window.bin.info(media["a"])
    assert (info.width, info.height, info.frame_count) == (160, 120, 48)
    texts = [window.bin.list.item(i).text() for i in range(window.bin.list.count())]
    assert texts == ["shot_a.mp4\n0:02.0 · 160×120 · 24 fps", "shot_b.mp4\n0:01.5 · 160×120 · 24 fps"]


def test_a_bad_file_is_listed_with_its_reason_and_does_not_stop_the_others(window, qtbot, media, ui):
    ui.drop_urls(window.bin, [media["bad"], media["a"]], QtCore.QPoint(20, 20))
    qtbot.waitUntil(lambda: None not in (window.bin.error(media["bad"]), window.bin.info(media["a"])), timeout=10000)
    assert window.bin.count_label.text() == "1 items · 1 unusable"
    item = window.bin.list.item(0)
    assert item.text().startswith("notes.mp4\n") and window.bin.error(media["bad"]) in item.text()


def test_dropping_a_folder_imports_the_media_inside(window, qtbot, media, tmp_path, ui):
    folder = tmp_path / "footage"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "clip.mp4").write_bytes(open(media["a"], "rb").read())
    (folder / "readme.txt").write_text("not media")
    ui.drop_urls(window.bin, [str(folder)], QtCore.QPoint(10, 10))
    assert window.bin.paths() == [str((folder / "sub" / "clip.mp4").resolve())]


def test_hdr_footage_is_described_and_badged_in_the_bin(window, qtbot, ui, tmp_path):
    from seine_editor.media.synthetic import chart_image, write_tagged_video
    from seine_editor.widgets.media_bin import BADGE_ROLE

    hlg = str(write_tagged_video(tmp_path / "phone.mov", chart_image(), transfer="arib-std-b67",
                                 primaries="bt2020", matrix="bt2020nc").resolve())
    ui.drop_urls(window.bin.list.viewport(), [hlg], QtCore.QPoint(20, 20))
    qtbot.waitUntil(lambda: window.bin.info(hlg) is not None, timeout=10000)
    item = window.bin.list.item(0)
    assert item.text() == "phone.mov\n0:00.1 · 288×192 · 25 fps · HDR HLG"
    qtbot.waitUntil(lambda: item.data(BADGE_ROLE) == "HDR", timeout=10000)


def test_a_new_project_starts_with_an_empty_bin(window, qtbot, media, ui):
    ui.drop_urls(window.bin, [media["a"]], QtCore.QPoint(10, 10))
    window.new_project()
    assert window.bin.paths() == [] and window.bin.count_label.text() == "0 items"


def test_a_reopened_project_lists_its_media_and_never_its_generated_frames(window, qtbot, infos, media, tmp_path):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=40)
    window.project.add_clip(infos["b"], v1, 40, source_start_frame=8)
    item = window.project.generation.add_generative_transition(v1, 40, params={"engine": "morph"})
    qtbot.waitUntil(lambda: window.project.info().clip(item).generative.status == "baked", timeout=60000)
    assert window.save_as(str(tmp_path / "story.otio"))
    assert window.open_project(str(tmp_path / "story.otio"))
    generated = window.project.info().clip(item).media_path
    assert generated.startswith(str(tmp_path / "cache"))
    assert window.bin.paths() == sorted(str(Path(media[k]).resolve()) for k in ("a", "b"))


def test_dragging_from_an_unusable_item_selects_nothing(window, qtbot, media, ui):
    ui.drop_urls(window.bin, [media["bad"], media["a"]], QtCore.QPoint(10, 10))
    qtbot.waitUntil(lambda: None not in (window.bin.error(media["bad"]), window.bin.info(media["a"])), timeout=10000)
    bin_list = window.bin.list
    viewport = bin_list.viewport()
    bad, good = (bin_list.visualItemRect(bin_list.item(i)).center() for i in (0, 1))
    bin_list.clearSelection()
    qtbot.mousePress(viewport, QtCore.Qt.LeftButton, pos=bad)
    for step in range(1, 6):
        QtWidgets.QApplication.sendEvent(viewport, QtGui.QMouseEvent(
            QtCore.QEvent.MouseMove, QtCore.QPointF(bad + (good - bad) * step / 5), QtCore.QPointF(),
            QtCore.Qt.NoButton, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier))
    qtbot.mouseRelease(viewport, QtCore.Qt.LeftButton, pos=good)
    assert window.bin.selected_paths() == []
