"""Generation settings of the project: the engine, its options, the default preset and where the engine runs.

Every engine control is built from the chosen engine's description (`EngineInfo.options`): a folder or file option
gets a path field with Choose…, a choice a list, a flag a check box, a number or text a field whose placeholder is
the default. The dialog starts from the settings in force and changes only the fields it shows. They are kept for
every project on this computer (Preferences; a project that kept its own forgets them, one undo step) or for this
project only (one undo step, saved with it: `GenerationController.set_engine_settings`). A refused value (a bad
weights folder, an unreachable server) is named in the dialog, which stays open, and nothing changes."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from PySide6 import QtWidgets

from engine import EngineOption, engine_info
from engine.errors import EngineError
from seine_editor.errors import SeineEditorError
from seine_editor.project.engine_settings import HOST_LABELS, HOSTS
from seine_editor.widgets.dialogs.buttons import ok_cancel
from seine_editor.widgets.inspector import engine_combo, fill_presets, select_data

ERROR_STYLE, OK_STYLE = "color: #ff6b6b;", "color: #58c98a;"
SCOPE_COMPUTER, SCOPE_PROJECT = "computer", "project"


class OptionField:
    """One engine option's widget, reading and writing the option's value (None: unset, the engine's default)."""

    def __init__(self, option: EngineOption, value: Any):
        self.option = option
        if option.kind == "choice":
            self.widget = self.box = QtWidgets.QComboBox()
            self.box.addItems(option.choices)
            self.box.setCurrentText(str(value if value is not None else option.default))
        elif option.kind == "bool":
            self.widget = self.box = QtWidgets.QCheckBox()
            self.box.setChecked(bool(option.default if value is None else value))
        else:
            self.box = QtWidgets.QLineEdit("" if value is None else str(value))
            self.box.setPlaceholderText(option.help if option.default is None else f"default: {option.default}")
            self.widget = self.box
            if option.kind in ("folder", "file"):
                browse = QtWidgets.QPushButton("Choose…")
                browse.clicked.connect(self._browse)
                self.widget = QtWidgets.QWidget()
                row = QtWidgets.QHBoxLayout(self.widget)
                row.setContentsMargins(0, 0, 0, 0)
                row.addWidget(self.box, 1)
                row.addWidget(browse)
        self.widget.setToolTip(option.help)

    def value(self) -> Any:
        """The value shown; a number field that does not read as one raises SettingsError naming the option."""
        kind = self.option.kind
        if kind == "choice":
            return self.box.currentText()
        if kind == "bool":
            return self.box.isChecked()
        text = self.box.text().strip()
        if not text:
            return None
        if kind in ("int", "float"):
            try:
                return int(text) if kind == "int" else float(text)
            except ValueError:
                raise SeineEditorError(f"{self.option.name} = {text!r} is not a {'whole ' if kind == 'int' else ''}"
                                       f"number") from None
        return text

    def _browse(self) -> None:
        title = f"{self.option.name}: {self.option.help}"
        if self.option.kind == "folder":
            chosen = QtWidgets.QFileDialog.getExistingDirectory(self.widget, title, self.box.text())
        else:
            chosen = QtWidgets.QFileDialog.getOpenFileName(self.widget, title, self.box.text())[0]
        if chosen:
            self.box.setText(chosen)


class SettingsDialog(QtWidgets.QDialog):
    def __init__(self, window, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent or window)
        self.setWindowTitle("Engine settings")
        project = window.project
        self._window = window
        self._project = project
        self._current = project.generation.settings
        self.fields: dict[str, OptionField] = {}
        self.engine = engine_combo(self._current.engine)
        self.engine.currentIndexChanged.connect(lambda _i: self._show_engine())
        self.preset = QtWidgets.QComboBox()
        self.options = QtWidgets.QFormLayout()
        self.host = QtWidgets.QComboBox()
        for host in HOSTS:
            self.host.addItem(HOST_LABELS[host], host)
        select_data(self.host, self._current.host)
        self.host.currentIndexChanged.connect(lambda _i: self._show_host())
        idle = self._current.worker_idle_s
        self.idle_minutes = QtWidgets.QDoubleSpinBox(minimum=0.0, maximum=24 * 60, decimals=1, suffix=" min",
                                                     specialValueText="never", value=(idle or 0) / 60)
        self.idle_minutes.setToolTip("The engine process (and its loaded model) stops after this long without work")
        self.server_url = QtWidgets.QLineEdit(self._current.server_url or "", placeholderText="http://gpu-box:8750")
        self.token_file = QtWidgets.QLineEdit(self._current.token_file or "",
                                              placeholderText="file holding the server's token (none: no token)")
        self.test_connection = QtWidgets.QPushButton("Test connection")
        self.test_connection.clicked.connect(self.check_connection)
        self.scope = QtWidgets.QComboBox()
        self.scope.addItem("Every project on this computer", SCOPE_COMPUTER)
        self.scope.addItem("This project only", SCOPE_PROJECT)
        select_data(self.scope, SCOPE_PROJECT if project.generation.keeps_own_settings else SCOPE_COMPUTER)
        self.scope.setToolTip("Weights and servers differ between computers: keep them here for every project, "
                              "or let this project keep its own (they travel with its file)")
        self.message = QtWidgets.QLabel(wordWrap=True)
        buttons = ok_cancel(self)
        form = QtWidgets.QFormLayout(self)
        form.addRow("Engine", self.engine)
        form.addRow(self.options)
        form.addRow("Default preset", self.preset)
        form.addRow("Run on", self.host)
        form.addRow("Stop engine when idle", self.idle_minutes)
        form.addRow("Server URL", self.server_url)
        form.addRow("Token file", self.token_file)
        form.addRow("", self.test_connection)
        form.addRow("Use for", self.scope)
        form.addRow(self.message)
        form.addRow(buttons)
        self._form = form
        self._show_engine()
        self._show_host()

    @property
    def engine_name(self) -> str:
        return self.engine.currentData()

    def _show_engine(self) -> None:
        """The chosen engine's options (as the project holds them) and presets."""
        while self.options.rowCount():
            self.options.removeRow(0)
        name = self.engine_name
        info = engine_info(name)
        stored = self._current.engine_options(name)
        self.fields = {option.name: OptionField(option, stored.get(option.name)) for option in info.options}
        for option_name, field in self.fields.items():
            self.options.addRow(option_name.replace("_", " ").capitalize(), field.widget)
        preset = self._current.preset if name == self._current.engine else None
        fill_presets(self.preset, name, preset, default_label="engine default")

    def _show_host(self) -> None:
        remote = self.host.currentData() == "server"
        self._form.setRowVisible(self.idle_minutes, self.host.currentData() == "worker")
        for widget in (self.server_url, self.token_file, self.test_connection):
            self._form.setRowVisible(widget, remote)

    def engine_settings(self):
        """The project's settings with the fields shown here as chosen (the others kept)."""
        name = self.engine_name
        values = {option_name: field.value() for option_name, field in self.fields.items()}
        defaults = {o.name: o.default for o in engine_info(name).options}
        values = {k: v for k, v in values.items() if v is not None and v != defaults.get(k)}
        options = {k: v for k, v in self._current.options.items() if k != name}
        if values:
            options[name] = values
        return replace(self._current, engine=name, options=options, preset=self.preset.currentData(),
                       host=self.host.currentData(), server_url=self.server_url.text().strip() or None,
                       token_file=self.token_file.text().strip() or None,
                       worker_idle_s=self.idle_minutes.value() * 60 or None)

    def validate(self) -> bool:
        """Check the settings now (a weights folder's layout, say), so a bad value is said at once."""
        try:
            settings = self.engine_settings()
            settings.check()
        except (SeineEditorError, EngineError) as error:
            self._say(str(error), ERROR_STYLE)
            return False
        ready = engine_info(settings.engine).ready(settings.engine_options())
        self._say("Ready." if ready else settings.missing() or "", OK_STYLE if ready else ERROR_STYLE)
        return True

    def check_connection(self) -> bool:
        """Ask the server for its engine description and show it (or say why it did not answer)."""
        from seine_editor.jobs.remote import server_info

        try:
            settings = self.engine_settings()
            settings.check()
            health = server_info(settings.server_url, settings.token_file)
        except (SeineEditorError, EngineError, OSError) as error:
            self._say(str(error), ERROR_STYLE)
            return False
        info = health["engine"]
        self._say(f"Connected: {info['label']} ({info['identity']}) on {health['device']}, "
                  f"{health['queue']['waiting']} waiting", OK_STYLE)
        return True

    def accept(self) -> None:
        """Apply as one undo step of the project; on a refusal say why and stay open, the project unchanged."""
        try:
            settings = self.engine_settings()
            if self.scope.currentData() == SCOPE_COMPUTER:
                settings.check()
                self._window.set_preferences(replace(self._window.preferences, engine=settings.to_json()))
                self._project.generation.follow_machine()
            else:
                self._project.generation.set_engine_settings(settings)
        except (SeineEditorError, EngineError, OSError) as error:
            self._say(str(error), ERROR_STYLE)
            return
        super().accept()

    def _say(self, text: str, style: str) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)
