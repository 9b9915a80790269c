"""The inspector edits what is selected: a dissolve's frames either side of the cut, a generative item's
duration and mode; each change is one undo step on the document."""
import pytest
from PySide6 import QtCore
from PySide6.QtTest import QTest

L = QtCore.Qt.LeftButton


@pytest.fixture
def cut(window, infos):
    """Shot A (40 frames, 8 of handle after) meets shot B (from its frame 8) at frame 40, 4 px per frame."""
    v1 = window.project.document.track_ids("video")[0]
    window.project.add_clip(infos["a"], v1, 0, duration_frames=40)
    window.project.add_clip(infos["b"], v1, 40, source_start_frame=8)
    view = window.timeline.view
    view.set_zoom(4.0, 0)
    view.horizontalScrollBar().setValue(0)
    return window, v1


def click_frame(window, track_id, frame, height_fraction=0.7):
    view = window.timeline.view
    top, height = view.geometry_.rows[track_id]
    at = view.mapFromScene(QtCore.QPointF(view.geometry_.x(frame), top + height * height_fraction))
    QTest.mouseClick(view.viewport(), L, QtCore.Qt.NoModifier, at)


def type_into(box, value):
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, str(value))
    QTest.keyClick(box, QtCore.Qt.Key_Return)


def layout(window, track_id):
    track = window.project.document.info().track(track_id)
    return [(c.start_frame, c.duration_frames, c.generative.mode if c.generative else c.name) for c in track.clips]


def test_a_clicked_dissolve_shows_its_length_and_editing_it_changes_the_document(cut):
    window, v1 = cut
    window.project.add_dissolve(window.project.document.info().track(v1).clips[0].id, 6, 6)
    click_frame(window, v1, 41)
    form = window.inspector.dissolve
    assert form.isVisible() and (form.before.value(), form.after.value()) == (6, 6)
    type_into(form.before, 4)
    (dissolve,) = window.project.document.info().track(v1).transitions
    assert (dissolve.in_offset_frames, dissolve.out_offset_frames) == (4, 6)
    assert form.isVisible() and form.before.value() == 4  # still selected after the edit
    window.actions_by_key["undo"].trigger()
    (dissolve,) = window.project.document.info().track(v1).transitions
    assert (dissolve.in_offset_frames, dissolve.out_offset_frames) == (6, 6)


def test_delete_removes_a_clicked_dissolve_and_undo_brings_it_back(cut):
    window, v1 = cut
    window.project.add_dissolve(window.project.document.info().track(v1).clips[0].id, 6, 6)
    clips = window.project.document.info().track(v1).clips
    click_frame(window, v1, 41)
    QTest.keyClick(window.timeline.view, QtCore.Qt.Key_Delete)
    assert window.project.document.info().track(v1).transitions == ()
    assert window.project.document.info().track(v1).clips == clips  # the clips stay as they were
    assert window.project.undo_stack.undoText() == "Remove 12 frame dissolve after 'shot_a.mp4'"
    window.actions_by_key["undo"].trigger()
    assert len(window.project.document.info().track(v1).transitions) == 1


def test_a_dissolve_longer_than_the_handles_is_refused_with_the_reason(cut):
    window, v1 = cut
    window.project.add_dissolve(window.project.document.info().track(v1).clips[0].id, 6, 6)
    click_frame(window, v1, 41)
    type_into(window.inspector.dissolve.after, 30)
    (dissolve,) = window.project.document.info().track(v1).transitions
    assert dissolve.out_offset_frames == 6
    assert window.statusBar().currentMessage().startswith("⚠")


@pytest.fixture
def bridged(cut):
    window, v1 = cut
    window.project.generation.add_generative_transition(v1, 40, params={"engine": "morph"}, duration_frames=16)
    click_frame(window, v1, 48)
    assert window.inspector.form.isVisible()
    return window, v1


