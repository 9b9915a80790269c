"""Render and export from the window as jobs; the settings dialog edits the project's engine settings as one undo
step and refuses a weights folder that is not one."""
import json

import av
import opentimelineio as otio
from PySide6 import QtWidgets
from PySide6.QtTest import QTest
from PySide6 import QtCore

from seine_editor.media.synthetic import read_frame_index


def test_a_render_runs_as_a_job_and_writes_every_frame(window, infos, qtbot, tmp_path):
    from seine_editor.widgets.dialogs.render_dialog import submit_render

    window.project.add_clip(infos["a"], window.project.document.track_ids("video")[0], 0, duration_frames=12)
    out = tmp_path / "render.mp4"
    submit_render(window, {"output": out, "format": "mp4", "preset": "draft", "crf": None, "use_marks": False},
                  allow_offline=False)
    qtbot.waitUntil(lambda: len(window.jobs.rows) == 1 and next(iter(window.jobs.rows.values())).state == "finished",
                    timeout=60000)
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert [read_frame_index(f) for f in frames] == list(range(12))


def open_settings(window):
    from seine_editor.widgets.dialogs.settings_dialog import SettingsDialog

    window.actions_by_key["settings"].trigger()
    return window.findChildren(SettingsDialog)[-1]


def press_ok(dialog):
    ok = dialog.findChild(QtWidgets.QDialogButtonBox).button(QtWidgets.QDialogButtonBox.Ok)
    QTest.mouseClick(ok, QtCore.Qt.LeftButton)


def stored_engine(window):
    return json.loads(window.project.document.to_json())["metadata"]["seine"]["settings"].get("engine")


def test_the_settings_dialog_starts_from_the_projects_engine_settings(window):
    from seine_editor.project.generation import EngineSettings

    window.project.generation.set_engine_settings(EngineSettings.for_engine("seine", device="cpu", preset="final",
                                                                            model_size=(256, 320)))
    dialog = open_settings(window)
    assert (dialog.engine.currentText(), dialog.fields["device"].box.currentText(), dialog.preset.currentText()) == \
        ("SEINE", "cpu", "final")
    assert dialog.fields["weights"].box.text() == ""


def test_the_settings_dialog_shows_the_chosen_engines_own_options(window):
    dialog = open_settings(window)
    dialog.engine.setCurrentIndex(dialog.engine.findData("morph"))
    assert list(dialog.fields) == ["fps", "push_in", "work_side", "flow", "extend_decay"]
    assert not dialog.preset.isEnabled()
    dialog.engine.setCurrentIndex(dialog.engine.findData("seine"))
    assert list(dialog.fields) == ["weights", "checkpoint", "sd_path", "device", "dtype", "compile",
                                   "warmup"]
    assert [dialog.preset.itemText(i) for i in range(dialog.preset.count())] == \
        ["engine default", "draft", "preview", "final"]


def test_settings_chosen_in_the_dialog_are_saved_in_the_project_and_undone_in_one_step(window):
    from seine_editor.project.generation import EngineSettings

    window.project.generation.set_engine_settings(EngineSettings(engine="morph", model_size=(256, 320)))
    before = window.project.document.to_json()
    dialog = open_settings(window)
    dialog.engine.setCurrentIndex(dialog.engine.findData("seine"))
    dialog.fields["device"].box.setCurrentText("cpu")
    dialog.preset.setCurrentText("final")
    press_ok(dialog)
    assert not dialog.isVisible()
    assert stored_engine(window) == {"engine": "seine", "options": {"seine": {"device": "cpu"}}, "preset": "final",
                                     "model_size": [256, 320], "host": "worker",
                                     "worker_idle_s": 600.0}  # the hidden canvas is kept
    assert window.project.generation.settings == EngineSettings.for_engine("seine", device="cpu", preset="final",
                                                                           model_size=(256, 320))
    window.actions_by_key["undo"].trigger()
    assert window.project.document.to_json() == before
    assert window.project.generation.settings == EngineSettings(engine="morph", model_size=(256, 320))


def test_a_bad_weights_folder_is_named_in_the_dialog_and_changes_nothing(window, tmp_path):
    before, edits = window.project.document.to_json(), window.project.undo_stack.count()
    dialog = open_settings(window)
    dialog.engine.setCurrentIndex(dialog.engine.findData("seine"))
    dialog.fields["weights"].box.setText(str(tmp_path))
    press_ok(dialog)
    assert dialog.isVisible()
    assert str(tmp_path) in dialog.message.text()
    assert (window.project.document.to_json(), window.project.undo_stack.count()) == (before, edits)
    dialog.engine.setCurrentIndex(dialog.engine.findData("morph"))
    assert dialog.validate()


def test_export_from_the_window_writes_the_chosen_format_as_a_job(window, infos, qtbot, tmp_path, monkeypatch):
    from seine_editor.widgets.dialogs import export_dialog

    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=12)
    window.project.add_clip(infos["b"], v1, 12, duration_frames=6)
    edl = [text for text, suffix in export_dialog.available_formats() if suffix == ".edl"][0]
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "cut"), edl))
    window.actions_by_key["export"].trigger()
    qtbot.waitUntil(lambda: len(window.jobs.rows) == 1 and next(iter(window.jobs.rows.values())).state == "finished",
                    timeout=30000)
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.edl"), rate=24)
    assert [(c.name, c.source_range.duration.value) for c in timeline.find_clips()] == \
        [("shot_a.mp4", 12), ("shot_b.mp4", 6)]


def test_export_to_a_format_nobody_reads_is_refused_in_the_status_bar(window, tmp_path, monkeypatch):
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "cut.doc"), ""))
    window.actions_by_key["export"].trigger()
    assert "cut.doc: cannot export to .doc" in window.statusBar().currentMessage()
    assert window.jobs.rows == {}


def test_engine_settings_kept_for_every_project_go_to_this_computers_preferences(window):
    from seine_editor.project.generation import EngineSettings
    from seine_editor.project.preferences import load_preferences
    from seine_editor.project.project import Project

    dialog = open_settings(window)
    assert dialog.scope.currentText() == "Every project on this computer"
    dialog.engine.setCurrentIndex(dialog.engine.findData("crossfade"))
    press_ok(dialog)
    assert load_preferences().engine_settings().engine == "crossfade"
    assert stored_engine(window) is None  # the project keeps none of its own: it follows the computer's
    assert window.project.generation.settings.engine == "crossfade"
    other = Project.new()
    assert other.generation.settings == EngineSettings.from_json(load_preferences().engine)
    other.close()


def test_choosing_every_project_makes_a_project_forget_its_own_in_one_undo_step(window):
    from seine_editor.project.generation import EngineSettings

    window.project.generation.set_engine_settings(EngineSettings("morph"))
    dialog = open_settings(window)
    assert dialog.scope.currentText() == "This project only"
    dialog.scope.setCurrentIndex(dialog.scope.findData("computer"))
    dialog.engine.setCurrentIndex(dialog.engine.findData("crossfade"))
    press_ok(dialog)
    assert (stored_engine(window), window.project.generation.settings.engine) == (None, "crossfade")
    window.actions_by_key["undo"].trigger()
    assert window.project.generation.settings == EngineSettings("morph")
