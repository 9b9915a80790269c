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
    dialog.engine.setCurrentIndex(dialog.engine.findData(engine))
    if engine == "seine":
        dialog.fields["weights"].box.setText(weights)
        dialog.fields["device"].box.setCurrentText("cpu")
        dialog.preset.setCurrentText("preview")
    else:
        dialog.fields["push_in"].box.setText("1.2")
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
    QTest.mouseClick(form.prompt.viewport(), QtCore.Qt.LeftButton)
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


def export_otio(window, qtbot, folder: Path, monkeypatch) -> Path:
    from seine_editor.widgets.dialogs import export_dialog

    otio_filter = next(text for text, suffix in export_dialog.available_formats() if suffix == ".otio")
    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(folder / "story"), otio_filter))  # typed without a suffix
    window.actions_by_key["export"].trigger()
    wait_jobs_finished(window, qtbot, 4)
    return folder / "story.otio"


def wait_jobs_finished(window, qtbot, count: int) -> None:
    """`count` rows in the jobs panel, all ended; none failed."""
    qtbot.waitUntil(lambda: len(window.jobs.rows) == count and all(
        r.state in ("finished", "failed", "cancelled") for r in window.jobs.rows.values()), timeout=60000)
    assert {r.title.text(): r.status.text() for r in window.jobs.rows.values() if r.state == "failed"} == {}


