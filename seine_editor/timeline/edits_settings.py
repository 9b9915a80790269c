"""Settings edits of `TimelineDocument`: the output format (frame size, audio rate) and the generative engine
settings, kept in `timeline.metadata["seine"]["settings"]` (engine settings under its "engine" key) so they
travel with the project. Undone like every edit, by a memento of the timeline's seine metadata."""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Optional

from seine_editor.errors import SettingsError
from seine_editor.timeline import meta, retime
from seine_editor.timeline import settings as timeline_settings
from seine_editor.timeline.changes import DocumentChange, Edit
from seine_editor.timeline.declared import undoable
from seine_editor.timeline.time import exact_rate

_OPTIONAL_TEXT = (str, type(None))
ENGINE_KEYS: dict[str, tuple[type, ...]] = {
    "engine": (str,), "options": (dict,), "preset": _OPTIONAL_TEXT, "model_size": (list, tuple, type(None)),
    "host": (str,), "server_url": _OPTIONAL_TEXT, "token_file": _OPTIONAL_TEXT,
    "worker_idle_s": (int, float, type(None)),
}


def check_engine_settings(engine: dict[str, Any]) -> None:
    """Plain-data check of stored engine settings: known keys, the right types, a canvas of two positive sizes,
    options as one table of plain values per engine. Which options an engine takes is the engine's to check."""
    for key, value in engine.items():
        if key not in ENGINE_KEYS:
            raise SettingsError(f"engine setting {key!r} is not known; allowed: {', '.join(ENGINE_KEYS)}")
        if not isinstance(value, ENGINE_KEYS[key]):
            raise SettingsError(f"engine setting {key!r} has value {value!r}, which is not allowed")
    size = engine.get("model_size")
    if size is not None and (len(size) != 2 or not all(isinstance(v, int) and v > 0 for v in size)):
        raise SettingsError(f"model canvas {list(size)} is not allowed: use [height, width], positive whole numbers")
    for name, values in (engine.get("options") or {}).items():
        plain = isinstance(values, dict) and all(isinstance(k, str) and isinstance(v, (str, int, float, bool))
                                                 for k, v in values.items())
        if not plain:
            raise SettingsError(f"options of engine {name!r} must be a table of names to plain values, got {values!r}")


def _settings_text(values: dict) -> str:
    """"Change frame size and frame rate", naming what is given."""
    given = {k for k, v in values.items() if v is not None}
    words = [word for keys, word in (({"width", "height"}, "frame size"), ({"fps"}, "frame rate"),
                                     ({"audio_rate"}, "audio rate"), ({"engine"}, "engine settings")) if keys & given]
    return f"Change {' and '.join(words) or 'settings'}"


class SettingsEditsMixin:
    def stored_engine_settings(self) -> Optional[dict[str, Any]]:
        """The engine settings saved with the project (plain data), or None when it has none."""
        engine = (meta.get(self._timeline, "settings") or {}).get("engine")
        return dict(engine) if engine else None

    @undoable(lambda doc, **values: _settings_text(values),
              example=lambda doc, ids: {"width": 1280, "height": 720, "fps": Fraction(30000, 1001)})
    def set_settings(self, *, width: Optional[int] = None, height: Optional[int] = None,
                     fps: Optional[Fraction] = None, audio_rate: Optional[int] = None,
                     engine: Optional[dict[str, Any]] = None) -> Edit:
        """Change the output format (frame size, frame rate, audio rate) and/or the engine settings (`{}` forgets
        them). A new frame rate re-expresses the whole timeline at it (`retime`). Refused values raise
        SettingsError, changing nothing."""
        current = timeline_settings.read_settings(self._timeline)
        if fps is not None:
            try:
                fps = exact_rate(fps)
            except (TypeError, ValueError):
                raise SettingsError(f"frame rate {fps} is not allowed: it must be above 0") from None
        changes = {k: v for k, v in (("width", width), ("height", height), ("fps", fps), ("audio_rate", audio_rate))
                   if v is not None}
        settings = timeline_settings.TimelineSettings(**{**current.to_fields(), **changes})
        timeline_settings.check_settings(settings)
        stored = dict(meta.get(self._timeline, "settings") or {})
        stored.update(settings.to_json())
        if engine is not None:
            check_engine_settings(engine)
            stored.pop("engine", None)
            if engine:
                stored["engine"] = {k: list(v) if isinstance(v, tuple) else v for k, v in engine.items()}
        seine = {**meta.seine(self._timeline), "settings": stored, "rate": f"{settings.fps.numerator}/"
                                                                            f"{settings.fps.denominator}"}
        if settings.fps == self.rate:
            memento = self._swap({}, timeline_seine=seine)
            self._emit(DocumentChange("set_settings"), settings=True)
            return Edit(memento)
        tracks = {meta.item_id(t): retime.retimed_track(t, self.rate, settings.fps) for t in self._timeline.tracks}
        markers = tuple(retime.retimed_markers(self._timeline.tracks.markers, self.rate, settings.fps))
        memento = self._swap(tracks, markers=markers, timeline_seine=seine)
        self._emit(DocumentChange("set_settings", tuple(tracks)), items=tuple(tracks), tracks=True, markers=True,
                   settings=True)
        return Edit(memento)
