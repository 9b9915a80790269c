"""The inspector: what is selected. A plain clip shows its facts; a generative item shows its request
(prompt, negative prompt, seed with a dice button, engine, preset/steps, guidance, duration, mode), its takes
and the Generate / Regenerate / Cancel buttons; an ordinary clip its properties (name, enabled, fit, opacity,
volume); a selected dissolve shows its length either side of the cut.
It emits requests; the main window passes them on."""
from __future__ import annotations

import random
from typing import Optional

from PySide6 import QtCore, QtWidgets

from engine import engine_info, engine_names
from engine.registry import DEFAULT_ENGINE, FALLBACK_ENGINE
from seine_editor.timeline.edits_properties import GAIN_RANGE_DB, SPEED_RANGE
from seine_editor.timeline.generated import MODES
from seine_editor.timeline.snapshot import ClipInfo, TransitionInfo
from seine_editor.timeline.time import timecode
from seine_editor.widgets.resources import icon

PROMPT_HINTS = {"transition": "What happens between the shots…", "extend": "What happens next…",
                "animate": "How the picture comes to life…"}


def engine_combo(current: Optional[str] = None) -> QtWidgets.QComboBox:
    """Every registered engine by its label (its name as the item data); a name this installation lacks (saved
    by another) is shown as it is, not silently changed."""
    box = QtWidgets.QComboBox()
    for name in engine_names():
        info = engine_info(name)
        box.addItem(info.label, name)
        box.setItemData(box.count() - 1, info.description, QtCore.Qt.ToolTipRole)
    select_data(box, current)
    return box


def seed_field() -> tuple[QtWidgets.QSpinBox, QtWidgets.QHBoxLayout]:
    """A seed box with a dice button beside it that rolls a random seed: (the box, the row holding both)."""
    seed = QtWidgets.QSpinBox(maximum=2 ** 31 - 1)
    dice = QtWidgets.QToolButton(icon=icon("dice"), toolTip="Random seed", autoRaise=True)
    dice.clicked.connect(lambda: seed.setValue(random.randrange(2 ** 31)))
    row = QtWidgets.QHBoxLayout()
    row.addWidget(seed, 1)
    row.addWidget(dice)
    return seed, row


def select_data(box: QtWidgets.QComboBox, value) -> None:
    if value is None:
        return
    index = box.findData(value)
    if index < 0:
        box.addItem(str(value), value)
        index = box.count() - 1
    box.setCurrentIndex(index)


def fill_presets(box: QtWidgets.QComboBox, engine: str, current: Optional[str], default_label: str = "") -> None:
    """The engine's presets, in its order; with ``default_label``, a first entry (data None) for "the default".
    Disabled for an engine without presets."""
    box.clear()
    presets = engine_info(engine).presets if engine in engine_names() else ()
    if default_label:
        box.addItem(default_label, None)
    for preset in presets:
        box.addItem(preset.name, preset.name)
        box.setItemData(box.count() - 1, preset.description, QtCore.Qt.ToolTipRole)
    box.setEnabled(bool(presets))
    if presets:
        select_data(box, current)


