"""Composition root: the QApplication, the dark theme, the crash guard and the main window around a Project.

Nothing here imports torch, diffusers or transformers: the window is on screen within a couple of seconds and the
engine loads only when a generation job first needs it.
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Callable, Optional

from PySide6 import QtCore, QtGui, QtWidgets

from seine_editor.errors import SeineEditorError
from seine_editor.widgets.resources import icon, resource_path

ORGANIZATION = "Seine"  # QStandardPaths and QSettings nest org/app: ~/.local/share/Seine/Seine Editor
APPLICATION = "Seine Editor"


def apply_theme(app: QtWidgets.QApplication) -> None:
    """Fusion style with a dark palette (for widgets the style sheet does not reach) plus resources/theme.qss."""
    app.setStyle("Fusion")
    palette = QtGui.QPalette()
    roles = {
        QtGui.QPalette.Window: "#1e1f22", QtGui.QPalette.WindowText: "#d8dadf",
        QtGui.QPalette.Base: "#16171a", QtGui.QPalette.AlternateBase: "#1c1d21",
        QtGui.QPalette.Text: "#d8dadf", QtGui.QPalette.Button: "#2a2c31",
        QtGui.QPalette.ButtonText: "#d8dadf", QtGui.QPalette.Highlight: "#3d7eff",
        QtGui.QPalette.HighlightedText: "#ffffff", QtGui.QPalette.ToolTipBase: "#2a2c31",
        QtGui.QPalette.ToolTipText: "#d8dadf", QtGui.QPalette.PlaceholderText: "#6d7079",
        QtGui.QPalette.Link: "#6ea0ff",
    }
    for role, colour in roles.items():
        palette.setColor(role, QtGui.QColor(colour))
    palette.setColor(QtGui.QPalette.Disabled, QtGui.QPalette.Text, QtGui.QColor("#5c5f66"))
    palette.setColor(QtGui.QPalette.Disabled, QtGui.QPalette.ButtonText, QtGui.QColor("#5c5f66"))
    app.setPalette(palette)
    qss = resource_path("theme.qss")
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))


def create_application(argv: Optional[list[str]] = None) -> QtWidgets.QApplication:
    """The one QApplication (reused when a test harness already made it), named for QSettings, themed."""
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setWindowIcon(icon("app"))
    apply_theme(app)
    return app


class CrashGuard:
    """Unhandled exceptions on the UI thread: save a recovery copy first, then tell the person, keep running.

    `save_recovery` is called before any dialog appears so that a crash inside the dialog cannot cost work.
    """

    def __init__(self, parent: Callable[[], Optional[QtWidgets.QWidget]],
                 save_recovery: Callable[[], Optional[Path]],
                 notify: Optional[Callable[[BaseException, str, Optional[Path]], None]] = None):
        self._parent = parent
        self._save_recovery = save_recovery
        self._notify = notify or self._show
        self._previous = sys.excepthook
        self._showing = False

    def install(self) -> None:
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        sys.excepthook = self._previous

    def handle(self, kind: type[BaseException], error: BaseException, tb: Optional[TracebackType]) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous(kind, error, tb)
            return
        details = "".join(traceback.format_exception(kind, error, tb))
        sys.stderr.write(details)
        saved = self._recover()
        if self._showing:  # an error raised while the dialog is open: logged above, never a dialog cascade
            return
        self._showing = True
        try:
            self._notify(error, details, saved)
        finally:
            self._showing = False

    def _recover(self) -> Optional[Path]:
        try:
            return self._save_recovery()
        except Exception as failure:  # the guard must never raise from inside the excepthook
            sys.stderr.write(f"recovery save failed: {failure}\n")
            return None

    def _show(self, error: BaseException, details: str, saved: Optional[Path]) -> None:
        box = QtWidgets.QMessageBox(self._parent())
        box.setIcon(QtWidgets.QMessageBox.Critical)
        box.setWindowTitle("Unexpected error")
        box.setText(f"Something went wrong: {error}")
        kept = f"Your work was saved to a recovery file:\n{saved}" if saved else \
            "Your project is still open; save it under a new name to be safe."
        box.setInformativeText(kept + "\n\nThe editor keeps running.")
        box.setDetailedText(details)
        box.exec()


def headless_without_platform() -> bool:
    """True on a Linux machine with no display server where nobody chose a Qt platform plugin."""
    if not sys.platform.startswith("linux"):
        return False
    env = QtCore.QProcessEnvironment.systemEnvironment()
    return not any(env.contains(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def demo_folder() -> Path:
    """Where the demo project is built on first use: the user's data folder, never the repository."""
    QtCore.QCoreApplication.setOrganizationName(ORGANIZATION)
    QtCore.QCoreApplication.setApplicationName(APPLICATION)
    base = QtCore.QStandardPaths.writableLocation(QtCore.QStandardPaths.AppDataLocation)
    return Path(base) / "demo"


def ensure_demo_project(folder: Optional[Path] = None) -> Path:
    """The demo project file, made in `folder` (default `demo_folder()`) when it is not there yet."""
    from seine_editor import demo

    return demo.ensure_demo(Path(folder) if folder is not None else demo_folder())


def run(project_path: Optional[str] = None, screenshot: Optional[Path] = None,
        settings_scope: Optional[str] = None, demo: bool = False, engine=None) -> int:
    """Open the editor window (on `project_path` when given, else on the demo project when `demo`). With
    `screenshot` the window is laid out, painted once into that PNG and the application exits instead of
    running the event loop. ``engine``: engine settings for this session (the command line's flags), used by every
    project it opens and saved with none."""
    from seine_editor.widgets.main_window import MainWindow  # after QApplication: widgets need it

    app = create_application()
    if project_path is None and demo:
        project_path = _demo_or_none()
    window = MainWindow(settings_scope=settings_scope, session_engine=engine)
    guard = CrashGuard(lambda: window, window.save_recovery)
    guard.install()
    try:
        if project_path and not window.open_project(project_path):
            if screenshot is not None:
                return 1
        if screenshot is not None:
            return 0 if window.save_screenshot(screenshot) else 1
        window.show()
        return app.exec()
    finally:
        guard.uninstall()


def _demo_or_none() -> Optional[str]:
    """The demo project, built on first use; None (an empty project) when it cannot be made."""
    try:
        return str(ensure_demo_project())
    except (OSError, ImportError, SeineEditorError) as error:
        sys.stderr.write(f"seine-editor: the demo project could not be made ({error}); opening an empty one\n")
        return None
