"""The whole user story, once per engine, through the window as a person drives it: drop two shots on the media
bin, drag each onto the timeline so they form a cut, choose the engine in the settings dialog, drop a generative
transition on the cut, type a prompt in the inspector and generate, wait for the job, play across the bridge,
undo and redo from the Edit menu, render an .mp4 from the File menu and export an .otio. Every picture is checked
by the frame index coded in its pixels."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PySide6 import QtCore, QtWidgets
from PySide6.QtTest import QTest

from seine_editor.media.synthetic import read_frame_index, read_tint, write_coded_video

WIDTH, HEIGHT = 160, 120  # the window fixture's project size: the viewer shows source pixels unscaled
A_FRAMES, B_FRAMES, B_FIRST = 24, 24, 1000
RED, BLUE = (200, 40, 40), (40, 60, 200)
BRIDGE = 48  # a generative transition lasts two seconds by default
CUT = A_FRAMES
AFTER = CUT + BRIDGE  # where shot B starts once the bridge is inserted
SHARED_TINY = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "seine_tiny"
PROMPT = "the red room dissolves into the blue sea"


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("story_media")
    a = write_coded_video(folder / "red_room.mp4", frames=A_FRAMES, width=WIDTH, height=HEIGHT, fps=Fraction(24),
                          tint=RED, gop=6, bframes=0)
    b = write_coded_video(folder / "blue_sea.mp4", frames=B_FRAMES, width=WIDTH, height=HEIGHT, fps=Fraction(24),
                          tint=BLUE, gop=6, bframes=0, first_index=B_FIRST)
    return str(a), str(b)


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory) -> str:
    """The shared tiny SEINE fixture when present, else the same layout written here (random tiny weights)."""
    if (SHARED_TINY / "seine.pt").is_file():
        return str(SHARED_TINY.resolve())
    from engine.testing import write_tiny_weights

    return str(write_tiny_weights(tmp_path_factory.mktemp("weights")))


# ---- what a person does ------------------------------------------------------------------------------------------

def track_point(window, frame: int):
    view = window.timeline.view
    top, height = view.geometry_.rows[window.project.document.track_ids("video")[0]]
    return view.mapFromScene(QtCore.QPointF(view.geometry_.x(frame), top + height / 2))


def drag_from_bin(window, ui, row: int, frame: int) -> None:
    mime = window.bin.list.mimeData([window.bin.list.item(row)])
    ui.drop_mime(window.timeline.view.viewport(), mime, track_point(window, frame))


def choose_engine(window, engine: str, weights: str) -> None:
    from seine_editor.widgets.dialogs.settings_dialog import SettingsDialog

    window.actions_by_key["settings"].trigger()
    dialog = window.findChildren(SettingsDialog)[-1]
    dialog.engine.setCurrentText(engine)
    dialog.weights.setText(weights if engine == "seine" else "")
    dialog.device.setCurrentText("cpu")
    dialog.preset.setCurrentText("preview")
    ok = dialog.findChild(QtWidgets.QDialogButtonBox).button(QtWidgets.QDialogButtonBox.Ok)
    QTest.mouseClick(ok, QtCore.Qt.LeftButton)
    assert not dialog.isVisible(), dialog.message.text()


def drop_generative_transition(window, ui) -> None:
    palette = window.palette
    item = next(palette.item(i) for i in range(palette.count())
                if palette.item(i).data(QtCore.Qt.UserRole) == "generative")
    ui.drop_mime(window.timeline.view.viewport(), palette.mimeData([item]), track_point(window, CUT))


def prompt_and_generate(window, item_id: str) -> None:
    window.timeline.view.select_clips([item_id])
    form = window.inspector.form
    assert form.isVisibleTo(window.inspector) and form.clip_id == item_id
    form.prompt.setFocus()
    QTest.keyClicks(form.prompt, PROMPT)
    QTest.mouseClick(form.generate, QtCore.Qt.LeftButton)


def shown(window, qtbot, ui, frame: int):
    window.viewer.seek(frame)
    qtbot.waitUntil(lambda: window.viewer._shown_frame == frame, timeout=10000)
    return ui.qimage_array(window.viewer.canvas.image())


def step_through(window, qtbot, ui, first: int, count: int) -> list[int]:
    """Seek to `first`, then step forward with the Right key: the coded index of every frame shown."""
    indices = [read_frame_index(shown(window, qtbot, ui, first))]
    for frame in range(first + 1, first + count):
        QTest.keyClick(window, QtCore.Qt.Key_Right)
        qtbot.waitUntil(lambda f=frame: window.viewer._shown_frame == f, timeout=10000)
        indices.append(read_frame_index(ui.qimage_array(window.viewer.canvas.image())))
    return indices


def render_from_file_menu(window, qtbot, output: Path) -> None:
    from seine_editor.widgets.dialogs.render_dialog import RenderDialog

    def fill_and_accept():
        dialog = next(d for d in window.findChildren(RenderDialog) if d.isVisible())
        dialog.format.setCurrentIndex(dialog.format.findData("mp4"))
        dialog.preset.setCurrentText("draft")
        dialog.output.setText(str(output))
        QTest.mouseClick(dialog.findChild(QtWidgets.QDialogButtonBox).button(QtWidgets.QDialogButtonBox.Ok),
                         QtCore.Qt.LeftButton)

    QtCore.QTimer.singleShot(0, fill_and_accept)  # the dialog is modal: fill it once its loop runs
    window.actions_by_key["render"].trigger()


def wait_jobs_finished(window, qtbot, count: int, timeout: int = 60000) -> None:
    qtbot.waitUntil(lambda: len(window.jobs.rows) == count and all(
        r.state in ("finished", "failed", "cancelled") for r in window.jobs.rows.values()), timeout=timeout)
    failed = {r.title.text(): r.status.text() for r in window.jobs.rows.values() if r.state == "failed"}
    assert not failed


def video_track(window):
    (track,) = [t for t in window.project.document.info().tracks if t.kind == "video"]
    return track


def layout(window):
    return [(c.start_frame, c.duration_frames, c.generative.kind if c.generative else c.name)
            for c in video_track(window).clips]


# ---- what the story found -------------------------------------------------------------------------------------

@pytest.fixture
def morph_item(window, qtbot, shots):
    """Shots A and B on V1 with a generative transition (morph engine) dropped on their cut, selected."""
    from seine_editor.project.generation import EngineSettings

    a, b = shots
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(a, v1, 0)
    window.project.add_clip(b, v1, CUT)
    window.project.generation.set_engine_settings(EngineSettings(engine="morph"))
    item_id = window.project.generation.add_generative_transition(v1, CUT)
    window.timeline.view.select_clips([item_id])
    return item_id


def type_keys(text: str) -> None:
    """Keys go where the keyboard focus is, as they do for a person."""
    QTest.keyClicks(QtWidgets.QApplication.focusWidget(), text)


def test_a_prompt_being_typed_keeps_its_text_and_focus_when_the_items_first_job_finishes(window, qtbot, morph_item):
    form = window.inspector.form
    QTest.mouseClick(form.prompt.viewport(), QtCore.Qt.LeftButton)
    type_keys("the red room")
    qtbot.waitUntil(lambda: window.project.generation.item_state(morph_item).state == "done", timeout=10000)
    assert form.generate.text() == "Regenerate"  # the form did follow the attached take
    type_keys(" dissolves")
    assert form.prompt.toPlainText() == "the red room dissolves"
    assert layout(window) == [(0, A_FRAMES, "red_room.mp4"), (CUT, BRIDGE, "seine.transition"),
                              (AFTER, B_FRAMES, "blue_sea.mp4")]  # no key reached the timeline


def test_a_prompt_being_typed_survives_a_change_of_the_items_duration(window, qtbot, morph_item):
    form = window.inspector.form
    form.prompt.setPlainText("the red room dissolves")
    form.duration.setFocus()
    form.duration.selectAll()
    QTest.keyClicks(form.duration, "24")
    QTest.keyClick(form.duration, QtCore.Qt.Key_Return)
    assert window.project.document.info().clip(morph_item).duration_frames == 24
    assert form.prompt.toPlainText() == "the red room dissolves"


def test_an_unsent_prompt_is_dropped_when_the_item_is_selected_again(window, morph_item):
    form = window.inspector.form
    form.prompt.setPlainText("never sent")
    window.timeline.view.select_clips([video_track(window).clips[0].id])
    window.timeline.view.select_clips([morph_item])
    assert form.clip_id == morph_item and form.prompt.toPlainText() == ""