def give_focus_back(window, qtbot) -> None:
    """What the window manager does when a dialog closes (the offscreen platform has none): the main window is
    active again, so its shortcuts reach it."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)


def movie_frames(path) -> list:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(int) for frame in container.decode(video=0)]


def video_track(window):
    (track,) = [t for t in window.project.document.info().tracks if t.kind == "video"]
    return track


def layout(window):
    return [(c.start_frame, c.duration_frames, c.generative.kind if c.generative else c.name)
            for c in video_track(window).clips]


# ---- the story ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["seine", "morph"])
def test_two_shots_bridged_by_a_generated_transition_play_render_and_export(
        engine, window, qtbot, ui, shots, tiny_weights, tmp_path, monkeypatch):
    from seine_editor.project.generation import EngineSettings

    a, b = shots
    # a project kept at a 64×64 SEINE canvas (the dialog keeps the fields it does not show)
    window.project.generation.set_engine_settings(EngineSettings(engine="morph", model_size=(64, 64)))
    window.timeline.view.set_zoom(4.0, 0)
    window.timeline.view.horizontalScrollBar().setValue(0)

    # 1. the shots: dropped from the file manager onto the bin, then each dragged onto the timeline
    ui.drop_urls(window.bin.list.viewport(), [a, b], QtCore.QPoint(20, 20))
    qtbot.waitUntil(lambda: None not in (window.bin.info(a), window.bin.info(b)), timeout=10000)
    drag_from_bin(window, ui, 0, 0)
    drag_from_bin(window, ui, 1, A_FRAMES)
    assert layout(window) == [(0, A_FRAMES, "red_room.mp4"), (CUT, B_FRAMES, "blue_sea.mp4")]
    start = window.project.undo_stack.index()

    # 2. the engine, from the settings dialog
    choose_engine(window, engine, tiny_weights)
    expected = EngineSettings.for_engine("seine", weights=tiny_weights, device="cpu", model_size=(64, 64),
                                         preset="preview") if engine == "seine" else \
        EngineSettings(engine, {engine: {"push_in": 1.2}}, model_size=(64, 64))
    assert window.project.generation.settings == expected

    # 3. a generative transition on the cut, a prompt, Generate; the job finishes and bakes the item
    drop_generative_transition(window, ui)
    assert layout(window) == [(0, A_FRAMES, "red_room.mp4"), (CUT, BRIDGE, "seine.transition"),
                              (AFTER, B_FRAMES, "blue_sea.mp4")]
    item_id = video_track(window).clips[1].id
    prompt_and_generate(window, item_id)
    generation = window.project.generation
    qtbot.waitUntil(lambda: generation.item_state(item_id).state in ("done", "failed"), timeout=60000)
    assert generation.item_state(item_id).state == "done", generation.item_state(item_id).reason
    item = window.project.document.info().clip(item_id)
    assert (item.generative.status, item.generative.params["prompt"], item.generative.params["engine"]) == \
        ("baked", PROMPT, engine)
    assert len(item.generative.takes) == 1
    row = window.jobs.rows[generation.item_state(item_id).job_id]
    assert (row.state, row.bar.value()) == ("finished", 1000)
    assert window.timeline.view.clip_items[item_id].job_state is None

    # 4. played across the bridge: A's last frames, A's last frame, ..., B's first frame, then B; the generated
    #    frames in between, not the morph preview
    give_focus_back(window, qtbot)
    assert step_through(window, qtbot, ui, CUT - 2, 3) == [CUT - 2, CUT - 1, CUT - 1]
    assert step_through(window, qtbot, ui, AFTER - 1, 3) == [B_FIRST, B_FIRST, B_FIRST + 1]
    assert read_tint(shown(window, qtbot, ui, AFTER + 4))[2] > 150
    middle = shown(window, qtbot, ui, CUT + BRIDGE // 2).astype(int)
    assert abs(middle - movie_frames(item.media_path)[BRIDGE // 2]).mean() < 2

    # 5. undo from the Edit menu: the take goes, then the prompt, then the item; redo brings each back
    baked = window.project.document.to_json()
    undo, redo = window.actions_by_key["undo"], window.actions_by_key["redo"]
    undo.trigger()
    gone = window.project.document.info().clip(item_id).generative
    assert (gone.takes, gone.status, gone.params["prompt"]) == ((), "pending", PROMPT)
    undo.trigger()
    assert window.project.document.info().clip(item_id).generative.params["prompt"] == ""
    undo.trigger()
    assert layout(window) == [(0, A_FRAMES, "red_room.mp4"), (CUT, B_FRAMES, "blue_sea.mp4")]
    assert window.project.undo_stack.index() == start + 1  # the settings dialog's step is next
    for _ in range(3):
        redo.trigger()
    assert window.project.document.to_json() == baked

    # 6. rendered from the File menu to an .mp4: every timeline frame, the cut frames exact
    movie = tmp_path / "story.mp4"
    render_from_file_menu(window, qtbot, movie)
    wait_jobs_finished(window, qtbot, 3)
    frames = movie_frames(movie)
    assert len(frames) == AFTER + B_FRAMES == window.project.document.info().duration_frames
    assert [read_frame_index(frames[i]) for i in (0, CUT - 1, CUT, AFTER - 1, AFTER, AFTER + B_FRAMES - 1)] == \
        [0, CUT - 1, CUT - 1, B_FIRST, B_FIRST, B_FIRST + B_FRAMES - 1]

    # 7. exported to .otio from the File menu: the bridge is an ordinary clip on a baked movie, provenance kept
    otio_path = export_otio(window, qtbot, tmp_path, monkeypatch)
    clips = json.loads(otio_path.read_text())["tracks"]["children"][0]["children"]
    assert [c["name"] for c in clips] == ["red_room.mp4", "Transition", "blue_sea.mp4"]
    bridge = clips[1]
    provenance = bridge["metadata"]["seine"]["provenance"]
    assert {k: provenance[k] for k in ("kind", "engine", "prompt", "seed", "status", "fingerprint")} == \
        {"kind": "seine.transition", "engine": engine, "prompt": PROMPT, "seed": 0, "status": "baked",
         "fingerprint": item.generative.fingerprint}
    assert [(s["role"], Path(s["media_path"]).name, s["frame"]) for s in provenance["sources"]] == \
        [("left", "red_room.mp4", CUT - 1), ("right", "blue_sea.mp4", 0)]
    assert provenance["weights"].startswith("seine:") if engine == "seine" else provenance["weights"] == "morph/1"
    assert provenance["preset"] == ("preview" if engine == "seine" else None)  # morph has no presets
    assert provenance["steps"] == (10 if engine == "seine" else BRIDGE + 2)  # morph: a frame a step, neighbours too
    baked_movie = Path(bridge["media_references"]["DEFAULT_MEDIA"]["target_url"])
    assert baked_movie.parent == tmp_path / "story_media" and bridge["source_range"]["duration"]["value"] == BRIDGE
    baked_frames = movie_frames(baked_movie)
    assert (len(baked_frames), read_frame_index(baked_frames[0]), read_frame_index(baked_frames[-1])) == \
        (BRIDGE, CUT - 1, B_FIRST)


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


def test_closed_render_and_settings_dialogs_do_not_stay_alive_in_the_window(window):
    from seine_editor.widgets.dialogs.render_dialog import RenderDialog
    from seine_editor.widgets.dialogs.settings_dialog import SettingsDialog

    for _ in range(2):
        window.actions_by_key["settings"].trigger()
        window.findChildren(SettingsDialog)[-1].reject()
        QtCore.QTimer.singleShot(
            0, lambda: next(d for d in window.findChildren(RenderDialog) if d.isVisible()).reject())
        window.actions_by_key["render"].trigger()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.DeferredDelete)
    assert (window.findChildren(SettingsDialog), window.findChildren(RenderDialog)) == ([], [])
