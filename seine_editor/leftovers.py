"""Temporary files the editor leaves when it is killed mid-write (a save, an autosave, a render, a generated movie),
removed the next time it writes in the same folder. Only names of the editor's own temporaries for that target
(`tempfile`'s eight random characters between the target's name and suffix), and only ones older than this process,
so a write another editor is making at this moment is never touched."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

STARTED = time.time()  # this process's start (close enough: when the editor's code was first imported)
_RANDOM = r"[a-z0-9_]{8}"


def temporaries_of(stem: str, suffix: str = "") -> re.Pattern:
    """The names `tempfile.mkstemp(prefix=f".{stem}.", suffix=suffix)` (or `mkdtemp`) gives."""
    return re.compile(rf"\.{re.escape(stem)}\.{_RANDOM}{re.escape(suffix)}")


def generated_temporaries() -> re.Pattern:
    """Temporaries of generated movies, named by their 32-hex fingerprint."""
    return re.compile(rf"\.[0-9a-f]{{32}}\.{_RANDOM}\.mov")


def remove_leftovers(folder: Path, pattern: re.Pattern) -> list[Path]:
    """Remove entries of ``folder`` whose name ``pattern`` matches and that are older than this process; returns
    them. Anything that cannot be removed is left (the write itself then says what is wrong)."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if entry.lstat().st_mtime >= STARTED:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            continue
    return removed
