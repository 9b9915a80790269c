"""Whether a place can take an output, checked before anything is written: one rule for renders, image sequences,
interchange files and their media folders. Each refusal is an `OutputLocationError` naming the path and the reason."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from seine_editor.errors import OutputLocationError


def check_file_target(path: Path, suffixes: tuple[str, ...] = ()) -> None:
    """``path`` can become a file: its nearest existing parent is a folder and it is not itself a folder."""
    _check_parent(path)
    if path.is_dir():
        wanted = f" (give a name ending in {' or '.join(suffixes)})" if suffixes else ""
        raise OutputLocationError(path, f"is a folder; this output is written to a file{wanted}")


def check_folder_to_add_to(path: Path) -> None:
    """Files can be added in ``path``: it is a folder or can become one (what it holds stays)."""
    _check_parent(path)
    if path.exists() and not path.is_dir():
        raise OutputLocationError(path, "is a file; this output is written to a folder")


def check_folder_target(path: Path, replaceable: Optional[re.Pattern] = None) -> None:
    """``path`` can become a folder that replaces what is there: new, empty, or holding only names
    ``replaceable`` matches (an earlier output of the same kind, replaced whole); nothing else in it is ever lost."""
    check_folder_to_add_to(path)
    if not path.exists():
        return
    others = sorted(p.name for p in path.iterdir() if replaceable is None or not replaceable.fullmatch(p.name))
    if others:
        listed = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise OutputLocationError(path, f"holds other files ({listed}); choose an empty or new folder")


def cannot_write(path: Path, error: OSError, where: Optional[Path] = None) -> OutputLocationError:
    """The error for an OSError met while writing ``path`` (full disk, read-only, permission)."""
    reason = error.strerror or str(error)
    return OutputLocationError(path, f"cannot write in {where}: {reason}" if where else f"writing failed: {reason}")


def _check_parent(path: Path) -> None:
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise OutputLocationError(path, f"{parent} is a file, not a folder")
