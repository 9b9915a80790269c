"""The generative workflow from the palette: drop a transition on a cut, the job runs, the item is baked."""
import numpy as np
import pytest
from PySide6 import QtCore


@pytest.fixture
def cut(window, infos):
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=40)  # 8 frames of handle after the cut
    window.project.add_clip(infos["b"], v1, 40, source_start_frame=8)  # and 8 before it
    view = window.timeline.view
    view.set_zoom(4.0, 0)
    view.horizontalScrollBar().setValue(0)
    top, height = view.geometry_.rows[v1]
    return window, view.mapFromScene(QtCore.QPointF(view.geometry_.x(40), top + height / 2))


def palette_mime(window, kind):
    palette = window.palette
    item = next(palette.item(i) for i in range(palette.count()) if palette.item(i).data(QtCore.Qt.UserRole) == kind)
    return palette.mimeData([item])


def test_a_dissolve_dropped_on_the_cut_is_centred_on_it(cut, ui):
    window, at_cut = cut
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "dissolve"), at_cut)
    (track,) = [t for t in window.project.document.info().tracks if t.kind == "video"]
    (dissolve,) = track.transitions
    assert (dissolve.cut_frame, dissolve.in_offset_frames, dissolve.out_offset_frames) == (40, 6, 6)


def test_a_morph_transition_dropped_on_the_cut_bridges_the_shots_and_its_job_bakes_it(cut, ui, qtbot):
    window, at_cut = cut
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "engine:morph"), at_cut)
    info = window.project.document.info()
    (track,) = [t for t in info.tracks if t.kind == "video"]
    names = [(c.start_frame, c.duration_frames, c.generative.kind if c.generative else c.name) for c in track.clips]
    assert names == [(0, 40, "shot_a.mp4"), (40, 48, "seine.transition"), (88, 28, "shot_b.mp4")]
    item_id = track.clips[1].id
    qtbot.waitUntil(lambda: len(window.jobs.rows) == 1, timeout=5000)
    qtbot.waitUntil(lambda: window.project.document.info().clip(item_id).generative.status == "baked",
                    timeout=60000)
    (row,) = window.jobs.rows.values()
    assert row.state == "finished"
    assert window.timeline.view.clip_items[item_id].job_state is None


def test_an_item_whose_engine_has_no_weights_is_not_made_with_another_and_offers_what_to_do(cut, ui, qtbot):
    window, at_cut = cut
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "generative"), at_cut)  # SEINE, no weights
    item_id = window.project.document.info().tracks[0].clips[1].id
    window.timeline.view.select_clips([item_id])
    form = window.inspector.form
    reason = "SEINE needs weights or checkpoint and sd_path (Engine settings → SEINE); nothing was made with " \
             "another engine"
    assert form.setup.isVisibleTo(form) and form.setup_reason.text() == reason
    (row,) = window.jobs.rows.values()
    assert (row.title.text(), row.state, row.status.text()) == ("Transition: shot_a.mp4 → shot_b.mp4", "failed",
                                                                reason)
    form.use_fallback.click()
    assert window.project.document.info().clip(item_id).generative.params["engine"] == "morph"
    assert not form.setup.isVisibleTo(form) and all(r.state != "failed" for r in window.jobs.rows.values())
    qtbot.waitUntil(lambda: window.project.document.info().clip(item_id).generative.status == "baked",
                    timeout=60000)


def test_an_extensions_inspector_asks_what_happens_next_and_shows_no_transition_mode(cut):
    window, _ = cut
    first = window.project.document.info().tracks[0].clips[0].id
    item_id = window.project.generation.extend_clip(first, 12, {"engine": "morph"})
    window.timeline.view.select_clips([item_id])
    form = window.inspector.form
    assert form.prompt.placeholderText() == "What happens next…"
    assert not form.layout().isRowVisible(form.mode)


def test_a_pending_item_shows_its_sources_boundary_frames_and_a_baked_one_its_own(cut, ui, qtbot):
    window, at_cut = cut
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "generative"), at_cut)  # SEINE, no weights
    item_id = window.project.document.info().tracks[0].clips[1].id
    view = window.timeline.view
    item = view.clip_items[item_id]

    def colour_at(fraction):
        box = item.sceneBoundingRect()
        point = view.mapFromScene(QtCore.QPointF(box.left() + box.width() * fraction, box.bottom() - 8))
        pixel = view.viewport().grab().toImage().pixelColor(point)
        return pixel.red(), pixel.blue()

    red, blue = lambda c: c[0] > c[1] + 60, lambda c: c[1] > c[0] + 60
    qtbot.waitUntil(lambda: red(colour_at(0.2)) and blue(colour_at(0.8)), timeout=10000)  # A's last, B's first
    assert item.job_state == "failed"
    window.project.generation.use_fallback(item_id)  # made by morph now: its own frames, a blend of the two
    qtbot.waitUntil(lambda: window.project.document.info().clip(item_id).generative.status == "baked",
                    timeout=60000)
    qtbot.waitUntil(lambda: not red(colour_at(0.5)) and not blue(colour_at(0.5)), timeout=10000)


