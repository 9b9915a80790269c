"""The project's format and the person's preferences in the window: Project settings (size presets, frame rates,
audio rate) as one undo step, the first clip of an empty project offering its format, and stills that last the
preferred duration wherever they are dropped from."""
from fractions import Fraction

import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from seine_editor.media.synthetic import write_coded_image, write_coded_video
from seine_editor.project.preferences import Preferences, load_preferences


def dialog_of(window, key, cls_path):
    module, _, name = cls_path.rpartition(".")
    cls = getattr(__import__(module, fromlist=[name]), name)
    window.actions_by_key[key].trigger()
    return window.findChildren(cls)[-1]


def press_ok(dialog):
    ok = dialog.findChild(QtWidgets.QDialogButtonBox).button(QtWidgets.QDialogButtonBox.Ok)
    QTest.mouseClick(ok, QtCore.Qt.LeftButton)


def timeline_point(window, frame):
    view = window.timeline.view
    view.set_zoom(4.0, 0)
    view.horizontalScrollBar().setValue(0)
    top, height = view.geometry_.rows[window.project.document.track_ids("video")[0]]
    return view.mapFromScene(QtCore.QPointF(view.geometry_.x(frame), top + height * 0.6))


@pytest.fixture
def still(tmp_path):
    return str(write_coded_image(tmp_path / "poster.png", width=96, height=64, index=3))


@pytest.fixture
def pal_shot(tmp_path):
    """A 25 fps shot of another size than the window's 160×120 at 24 fps project."""
    return str(write_coded_video(tmp_path / "pal.mp4", frames=50, width=96, height=64, fps=Fraction(25), gop=5))


def test_the_project_settings_dialog_changes_size_and_rate_as_one_undo_step(window, infos):
    window.project.add_clip(infos["a"], window.project.document.track_ids("video")[0], 0)
    dialog = dialog_of(window, "project_format", "seine_editor.widgets.dialogs.format_dialog.FormatDialog")
    dialog.size_preset.setCurrentIndex(dialog.size_preset.findText("Vertical 1080×1920 (1080×1920)"))
    dialog.size_preset.activated.emit(dialog.size_preset.currentIndex())
    dialog.rate.setCurrentIndex(dialog.rate.findText("25"))
    press_ok(dialog)
    settings = window.project.settings
    assert (settings.width, settings.height, settings.fps) == (1080, 1920, 25)
    assert window.project.undo_stack.undoText() == "Change frame size and frame rate"
    assert window.project.info().tracks[0].clips[0].duration_frames == 50  # 48 frames at 24 fps: 2 s
    window.actions_by_key["undo"].trigger()
    assert (window.project.settings.width, window.project.info().rate) == (160, 24)


def test_a_typed_ntsc_rate_is_read_as_the_exact_rate(window):
    dialog = dialog_of(window, "project_format", "seine_editor.widgets.dialogs.format_dialog.FormatDialog")
    dialog.rate.setEditText("29.97")
    press_ok(dialog)
    assert window.project.settings.fps == Fraction(30000, 1001)


def test_a_rate_that_is_not_a_number_is_named_in_the_dialog_and_changes_nothing(window):
    dialog = dialog_of(window, "project_format", "seine_editor.widgets.dialogs.format_dialog.FormatDialog")
    dialog.rate.setEditText("fast")
    press_ok(dialog)
    assert dialog.isVisible() and dialog.message.text() == "frame rate 'fast' is not a number: give 25, 29.97 or " \
                                                           "30000/1001"
    assert window.project.undo_stack.count() == 0


def test_the_first_clip_of_an_empty_project_offers_its_format(window, pal_shot, ui):
    ui.drop_urls(window.timeline.view.viewport(), [pal_shot], timeline_point(window, 0))
    bar = window.offer_bar
    assert bar.isVisible()
    assert bar.text.text() == "pal.mp4 is 96×64 at 25 fps; the project is 160×120 at 24 fps."
    QTest.mouseClick(bar.accept_button, QtCore.Qt.LeftButton)
    settings = window.project.settings
    assert (settings.width, settings.height, settings.fps, bar.isVisible()) == (96, 64, 25, False)
    (clip,) = window.project.info().tracks[0].clips
    assert (clip.start_frame, clip.duration_frames, clip.source_start_frame) == (0, 50, 0)


