"""Crash recovery: the autosaved copy of a project lives next to it as `name.otio.recovery`.

It is written atomically (no backups) every 60 s or 25 edits while there are unsaved edits, removed on a
clean save, and offered on open when it is newer than the project file.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from seine_editor.errors import SeineEditorError
from seine_editor.leftovers import remove_leftovers, temporaries_of

SUFFIX = ".recovery"
RECOVERY_CHOICES = ("ask", "use", "ignore")


class RecoveryAvailable(SeineEditorError):
    """Opening with recovery="ask" found an autosave newer than the project: ask the user, then open again
    with recovery="use" or "ignore"."""

    def __init__(self, path: Path, recovery_path: Path):
        self.path, self.recovery_path = Path(path), Path(recovery_path)
        super().__init__(f"{self.path}: an autosaved version newer than the file exists ({self.recovery_path.name})")


def recovery_path(project_path: os.PathLike | str) -> Path:
    path = Path(project_path)
    return path.with_name(path.name + SUFFIX)


def recovery_available(project_path: os.PathLike | str) -> Optional[Path]:
    """The recovery file of `project_path` when it exists and is newer than the project (or the project is gone)."""
    project, recovery = Path(project_path), recovery_path(project_path)
    if not recovery.is_file():
        return None
    if project.exists() and recovery.stat().st_mtime_ns <= project.stat().st_mtime_ns:
        return None
    return recovery


def discard_recovery(project_path: os.PathLike | str) -> None:
    """Remove the recovery file and the temporaries of autosaves that were killed mid-write; something else in its
    place (a folder, a file that cannot be removed) stays."""
    target = recovery_path(project_path)
    remove_leftovers(target.parent, temporaries_of(target.name, ".tmp"))
    try:
        target.unlink(missing_ok=True)
    except OSError:
        pass