class GenerativeForm(QtWidgets.QWidget):
    """The request of one generative item, editable."""

    generate_requested = QtCore.Signal(str, dict)  # clip id, params
    cancel_requested = QtCore.Signal(str)
    take_chosen = QtCore.Signal(str, str)  # clip id, take key
    reshape_requested = QtCore.Signal(str, int, str)  # clip id, duration in frames, mode ("" for extensions)
    sound_switched = QtCore.Signal(str, bool)  # clip id, generated sound on
    fallback_requested = QtCore.Signal(str)  # clip id: make it with the fallback engine (morph) for now
    engine_settings_requested = QtCore.Signal()

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.clip_id: Optional[str] = None
        self.prompt = QtWidgets.QPlainTextEdit(placeholderText="What happens between the shots…")
        self.prompt.setFixedHeight(64)
        self.prompt_rule = QtWidgets.QLabel(objectName="hint", wordWrap=True)  # how the engine builds its prompt
        self.negative = QtWidgets.QLineEdit(placeholderText="Negative prompt")
        self.seed, seed_row = seed_field()
        self.engine = engine_combo()
        self.engine.activated.connect(lambda _i: self._on_engine_chosen())
        self.preset = QtWidgets.QComboBox()
        self.steps = QtWidgets.QSpinBox(minimum=0, maximum=1000, specialValueText="preset")
        self.guidance = QtWidgets.QDoubleSpinBox(minimum=0.0, maximum=30.0, singleStep=0.5, specialValueText="preset")
        self.duration = QtWidgets.QSpinBox(minimum=2, maximum=10000, suffix=" frames")
        self.mode = QtWidgets.QComboBox()
        self.mode.addItems(MODES)
        self.takes = QtWidgets.QComboBox()
        self.takes.activated.connect(lambda i: self.clip_id and self.take_chosen.emit(self.clip_id, self.takes.itemData(i)))
        self.sound = QtWidgets.QCheckBox("Generated sound")
        self.sound.clicked.connect(lambda on: self.clip_id and self.sound_switched.emit(self.clip_id, on))
        self.state = QtWidgets.QLabel(objectName="hint", wordWrap=True)
        self.setup = QtWidgets.QFrame()  # shown while the item's engine cannot run: what to do about it
        self.setup_reason = QtWidgets.QLabel(wordWrap=True, styleSheet="color: #ff6b6b;")
        self.use_fallback = QtWidgets.QPushButton(f"Use {engine_info(FALLBACK_ENGINE).label} for now")
        self.use_fallback.clicked.connect(lambda: self.clip_id and self.fallback_requested.emit(self.clip_id))
        self.set_weights = QtWidgets.QPushButton("Set weights…")
        self.set_weights.clicked.connect(self.engine_settings_requested)
        setup_buttons = QtWidgets.QHBoxLayout()
        setup_buttons.addWidget(self.use_fallback)
        setup_buttons.addWidget(self.set_weights)
        setup_column = QtWidgets.QVBoxLayout(self.setup)
        setup_column.setContentsMargins(0, 4, 0, 0)
        setup_column.addWidget(self.setup_reason)
        setup_column.addLayout(setup_buttons)
        self.setup.hide()
        self.generate = QtWidgets.QPushButton(icon("generate"), "Generate", objectName="primary")
        self.generate.clicked.connect(lambda: self.clip_id and self.generate_requested.emit(self.clip_id, self.params()))
        self.cancel = QtWidgets.QPushButton(icon("cancel"), "Cancel")
        self.cancel.clicked.connect(lambda: self.clip_id and self.cancel_requested.emit(self.clip_id))
        self._shown = (0, "")
        self._loaded_params: dict = {}
        self.duration.editingFinished.connect(self._on_shape_edited)
        self.mode.activated.connect(lambda _i: self._on_shape_edited())
        form = QtWidgets.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Prompt", self.prompt), ("", self.prompt_rule), ("Negative", self.negative),
                              ("Seed", seed_row),
                              ("Engine", self.engine), ("Preset", self.preset), ("Steps", self.steps),
                              ("Guidance", self.guidance), ("Duration", self.duration), ("Mode", self.mode),
                              ("Take", self.takes), ("Sound", self.sound)):
            form.addRow(label, widget)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.generate, 1)
        buttons.addWidget(self.cancel)
        form.addRow(buttons)
        form.addRow(self.state)
        form.addRow(self.setup)
        self._form = form

    def show_clip(self, clip: ClipInfo, stale_reason: Optional[str] = None,
                  engine_missing: Optional[str] = None) -> None:
        """Show the item (``stale_reason``: why its frames no longer fit, beyond the document's own judgement;
        ``engine_missing``: why its engine could not make it). Re-shown after any edit: what the person is typing
        stays unless the document's request (or the item) changed, so a job finishing mid-prompt does not wipe
        the prompt."""
        gen = clip.generative
        params = dict(gen.params)
        same_item = clip.id == self.clip_id
        self.clip_id = clip.id
        if not same_item or params != self._loaded_params:
            self._load_params(params)
        mode = str(gen.mode or params.get("mode", "bridge")) if gen.kind == "seine.transition" else ""
        if not same_item or (clip.duration_frames, mode) != self._shown:
            self.duration.setValue(clip.duration_frames)
            self.mode.setCurrentText(mode or MODES[0])
            self._shown = (clip.duration_frames, mode)
        self._form.setRowVisible(self.mode, bool(mode))  # only a transition has a mode
        self.prompt.setPlaceholderText(PROMPT_HINTS[gen.kind.rsplit(".", 1)[-1]])
        self.setup_reason.setText(engine_missing or "")
        self.setup.setVisible(bool(engine_missing))
        self.duration.setEnabled(gen.kind != "seine.animate")  # an animation lasts as long as its still
        self.takes.clear()
        for number, key in enumerate(gen.takes, 1):
            self.takes.addItem(f"Take {number}" + (" (active)" if key == gen.active_take else ""), key)
        self.takes.setEnabled(bool(gen.takes))
        self.sound.setEnabled(gen.sound)  # only a take made with sound has any to switch
        self.sound.setChecked(gen.sound and gen.sound_on)
        self.sound.setToolTip("Play the sound generated with this take" if gen.sound else
                              "This take has no generated sound (its engine makes none)")
        baked = gen.status == "baked"
        self.generate.setText("Regenerate" if baked else "Generate")
        self.state.setText(stale_reason if stale_reason else
                           "Sources changed since this was generated: regenerate to update." if gen.stale else
                           "Generated." if baked else "Not generated yet: the viewer shows a morph preview.")

    def _load_params(self, params: dict) -> None:
        self._loaded_params = params
        self.prompt.setPlainText(str(params.get("prompt", "")))
        self.negative.setText(str(params.get("negative_prompt", "")))
        self.seed.setValue(int(params.get("seed", 0) or 0))
        select_data(self.engine, params.get("engine") or DEFAULT_ENGINE)
        self._on_engine_chosen(params.get("preset"))
        self.steps.setValue(int(params.get("steps") or 0))
        self.guidance.setValue(float(params.get("guidance") or 0.0))

    def _on_engine_chosen(self, preset: Optional[str] = None) -> None:
        """The chosen engine's presets and prompt rule; steps and guidance only for an engine that has them."""
        name = self.engine.currentData()
        fill_presets(self.preset, name, preset or self.preset.currentData())
        rule = engine_info(name).prompt_rule if name in engine_names() else ""
        self.prompt_rule.setText(rule)
        self.prompt_rule.setVisible(bool(rule))
        for box in (self.steps, self.guidance):
            box.setEnabled(self.preset.isEnabled())

    def _on_shape_edited(self) -> None:
        mode = self.mode.currentText() if self._form.isRowVisible(self.mode) else ""
        if self.clip_id and (self.duration.value(), mode) != self._shown:
            self._shown = (self.duration.value(), mode)
            self.reshape_requested.emit(self.clip_id, self.duration.value(), mode)

    def params(self) -> dict:
        return {"prompt": self.prompt.toPlainText().strip(), "negative_prompt": self.negative.text().strip(),
                "seed": self.seed.value(), "preset": self.preset.currentData(),
                "steps": self.steps.value() or None, "guidance": self.guidance.value() or None,
                "engine": self.engine.currentData()}


