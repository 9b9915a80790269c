"""Start-up, the screenshot mode of `seine-editor`, the crash guard, recent projects and layout memory."""
import os
import subprocess
import sys
from pathlib import Path

from PySide6 import QtGui

ROOT = Path(__file__).resolve().parents[2]


def _run_cli(args, env_changes):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-m", "seine_editor", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_without_a_display_the_gui_says_so_and_points_to_render(tmp_path):
    result = _run_cli([], {"XDG_DATA_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "no display found" in result.stderr and "seine-editor render PROJECT -o OUT.mp4" in result.stderr


def test_screenshot_loads_the_project_and_writes_the_window_without_importing_torch(tmp_path, window, infos):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0)
    window.project.save_as(tmp_path / "story.otio")
    out = tmp_path / "shot.png"
    probe = ("import sys, runpy; sys.argv = ['seine-editor', %r, '--screenshot', %r]\n"
             "try: runpy.run_module('seine_editor', run_name='__main__')\n"
             "except SystemExit as e: code = e.code\n"
             "print('heavy', [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]); "
             "sys.exit(code)") % (str(tmp_path / "story.otio"), str(out))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "heavy []" in result.stdout
    image = QtGui.QImage(str(out))
    assert (image.width(), image.height()) == (1440, 900)


def test_a_missing_project_file_is_refused_with_its_name(tmp_path):
    result = _run_cli([str(tmp_path / "nope.otio"), "--screenshot", str(tmp_path / "x.png")],
                      {"QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 2
    assert f"{tmp_path / 'nope.otio'}: no such file" in result.stderr


def test_the_crash_guard_saves_a_recovery_file_before_telling_the_person(window, infos, tmp_path):
    from seine_editor.app import CrashGuard

    window.project.save_as(tmp_path / "story.otio")
    window.project.add_clip(infos["a"], window.project.document.track_ids("video")[0], 0)
    told = []
    guard = CrashGuard(lambda: window, window.save_recovery, notify=lambda e, d, saved: told.append((e, saved)))
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as error:
        guard.handle(RuntimeError, error, error.__traceback__)
    (error, saved), = told
    assert str(error) == "boom in a slot"
    assert saved is not None and saved.exists() and "shot_a.mp4" in saved.read_text()


def test_opened_projects_are_remembered_most_recent_first(window, tmp_path):
    for name in ("one.otio", "two.otio"):
        window.project.save_as(tmp_path / name)
        assert window.open_project(str(tmp_path / name))
    assert window.recent_projects() == [str(tmp_path / "two.otio"), str(tmp_path / "one.otio")]
    assert [a.text() for a in window.recent_menu.actions()] == ["two.otio", "one.otio"]


def test_a_broken_project_file_is_refused_and_the_open_project_stays(window, tmp_path):
    broken = tmp_path / "broken.otio"
    broken.write_text('{"OTIO_SCHEMA": "Timeline.1", "tracks": ')
    before = window.project
    assert not window.open_project(str(broken))
    assert window.project is before
    assert "broken.otio" in window.statusBar().currentMessage()


def test_the_window_layout_is_saved_and_restored(window, tmp_path, qtbot):
    from seine_editor.widgets.main_window import MainWindow

    window.docks["jobs"].hide()
    window.save_layout()
    again = MainWindow(settings_scope=str(tmp_path / "settings.ini"), interactive=False)
    qtbot.addWidget(again)
    again.show()
    assert again.docks["jobs"].isHidden() and not again.docks["timeline"].isHidden()
    again.shutdown()


def test_save_as_into_another_folder_moves_the_windows_cache_there(window, tmp_path):
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    window.save_as(str(tmp_path / "first" / "story.otio"))
    assert window.tasks.cache_dir == tmp_path / "first" / "cache"
    window.save_as(str(tmp_path / "second" / "story.otio"))
    assert window.tasks.cache_dir == tmp_path / "second" / "cache"
    assert window.windowTitle() == "story.otio — Seine Editor"


def test_a_failing_autosave_is_said_in_the_status_bar_and_edits_go_on(window, infos, tmp_path, qtbot):
    from seine_editor.project.project import AUTOSAVE_EVERY_EDITS
    from seine_editor.project.recovery import recovery_path

    window.project.save_as(tmp_path / "cut.otio")
    recovery_path(tmp_path / "cut.otio").mkdir()  # where the recovery file goes, nothing can be written
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=20)
    clip = window.project.document.info().tracks[0].clips[0].id
    for n in range(AUTOSAVE_EVERY_EDITS + 5):
        window.project.slip(clip, 1 if n % 2 == 0 else -1)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith(
        f"⚠ Autosave failed: {recovery_path(tmp_path / 'cut.otio')}: cannot be written"), timeout=4000)
    window.project.slip(clip, 1)  # and editing goes on


def test_the_tests_keep_settings_out_of_the_persons_own():
    import os
    import tempfile

    from PySide6 import QtCore

    from seine_editor.project.preferences import preferences_path

    folder = os.environ["XDG_CONFIG_HOME"]
    assert QtCore.QSettings("seine-editor", "settings-check").fileName().startswith(folder)
    assert str(preferences_path()).startswith(folder)
    assert folder.startswith(tempfile.gettempdir()) and not folder.startswith(os.path.expanduser("~"))


def test_the_window_takes_the_engine_flags_of_generate_and_names_a_bad_weights_folder(tmp_path, capsys):
    from seine_editor.cli import main

    assert main(["--weights", str(tmp_path), "--screenshot", str(tmp_path / "x.png")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("seine-editor: ") and str(tmp_path) in error
    assert not (tmp_path / "x.png").exists()


def test_engine_flags_hold_for_every_project_the_window_opens_and_are_saved_with_none(qtbot, tmp_path, themed):
    from seine_editor.project.generation import EngineSettings
    from seine_editor.widgets.main_window import MainWindow

    chosen = EngineSettings("crossfade", host="in-process")
    window = MainWindow(settings_scope=str(tmp_path / "s.ini"), interactive=False, session_engine=chosen)
    qtbot.addWidget(window)
    assert window.project.generation.settings == chosen
    window.new_project()
    assert window.project.generation.settings == chosen
    assert not window.project.generation.keeps_own_settings
    window.shutdown()