def test_a_bridge_made_longer_pushes_the_next_shot_along_in_one_undo_step(bridged):
    window, v1 = bridged
    before = layout(window, v1)
    type_into(window.inspector.form.duration, 24)
    assert layout(window, v1) == [(0, 40, "shot_a.mp4"), (40, 24, "bridge"), (64, 28, "shot_b.mp4")]
    window.actions_by_key["undo"].trigger()
    assert layout(window, v1) == before


def test_a_bridge_switched_to_overlap_takes_its_frames_from_both_shots(bridged):
    window, v1 = bridged
    form = window.inspector.form
    form.mode.setCurrentText("overlap")
    form.mode.activated.emit(form.mode.currentIndex())
    assert layout(window, v1) == [(0, 32, "shot_a.mp4"), (32, 16, "overlap"), (48, 20, "shot_b.mp4")]


def item_ids(window, v1):
    return [c.id for c in window.project.info().track(v1).clips]


def test_a_bridge_switched_to_overlap_keeps_the_item_and_undoes_in_one_step(bridged):
    window, v1 = bridged
    before, ids = layout(window, v1), item_ids(window, v1)
    form = window.inspector.form
    form.mode.setCurrentText("overlap")
    form.mode.activated.emit(form.mode.currentIndex())
    assert item_ids(window, v1) == ids  # the same item: its request and takes stay with it
    assert window.project.undo_stack.text(window.project.undo_stack.index() - 1) == \
        "Change 'Transition' to 16 frames, overlap"
    window.actions_by_key["undo"].trigger()
    assert layout(window, v1) == before


def test_a_longer_overlap_takes_more_from_both_shots(bridged):
    window, v1 = bridged
    form = window.inspector.form
    form.mode.setCurrentText("overlap")
    form.mode.activated.emit(form.mode.currentIndex())
    click_frame(window, v1, 36)
    type_into(form.duration, 20)
    assert layout(window, v1) == [(0, 30, "shot_a.mp4"), (30, 20, "overlap"), (50, 18, "shot_b.mp4")]


def test_an_overlap_longer_than_a_shot_can_give_is_refused_naming_it(bridged):
    window, v1 = bridged
    form = window.inspector.form
    form.mode.setCurrentText("overlap")
    form.mode.activated.emit(form.mode.currentIndex())
    click_frame(window, v1, 36)
    before = layout(window, v1)
    type_into(form.duration, 60)
    assert layout(window, v1) == before
    assert "'Transition' cannot overlap 60 frames: clip 'shot_b.mp4' shows 28 frames (frames 40..67) and would " \
           "give 30 of them" in window.statusBar().currentMessage()


class HideCounter(QtCore.QObject):
    """Counts the Hide events a widget gets (a form hidden and shown again loses the keyboard focus)."""

    def __init__(self, widget):
        super().__init__(widget)
        self.hides = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):
        self.hides += event.type() == QtCore.QEvent.Hide
        return False


def test_editing_a_dissolve_keeps_its_form_up_and_the_focus_in_the_box(cut):
    window, v1 = cut
    window.project.add_dissolve(window.project.document.info().track(v1).clips[0].id, 6, 6)
    click_frame(window, v1, 41)
    form = window.inspector.dissolve
    counter = HideCounter(form)
    type_into(form.before, 4)
    type_into(form.before, 3)
    (dissolve,) = window.project.document.info().track(v1).transitions
    assert (dissolve.in_offset_frames, counter.hides) == (3, 0)
    assert form.before.hasFocus()


def test_an_unrelated_edit_keeps_what_is_being_typed_in_the_dissolve_form(cut):
    window, v1 = cut
    window.project.add_dissolve(window.project.document.info().track(v1).clips[0].id, 6, 6)
    click_frame(window, v1, 41)
    form = window.inspector.dissolve
    form.after.setFocus()
    form.after.selectAll()
    QTest.keyClicks(form.after, "5")  # typed, not yet committed
    window.project.add_marker(10)
    assert (form.isVisible(), form.after.text(), form.after.hasFocus()) == (True, "5 frames", True)