class ClipPropertiesForm(QtWidgets.QWidget):
    """An ordinary clip's own properties: name, enabled, and its picture's fit and opacity or its sound's volume.
    Each change is one request (clip id, property, value); the window makes it an undoable edit."""

    changed = QtCore.Signal(str, str, object)  # clip id, "name" / "enabled" / "fit_mode" / "opacity" / "gain_db" /
    # "speed"

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.clip_id: Optional[str] = None
        self._shown: dict = {}
        self.name = QtWidgets.QLineEdit()
        self.enabled = QtWidgets.QCheckBox("Seen and heard")
        self.enabled.setToolTip("A disabled clip stays in place but neither shows nor sounds (in the viewer and "
                                "the render alike)")
        self.fit = QtWidgets.QComboBox()
        self.fit.addItem("Fit (whole picture, bars)", "fit")
        self.fit.addItem("Fill (frame covered, edges cropped)", "fill")
        self.opacity = QtWidgets.QSpinBox(minimum=0, maximum=100, suffix=" %")
        self.volume = QtWidgets.QDoubleSpinBox(minimum=GAIN_RANGE_DB[0], maximum=GAIN_RANGE_DB[1], decimals=1,
                                               singleStep=0.5, suffix=" dB")
        low, high = SPEED_RANGE
        self.speed = QtWidgets.QDoubleSpinBox(minimum=float(low) * 100, maximum=float(high) * 100, decimals=1,
                                              singleStep=10, suffix=" %")
        self.speed.setToolTip("Plays the clip's media faster or slower; its sound keeps its pitch. The clip keeps its "
                              "start and first frame, and what follows moves up or back by the change in length")
        self._form = QtWidgets.QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("Name", self.name), ("Enabled", self.enabled), ("Fit", self.fit),
                              ("Opacity", self.opacity), ("Volume", self.volume), ("Speed", self.speed)):
            self._form.addRow(label, widget)
        self.name.editingFinished.connect(lambda: self._emit("name", self.name.text().strip()))
        self.enabled.clicked.connect(lambda on: self._emit("enabled", on))
        self.fit.activated.connect(lambda _i: self._emit("fit_mode", self.fit.currentData()))
        self.opacity.editingFinished.connect(lambda: self._emit("opacity", self.opacity.value() / 100))
        self.volume.editingFinished.connect(lambda: self._emit("gain_db", round(self.volume.value(), 1)))
        self.speed.editingFinished.connect(lambda: self._emit("speed", round(self.speed.value() / 100, 3)))

    def show_clip(self, clip: ClipInfo) -> None:
        self.clip_id = clip.id
        self._shown = {"name": clip.name, "enabled": clip.enabled, "fit_mode": clip.fit_mode,
                       "opacity": round(clip.opacity, 2), "gain_db": round(clip.gain_db, 1),
                       "speed": round(float(clip.speed), 3)}
        self.name.setText(clip.name)
        self.enabled.setChecked(clip.enabled)
        select_data(self.fit, clip.fit_mode)
        self.opacity.setValue(round(clip.opacity * 100))
        self.volume.setValue(clip.gain_db)
        self.speed.setValue(float(clip.speed) * 100)
        picture = clip.kind in ("video", "image")
        sound = clip.kind == "audio" or (clip.kind == "video" and not clip.linked_ids)  # linked: its sound is there
        timed = clip.kind in ("video", "audio") and clip.speed > 0  # a still, a freeze or a reversed clip has none
        for widget, shown in ((self.fit, picture), (self.opacity, picture), (self.volume, sound),
                              (self.speed, timed)):
            self._form.setRowVisible(widget, shown)

    def _emit(self, key: str, value) -> None:
        if self.clip_id is not None and value != self._shown.get(key) and (key != "name" or value):
            self._shown[key] = value
            self.changed.emit(self.clip_id, key, value)


