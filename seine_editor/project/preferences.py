"""Application preferences: what a person sets once for every project on this machine (Kdenlive's and Shotcut's
"Preferences"), as opposed to a project's own settings, which travel with its file.

Kept as JSON in ``$XDG_CONFIG_HOME/seine-editor/preferences.json`` (``~/.config`` without it), so the window, the
command line and the tests read the same file without Qt. A file that cannot be read gives the defaults and an
error naming it; it is never overwritten until the person saves preferences again."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

from seine_editor.errors import SettingsError
from seine_editor.media.cache import atomic_write_bytes
from seine_editor.timeline.edits_settings import check_engine_settings

STILL_SECONDS = (0.04, 3600.0)  # one frame at 25 fps .. an hour


@dataclass(frozen=True)
class Preferences:
    still_duration_s: float = 5.0  # how long a still image lasts when it is placed without a length
    engine: Optional[dict[str, Any]] = None  # engine settings of projects that keep none (`EngineSettings` JSON)

    def engine_settings(self):
        """The engine settings of every project on this machine that keeps none of its own."""
        from seine_editor.project.engine_settings import EngineSettings

        return EngineSettings.from_json(self.engine) if self.engine else EngineSettings()

    def still_frames(self, rate: Fraction) -> int:
        """The default still duration in frames of a timeline at ``rate`` (at least one)."""
        return max(1, round(Fraction(self.still_duration_s).limit_denominator(1000) * rate))

    def check(self) -> None:
        low, high = STILL_SECONDS
        value = self.still_duration_s
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise SettingsError(f"still duration {value!r} s is not allowed: use {low} to {high:g} seconds")
        if self.engine is not None:
            if not isinstance(self.engine, dict):
                raise SettingsError(f"engine settings {self.engine!r} are not allowed: give a table of settings")
            check_engine_settings(self.engine)


def preferences_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "seine-editor" / "preferences.json"


def load_preferences(path: Optional[Path] = None) -> Preferences:
    """The saved preferences (defaults where none are saved). A file that is not readable JSON, holds an unknown
    key or a refused value raises SettingsError naming the file and what is wrong."""
    path = path or preferences_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Preferences()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SettingsError(f"{path}: preferences cannot be read ({error}); the defaults are used") from None
    known = {f.name for f in fields(Preferences)}
    if not isinstance(data, dict) or set(data) - known:
        unknown = sorted(set(data) - known) if isinstance(data, dict) else data
        raise SettingsError(f"{path}: preferences hold {unknown!r}, which is not known; allowed: "
                            f"{', '.join(sorted(known))}; the defaults are used")
    preferences = Preferences(**data)
    try:
        preferences.check()
    except SettingsError as error:
        raise SettingsError(f"{path}: {error}; the defaults are used") from None
    return preferences


def save_preferences(preferences: Preferences, path: Optional[Path] = None) -> None:
    """Check and write atomically; a refused value raises SettingsError and writes nothing."""
    preferences.check()
    atomic_write_bytes(path or preferences_path(), json.dumps(asdict(preferences), indent=2).encode() + b"\n")
