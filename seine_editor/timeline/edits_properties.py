"""Per-clip properties of `TimelineDocument` that the renderer honours: how a picture of another aspect fills
the frame (`metadata["seine"]["fit"]`: "fit" letterboxes, "fill" crops) and the audio gain in dB
(`metadata["seine"]["gain_db"]`), its opacity (`metadata["seine"]["opacity"]`), whether it plays at all (OTIO's
`enabled`) and its name. All reach the render snapshot, so the viewer and the export show the same."""
from __future__ import annotations

import math

from seine_editor.errors import PlacementError
from seine_editor.timeline import meta, rules
from seine_editor.timeline.changes import Edit
from seine_editor.timeline.declared import clip_name, undoable

FIT_MODES = ("fit", "fill")
DEFAULT_FIT = "fit"
GAIN_RANGE_DB = (-96.0, 24.0)
NAME_MAX = 200


def fit_mode(clip) -> str:
    return meta.get(clip, "fit") or DEFAULT_FIT


def gain_db(clip) -> float:
    return float(meta.get(clip, "gain_db", 0.0))


def opacity(clip) -> float:
    return float(meta.get(clip, "opacity", 1.0))


class ClipPropertyEditsMixin:
    @undoable(lambda doc, clip_id, mode: f"{mode.capitalize()} '{clip_name(doc, clip_id)}' to the frame",
              example=lambda doc, ids: {"clip_id": ids["A"], "mode": "fill"})
    def set_fit_mode(self, clip_id: str, mode: str) -> Edit:
        """"fit" shows the whole picture inside the frame (bars); "fill" covers the frame (crops)."""
        if mode not in FIT_MODES:
            raise PlacementError(f"fit mode {mode!r} is not one of {', '.join(FIT_MODES)}")
        return self._set_clip_meta("set_fit_mode", clip_id, fit=None if mode == DEFAULT_FIT else mode)

    @undoable(lambda doc, clip_id, gain_db: f"Set gain of '{clip_name(doc, clip_id)}' to {gain_db} dB",
              example=lambda doc, ids: {"clip_id": ids["A"], "gain_db": -3.0})
    def set_gain(self, clip_id: str, gain_db: float) -> Edit:
        """Audio gain of the clip in decibels (0 = as recorded)."""
        low, high = GAIN_RANGE_DB
        if isinstance(gain_db, bool) or not isinstance(gain_db, (int, float)) or not math.isfinite(gain_db) \
                or not low <= gain_db <= high:
            raise PlacementError(f"gain {gain_db!r} dB is not allowed: use a number from {low:g} to {high:g} dB")
        return self._set_clip_meta("set_gain", clip_id, gain_db=float(gain_db) if gain_db else None)

    @undoable(lambda doc, clip_id, value: f"Set opacity of '{clip_name(doc, clip_id)}' to {round(value * 100)}%",
              example=lambda doc, ids: {"clip_id": ids["A"], "value": 0.5})
    def set_opacity(self, clip_id: str, value: float) -> Edit:
        """How much of the clip's picture covers the tracks below: 1 all of it, 0 none."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
            raise PlacementError(f"opacity {value!r} is not allowed: use a number from 0 (invisible) to 1 (opaque)")
        return self._set_clip_meta("set_opacity", clip_id, opacity=None if value == 1 else float(value))

    @undoable(lambda doc, clip_id, enabled: f"{'Enable' if enabled else 'Disable'} '{clip_name(doc, clip_id)}'",
              example=lambda doc, ids: {"clip_id": ids["A"], "enabled": False})
    def set_clip_enabled(self, clip_id: str, enabled: bool) -> Edit:
        """A disabled clip stays where it is, neither seen nor heard (OTIO's ``enabled``: other tools honour it)."""
        track_id = meta.item_id(self._track_of(clip_id))

        def fn(edits):
            edits[track_id].slot(clip_id).item.enabled = bool(enabled)
            return ()

        return self._apply("set_clip_enabled", [track_id], fn)

    @undoable(lambda doc, clip_id, name: f"Rename '{clip_name(doc, clip_id)}' to '{name}'",
              example=lambda doc, ids: {"clip_id": ids["A"], "name": "Harbour, wide"})
    def rename_clip(self, clip_id: str, name: str) -> Edit:
        """The clip's name on the timeline and in exports (its media keeps its file name)."""
        name = name.strip() if isinstance(name, str) else name
        if not isinstance(name, str) or not name or len(name) > NAME_MAX:
            raise PlacementError(f"clip name {name!r} is not allowed: use 1 to {NAME_MAX} characters")
        track_id = meta.item_id(self._track_of(clip_id))

        def fn(edits):
            edits[track_id].slot(clip_id).item.name = name
            return ()

        return self._apply("rename_clip", [track_id], fn)

    def _set_clip_meta(self, action: str, clip_id: str, **values) -> Edit:
        track = self._track_of(clip_id)
        track_id = meta.item_id(track)

        def fn(edits):
            slot = edits[track_id].slot(clip_id)
            if not hasattr(slot.item, "media_reference"):
                raise PlacementError(f"{rules.clip_label(slot.item)} is not a clip")
            meta.update(slot.item, **values)
            return ()

        return self._apply(action, [track_id], fn)