def test_a_clip_added_to_a_project_with_clips_offers_nothing(window, infos, pal_shot, ui):
    window.project.add_clip(infos["a"], window.project.document.track_ids("video")[0], 0)
    ui.drop_urls(window.timeline.view.viewport(), [pal_shot], timeline_point(window, 48))
    assert not window.offer_bar.isVisible() and window.project.settings.fps == 24


def test_a_still_from_the_file_manager_lasts_the_preferred_duration(window, still, ui):
    window.set_preferences(Preferences(still_duration_s=2.5))
    ui.drop_urls(window.timeline.view.viewport(), [still], timeline_point(window, 0))
    (clip,) = window.project.info().tracks[0].clips
    assert (clip.kind, clip.start_frame, clip.duration_frames) == ("image", 0, 60)


def test_a_still_from_the_bin_lasts_five_seconds_by_default_and_can_be_animated(window, still, qtbot, ui):
    from seine_editor.widgets import menus

    window.bin.import_paths([still])
    qtbot.waitUntil(lambda: window.bin.info(still) is not None, timeout=10000)
    ui.drop_mime(window.timeline.view.viewport(), window.bin.list.mimeData([window.bin.list.item(0)]),
                 timeline_point(window, 0))
    (clip,) = window.project.info().tracks[0].clips
    assert (clip.kind, clip.duration_frames) == ("image", 120)
    texts = [a.text() for a in menus.clip_menu(window, clip.id, None).actions()]
    assert texts[0] == "Animate image…"


def test_animate_image_from_the_bins_context_menu_places_the_still_at_the_playhead_and_starts_it(window, still,
                                                                                                    qtbot):
    window.bin.import_paths([still])
    qtbot.waitUntil(lambda: window.bin.info(still) is not None, timeout=10000)
    window.viewer.seek(0)
    menu = window.bin.context_menu([still])
    next(a for a in menu.actions() if a.text() == "Animate image…").trigger()
    (item,) = window.project.info().tracks[0].clips
    assert (item.generative.kind, item.duration_frames) == ("seine.animate", 120)
    assert window.project.undo_stack.undoText() == "Animate 'poster.png'"


def test_preferences_are_kept_for_the_next_window(window, qtbot, tmp_path):
    from seine_editor.widgets.main_window import MainWindow

    dialog = dialog_of(window, "preferences", "seine_editor.widgets.dialogs.preferences_dialog.PreferencesDialog")
    assert dialog.still_duration.value() == 5.0
    dialog.still_duration.setValue(3.0)
    press_ok(dialog)
    assert load_preferences() == Preferences(still_duration_s=3.0)
    again = MainWindow(settings_scope=str(tmp_path / "other.ini"), interactive=False)
    qtbot.addWidget(again)
    assert again.preferences.still_duration_s == 3.0
    again.shutdown()


def test_a_preferences_file_that_cannot_be_read_is_named_and_the_defaults_used(window, qtbot, tmp_path):
    from seine_editor.project.preferences import preferences_path
    from seine_editor.widgets.main_window import MainWindow

    preferences_path().parent.mkdir(parents=True, exist_ok=True)
    preferences_path().write_text('{"still_duration_s": -4}')
    again = MainWindow(settings_scope=str(tmp_path / "other.ini"), interactive=False)
    qtbot.addWidget(again)
    assert again.preferences == Preferences()
    assert again.statusBar().currentMessage() == (f"⚠ {preferences_path()}: still duration -4 s is not allowed: use "
                                                  f"0.04 to 3600 seconds; the defaults are used")
    assert preferences_path().read_text() == '{"still_duration_s": -4}'  # the person's file is left as it is
    again.shutdown()
