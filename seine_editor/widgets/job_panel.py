"""The jobs panel: one row per background job (generation, render, proxy) with progress, ETA, cancel and the
error text of a failure. It listens to a `QtJobRunner`'s signals; it never runs work itself."""
from __future__ import annotations

from typing import Optional

from PySide6 import QtCore, QtWidgets

from seine_editor.jobs.runner import REPLACED
from seine_editor.widgets.elided_label import ElidedLabel
from seine_editor.widgets.resources import icon

STATE_TEXT = {"queued": "Queued", "running": "Running", "finished": "Done", "failed": "Failed",
              "cancelled": "Cancelled"}
# Why a job stopped early (`Job.cancel_reason`): a person's cancel, a newer request for the same item, quitting.
CANCEL_TEXT = {"": "Cancelled", REPLACED: "Replaced", "shutdown": "Cancelled at quit"}
REPLACED_TIP = "A newer request for the same item took this job's place; its frames are not used."


def format_eta(seconds: Optional[float]) -> str:
    if seconds is None:
        return ""
    seconds = max(0, int(round(seconds)))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}:{secs:02d} left" if minutes < 60 else f"{minutes // 60}:{minutes % 60:02d}:{secs:02d} left"


class JobRow(QtWidgets.QFrame):
    cancel_clicked = QtCore.Signal(str)

    def __init__(self, job_id: str, title: str, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.job_id = job_id
        self.state = "queued"
        self.title = ElidedLabel(title or job_id[:8])  # a long title never pushes Cancel out of sight
        self.title.setStyleSheet("font-weight: 600;")
        self.status = QtWidgets.QLabel("Queued", objectName="hint")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QtWidgets.QSizePolicy.Ignored, QtWidgets.QSizePolicy.Preferred)  # wraps, never widens
        self.bar = QtWidgets.QProgressBar(maximum=1000, textVisible=False)
        self.bar.setFixedHeight(8)
        self.cancel = QtWidgets.QToolButton(self, icon=icon("cancel"), autoRaise=True, toolTip="Cancel")
        self.cancel.clicked.connect(lambda: self.cancel_clicked.emit(self.job_id))
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.cancel)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(3)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)

    def set_progress(self, fraction: float, message: str, eta_s: Optional[float]) -> None:
        self.state = "running"
        self.bar.setValue(int(fraction * 1000))
        self.status.setText(" · ".join(p for p in (f"{fraction * 100:.0f}%", message, format_eta(eta_s)) if p))

    def set_state(self, state: str, text: str = "") -> None:
        self.state = state
        self.status.setObjectName("error" if state == "failed" else "hint")
        self.status.setStyleSheet("color: #ff6b6b;" if state == "failed" else "")
        self.status.setText(text or STATE_TEXT.get(state, state))
        if state == "finished":
            self.bar.setValue(1000)
        self.cancel.setEnabled(state in ("queued", "running"))


class JobPanel(QtWidgets.QWidget):
    """Rows for the jobs of a runner (anything with the QtJobRunner signals and `cancel(job_id)`)."""

    cancel_requested = QtCore.Signal(str)

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None):
        super().__init__(parent)
        self.rows: dict[str, JobRow] = {}
        self._list = QtWidgets.QVBoxLayout()
        self._list.setSpacing(1)
        self._list.addStretch(1)
        inner = QtWidgets.QWidget()
        inner.setLayout(self._list)
        scroll = QtWidgets.QScrollArea(self)
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.NoFrame)
        self.empty = QtWidgets.QLabel("No jobs. Generative transitions, renders and proxies appear here.",
                                      objectName="hint", alignment=QtCore.Qt.AlignCenter, wordWrap=True)
        clear = QtWidgets.QPushButton("Clear finished")
        clear.clicked.connect(self.clear_finished)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 4)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        layout.addWidget(clear, 0, QtCore.Qt.AlignRight)

    def connect_runner(self, runner) -> None:
        runner.job_queued.connect(self.on_job_queued)
        runner.job_started.connect(lambda job_id: self._row(job_id).set_state("running", "Starting…"))
        runner.job_progress.connect(lambda job_id, p: self._row(job_id).set_progress(p.fraction, p.message, p.eta_s))
        runner.job_finished.connect(lambda job_id, _result: self._on_ended(runner, job_id, "finished"))
        runner.job_failed.connect(lambda job_id, failure: self._row(job_id).set_state(
            "failed", f"{failure.error_type}: {failure.reason}"))
        runner.job_cancelled.connect(lambda job_id: self._on_ended(runner, job_id, "cancelled"))
        self.cancel_requested.connect(runner.cancel)

    def _on_ended(self, runner, job_id: str, state: str) -> None:
        """A replaced job reads "Replaced" (never a person's cancel), even if it finished before it could stop:
        its frames are not used."""
        reason = _cancel_reason(runner, job_id)
        row = self._row(job_id)
        if reason == REPLACED:
            row.set_state("cancelled", CANCEL_TEXT[REPLACED])
            row.status.setToolTip(REPLACED_TIP)
        elif state == "cancelled":
            row.set_state("cancelled", CANCEL_TEXT.get(reason, STATE_TEXT["cancelled"]))
        else:
            row.set_state(state)

    def on_job_queued(self, job_id: str, title: str) -> None:
        row = JobRow(job_id, title, self)
        row.cancel_clicked.connect(self.cancel_requested)
        self.rows[job_id] = row
        self._list.insertWidget(self._list.count() - 1, row)
        self.empty.hide()

    def show_refusal(self, key: str, title: str, reason: str) -> None:
        """A row for work that could not start (its engine has no weights): failed, saying why, until
        `drop_refusal`."""
        row = self.rows.get(key)
        if row is None:
            self.on_job_queued(key, title)
            row = self.rows[key]
        row.set_state("failed", reason)

    def drop_refusal(self, key: str) -> None:
        row = self.rows.pop(key, None)
        if row is not None:
            row.deleteLater()
            self.empty.setVisible(not self.rows)

    def _row(self, job_id: str) -> JobRow:
        if job_id not in self.rows:
            self.on_job_queued(job_id, "")
        return self.rows[job_id]

    def clear_finished(self) -> None:
        for job_id, row in list(self.rows.items()):
            if row.state in ("finished", "cancelled"):
                row.deleteLater()
                del self.rows[job_id]
        self.empty.setVisible(not self.rows)


def _cancel_reason(runner, job_id: str) -> str:
    try:
        return runner.job(job_id).cancel_reason
    except KeyError:  # a runner that no longer knows the job: an ordinary end
        return ""