def test_undo_reloads_the_dissolve_form_with_the_documents_values(cut):
    window, v1 = cut
    window.project.add_dissolve(window.project.document.info().track(v1).clips[0].id, 6, 6)
    click_frame(window, v1, 41)
    form = window.inspector.dissolve
    type_into(form.after, 2)
    window.actions_by_key["undo"].trigger()
    assert (form.isVisible(), form.before.value(), form.after.value()) == (True, 6, 6)


@pytest.fixture
def shot_with_sound(window, tmp_path):
    """A 24-frame shot with a tone, placed at frame 0: its picture on V1, its sound linked on A1."""
    from fractions import Fraction

    from seine_editor.media.synthetic import write_coded_video

    path = write_coded_video(tmp_path / "harbour.mp4", frames=24, width=160, height=120, fps=Fraction(24),
                             audio_rate=48000, tone_hz=440)
    v1, a1 = (window.project.document.track_ids(kind)[0] for kind in ("video", "audio"))
    window.project.add_clip(path, v1, 0)
    window.timeline.view.set_zoom(4.0, 0)
    window.timeline.view.horizontalScrollBar().setValue(0)
    return window, v1, a1


def test_a_clips_name_opacity_and_enabled_are_edited_in_the_inspector_each_one_undo_step(shot_with_sound):
    window, v1, _ = shot_with_sound
    click_frame(window, v1, 10)
    form = window.inspector.properties
    assert form.isVisibleTo(window.inspector) and form.name.text() == "harbour.mp4"
    assert not form.layout().isRowVisible(form.volume)  # its sound is the linked clip's, on A1
    type_into(form.name, "Harbour, wide")
    type_into(form.opacity, 40)
    form.enabled.click()
    clip = window.project.document.info().track(v1).clips[0]
    assert (clip.name, clip.opacity, clip.enabled) == ("Harbour, wide", 0.4, False)
    assert window.timeline.view.clip_items[clip.id].clip.enabled is False
    assert window.project.render_snapshot().video_tracks()[0].items == ()  # neither seen nor rendered
    for expected in ("Disable 'Harbour, wide'", "Set opacity of 'Harbour, wide' to 40%",
                     "Rename 'harbour.mp4' to 'Harbour, wide'"):
        assert window.project.undo_stack.undoText() == expected
        window.actions_by_key["undo"].trigger()
    assert window.project.document.info().track(v1).clips[0].name == "harbour.mp4"


def test_a_sound_clips_volume_is_set_in_decibels(shot_with_sound):
    window, _, a1 = shot_with_sound
    click_frame(window, a1, 10)
    form = window.inspector.properties
    assert form.layout().isRowVisible(form.volume) and not form.layout().isRowVisible(form.opacity)
    type_into(form.volume, -6)
    assert window.project.document.info().track(a1).clips[0].gain_db == -6.0


def test_a_clips_speed_is_set_in_percent_with_its_sound_one_undo_step(shot_with_sound):
    window, v1, a1 = shot_with_sound
    click_frame(window, v1, 10)
    form = window.inspector.properties
    assert form.layout().isRowVisible(form.speed) and form.speed.value() == 100
    type_into(form.speed, 200)
    picture, = window.project.document.info().track(v1).clips
    sound, = window.project.document.info().track(a1).clips
    assert (picture.duration_frames, picture.speed, sound.duration_frames, sound.speed) == (12, 2, 12, 2)
    assert window.project.undo_stack.undoText() == "Set speed of 'harbour.mp4' to 200%"
    assert window.timeline.view.clip_items[picture.id].title == "harbour.mp4  [200%]"
    window.actions_by_key["undo"].trigger()
    assert [c.duration_frames for c in window.project.document.info().clips()] == [24, 24]