def test_a_transition_dropped_away_from_any_cut_is_refused(cut, ui):
    window, at_cut = cut
    view = window.timeline.view
    before = window.project.document.to_json()
    away = QtCore.QPoint(at_cut.x() + 80, at_cut.y())
    mime = palette_mime(window, "generative")
    from PySide6 import QtGui
    move = QtGui.QDragMoveEvent(away, QtCore.Qt.CopyAction, mime, QtCore.Qt.LeftButton, QtCore.Qt.NoModifier)
    QtCore.QCoreApplication.sendEvent(view.viewport(), move)
    assert not move.isAccepted()
    drop = QtGui.QDropEvent(QtCore.QPointF(away), QtCore.Qt.CopyAction, mime, QtCore.Qt.LeftButton,
                            QtCore.Qt.NoModifier)
    QtCore.QCoreApplication.sendEvent(view.viewport(), drop)
    assert window.project.document.to_json() == before


def test_selecting_a_generative_item_shows_its_request_in_the_inspector(cut, ui):
    window, at_cut = cut
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "engine:morph"), at_cut)
    item_id = window.project.document.info().tracks[0].clips[1].id
    window.timeline.view.select_clips([item_id])
    form = window.inspector.form
    assert form.isVisibleTo(window.inspector) and form.clip_id == item_id
    assert form.engine.currentData() == "morph" and form.duration.value() == 48


def test_selecting_a_generative_item_keeps_the_docks_where_they_were(cut, ui, qtbot):
    window, at_cut = cut
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "engine:morph"), at_cut)
    docks = lambda: (window.docks["timeline"].height(), window.docks["inspector"].size())
    qtbot.wait(10)
    before = docks()
    window.timeline.view.select_clips([window.project.document.info().tracks[0].clips[1].id])
    qtbot.wait(10)  # the layout settles
    assert window.inspector.form.isVisibleTo(window.inspector)
    assert docks() == before


def test_the_inspector_says_how_the_items_engine_builds_its_prompt(cut, ui):
    window, at_cut = cut
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "engine:morph"), at_cut)
    window.timeline.view.select_clips([window.project.document.info().tracks[0].clips[1].id])
    form = window.inspector.form
    assert not form.prompt_rule.isVisibleTo(form)  # morph takes no prompt
    form.engine.setCurrentIndex(form.engine.findData("seine"))
    form.engine.activated.emit(form.engine.currentIndex())
    assert form.prompt_rule.isVisibleTo(form)
    assert form.prompt_rule.text().startswith('SEINE appends its official words to the prompt, with no space: a '
                                              'transition adds "smooth transition."')


@pytest.fixture
def stripes_with_sound(monkeypatch):
    """The test engine on the palette (registered before the window is built), making sound."""
    from engine import registry

    monkeypatch.setitem(registry._ENGINES, "stripes", ("engine.testing_engines", "StripesEngine"))


def test_a_transition_generated_with_sound_plays_it_until_the_inspector_switches_it_off(stripes_with_sound, cut,
                                                                                         ui, qtbot):
    from seine_editor.project.engine_settings import EngineSettings
    from seine_editor.render.audio import AudioMixer
    from seine_editor.render.plan import plan_from_snapshot

    window, at_cut = cut
    window.project.generation.set_engine_settings(EngineSettings.for_engine("stripes", levels=True,
                                                                            host="in-process"))
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "engine:stripes"), at_cut)
    item_id = window.project.document.info().tracks[0].clips[1].id
    qtbot.waitUntil(lambda: window.project.document.info().clip(item_id).generative.status == "baked",
                    timeout=60000)

    def heard_under_the_item() -> float:
        mixer = AudioMixer(plan_from_snapshot(window.project.document.render_snapshot()))
        try:
            return float(np.abs(mixer.mix_frames(50, 80)).max())
        finally:
            mixer.close()

    window.timeline.view.select_clips([item_id])
    form = window.inspector.form
    assert form.sound.isEnabled() and form.sound.isChecked()
    # frames 50..80 of the item (40..88) show the engine's frames 1 to 4: levels up to 0.5 (and a little ringing)
    assert heard_under_the_item() == pytest.approx(0.5, abs=0.02)

    qtbot.mouseClick(form.sound, QtCore.Qt.LeftButton)
    assert not window.project.document.info().clip(item_id).generative.sound_on
    assert heard_under_the_item() == 0.0  # a bridge without its sound is silent
    window.actions_by_key["undo"].trigger()
    assert form.sound.isChecked() and heard_under_the_item() > 0.0