class DissolveForm(QtWidgets.QWidget):
    """A dissolve's frames before and after its cut."""

    changed = QtCore.Signal(str, int, int)  # transition id, frames before the cut, frames after

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.transition_id: Optional[str] = None
        self._shown = (0, 0)
        self.before = QtWidgets.QSpinBox(minimum=0, maximum=100000, suffix=" frames")
        self.after = QtWidgets.QSpinBox(minimum=0, maximum=100000, suffix=" frames")
        form = QtWidgets.QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Before cut", self.before)
        form.addRow("After cut", self.after)
        for box in (self.before, self.after):
            box.editingFinished.connect(self._on_edited)

    def show_transition(self, transition: TransitionInfo) -> None:
        self.transition_id = transition.id
        self._shown = (transition.in_offset_frames, transition.out_offset_frames)
        self.before.setValue(transition.in_offset_frames)
        self.after.setValue(transition.out_offset_frames)

    def _on_edited(self) -> None:
        values = (self.before.value(), self.after.value())
        if self.transition_id and values != self._shown:
            self._shown = values
            self.changed.emit(self.transition_id, *values)


class InspectorPanel(QtWidgets.QWidget):
    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.title = QtWidgets.QLabel("Nothing selected", objectName="sectionTitle", wordWrap=True)
        self.facts = QtWidgets.QLabel(objectName="hint", wordWrap=True,
                                      textInteractionFlags=QtCore.Qt.TextSelectableByMouse)
        self.form = GenerativeForm(self)
        self.properties = ClipPropertiesForm(self)
        self.dissolve = DissolveForm(self)
        content = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(content)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addWidget(self.form)
        layout.addWidget(self.properties)
        layout.addWidget(self.dissolve)
        layout.addStretch(1)
        # The forms scroll inside the dock: a tall form never grows the dock or shrinks the timeline.
        self.scroll = QtWidgets.QScrollArea(self, widgetResizable=True, frameShape=QtWidgets.QFrame.NoFrame,
                                            horizontalScrollBarPolicy=QtCore.Qt.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        self.form.hide()
        self.properties.hide()
        self.dissolve.hide()

    def show_transition(self, transition: TransitionInfo, rate) -> None:
        self._hide_form()
        self.title.setText(transition.name or "Dissolve")
        total = transition.in_offset_frames + transition.out_offset_frames
        self.facts.setText(f"Cut at {timecode(transition.cut_frame, rate)}   Length: {total} frames")
        self.dissolve.show_transition(transition)
        self.dissolve.show()

    def show_clips(self, clips: list[ClipInfo], rate, stale_reason=lambda _item_id: None,
                   engine_missing=lambda _item_id: None) -> None:
        """Re-shown after every edit: the form of the same generative item stays up (never hidden and shown
        again, which would take the keyboard focus away from the prompt being typed)."""
        self.dissolve.hide()
        if len(clips) != 1 or clips[0].generative is None:
            self._hide_form()
        if len(clips) != 1 or clips[0].generative is not None:
            self.properties.hide()
        if not clips:
            self.title.setText("Nothing selected")
            self.facts.setText("Select a clip to see its details, or drop a transition from the palette on a cut.")
            return
        if len(clips) > 1:
            self.title.setText(f"{len(clips)} clips selected")
            self.facts.setText(f"{sum(c.duration_frames for c in clips)} frames in all")
            return
        clip = clips[0]
        self.title.setText(clip.name)
        lines = [f"Kind: {clip.generative.kind if clip.generative else clip.kind}",
                 f"Start: {timecode(clip.start_frame, rate)}   Duration: {clip.duration_frames} frames",
                 f"Source in: frame {clip.source_start_frame}"]
        if clip.media_path:
            lines.append(f"Media: {clip.media_path}" + ("  (OFFLINE)" if clip.offline else ""))
        self.facts.setText("\n".join(lines))
        if clip.generative is not None:
            self.form.show_clip(clip, stale_reason(clip.id), engine_missing(clip.id))
            self.form.show()
        else:
            self.properties.show_clip(clip)
            self.properties.show()

    def _hide_form(self) -> None:
        self.form.hide()
        self.form.clip_id = None  # shown again later, the item's request is loaded afresh
