"""Render from the window as a job; the settings dialog refuses a weights folder that is not one."""
import av

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


def test_the_settings_dialog_names_a_bad_weights_folder(window, tmp_path):
    from seine_editor.widgets.dialogs.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.settings, window)
    dialog.engine.setCurrentText("seine")
    dialog.weights.setText(str(tmp_path))
    assert not dialog.validate()
    assert str(tmp_path) in dialog.message.text()
    dialog.engine.setCurrentText("morph")
    assert dialog.validate()