def baked_morph(window, ui, at_cut, qtbot) -> str:
    """A morph transition dropped on the cut, once its frames are made: its id."""
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "engine:morph"), at_cut)
    item_id = window.project.document.info().tracks[0].clips[1].id
    qtbot.waitUntil(lambda: window.project.document.info().clip(item_id).generative.status == "baked",
                    timeout=60000)
    return item_id

def test_the_sound_switch_is_off_and_disabled_for_a_take_made_without_sound(cut, ui, qtbot):
    window, at_cut = cut
    item_id = baked_morph(window, ui, at_cut, qtbot)
    window.timeline.view.select_clips([item_id])
    assert not window.inspector.form.sound.isEnabled() and not window.inspector.form.sound.isChecked()


def test_a_generative_drop_asks_for_its_prompt_and_enter_makes_it(cut, ui, qtbot):
    from PySide6.QtTest import QTest

    window, at_cut = cut
    window.ask_on_generate = True
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "engine:morph"), at_cut)
    popover = window.popover
    assert popover.isVisible() and len(window.project.document.info().tracks[0].clips) == 2  # nothing placed yet
    assert popover.mode_hint.text().startswith("New frames between the two shots")
    QTest.keyClicks(popover.prompt, "a boat at dusk")
    popover.seed.setValue(7)
    popover.duration.setValue(16)
    popover.mode.setCurrentText("overlap")
    QTest.keyClick(popover.prompt, QtCore.Qt.Key_Return)
    qtbot.waitUntil(lambda: len(window.project.document.info().tracks[0].clips) == 3, timeout=2000)
    item = window.project.document.info().tracks[0].clips[1]
    assert (item.duration_frames, item.generative.mode) == (16, "overlap")
    assert (item.generative.params["prompt"], item.generative.params["seed"], item.generative.params["engine"]) == \
        ("a boat at dusk", 7, "morph")
    assert not popover.isVisible()


def test_escape_in_the_prompt_popover_places_nothing(cut, ui):
    from PySide6.QtTest import QTest

    window, at_cut = cut
    window.ask_on_generate = True
    before = window.project.document.to_json()
    ui.drop_mime(window.timeline.view.viewport(), palette_mime(window, "generative"), at_cut)
    QTest.keyClick(window.popover.prompt, QtCore.Qt.Key_Escape)
    assert not window.popover.isVisible()
    assert window.project.document.to_json() == before and window.project.undo_stack.count() == 2


def test_extend_clip_asks_what_happens_next_and_for_how_long(cut, qtbot):
    from PySide6.QtTest import QTest

    window, _ = cut
    window.ask_on_generate = True
    first = window.project.document.info().tracks[0].clips[0].id
    window.request_extend_or_animate(first)
    popover = window.popover
    assert (popover.title.text(), popover.prompt.placeholderText()) == ("Extend clip", "What happens next…")
    assert not popover.layout().isRowVisible(popover.mode)
    popover.duration.setValue(10)
    QTest.keyClick(popover.prompt, QtCore.Qt.Key_Enter)
    qtbot.waitUntil(lambda: len(window.project.document.info().tracks[0].clips) == 3, timeout=2000)
    extension = window.project.document.info().tracks[0].clips[1]
    assert (extension.generative.kind, extension.duration_frames) == ("seine.extend", 10)


def test_a_generated_item_made_for_another_frame_size_is_stale_and_says_so(cut, ui, qtbot):
    window, at_cut = cut
    item_id = baked_morph(window, ui, at_cut, qtbot)
    window.project.set_settings(width=320, height=240)
    view = window.timeline.view
    assert view.clip_items[item_id].job_state == "stale"
    assert item_id in window.project.generation.pending_items()  # `generate` makes it again
    view.select_clips([item_id])
    assert window.inspector.form.state.text() == ("Made for 160×120; the project is 320×240 now: regenerate to "
                                                  "update.")
    window.actions_by_key["undo"].trigger()
    assert view.clip_items[item_id].job_state is None
