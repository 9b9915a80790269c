"""Per-clip properties of `TimelineDocument` that the renderer honours: how a picture of another aspect fills
the frame (`metadata["seine"]["fit"]`: "fit" letterboxes, "fill" crops) and the audio gain in dB
(`metadata["seine"]["gain_db"]`), its opacity (`metadata["seine"]["opacity"]`), whether it plays at all (OTIO's
`enabled`), its name, and its constant speed (an OTIO `LinearTimeWarp`, which other tools read). All reach the render
snapshot, so the viewer and the export show the same."""
from __future__ import annotations

import math
from fractions import Fraction

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.timeline import layout, meta, rules
from seine_editor.timeline.changes import Edit
from seine_editor.timeline.declared import clip_name, undoable
from seine_editor.timeline.layout import speed_label
from seine_editor.timeline.edits_trim import trim_slot

FIT_MODES = ("fit", "fill")
DEFAULT_FIT = "fit"
GAIN_RANGE_DB = (-96.0, 24.0)
NAME_MAX = 200
SPEED_RANGE = (Fraction(1, 10), Fraction(10))  # 10 % to 1,000 %, as Kdenlive's and Shotcut's speed fields offer


def _checked_speed(value) -> Fraction:
    low, high = SPEED_RANGE
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise PlacementError(f"speed {value!r} is not allowed: use a number from {float(low):g} "
                             f"({speed_label(low)}) to {float(high):g} ({speed_label(high)}); 1 plays as recorded")
    return Fraction(value).limit_denominator(1000)


def _with_speed(clip, speed: Fraction) -> None:
    """The clip's time warps replaced by one of ``speed`` (none at 1×); its other effects kept."""
    kept = [e for e in clip.effects if not isinstance(e, otio.schema.LinearTimeWarp)]
    if speed != 1:
        kept.append(otio.schema.LinearTimeWarp(name="Speed", time_scalar=float(speed)))
    clip.effects[:] = kept


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

    @undoable(lambda doc, clip_id, speed: f"Set speed of '{clip_name(doc, clip_id)}' to {speed_label(speed)}",
              example=lambda doc, ids: {"clip_id": ids["A"], "speed": 2})
    def set_speed(self, clip_id: str, speed) -> Edit:
        """Play the clip's media ``speed`` times as fast, sound at its own pitch: the same media in 1/speed of the
        time. The clip keeps its start and its first media frame, and its linked clips change with it; what
        follows on their tracks moves by the change in length (a ripple), as after a ripple trim of the tail.
        Slowing down near the end of the media shows what there is."""
        new = _checked_speed(speed)
        group = self._link_group(clip_id)
        clip = self.info().clip(clip_id)
        if clip.generative is not None:
            raise PlacementError(f"'{clip.name}' is a generative item: its frames are made at the timeline's rate; "
                                 f"give it another length instead")
        if clip.speed <= 0:
            raise PlacementError(f"clip '{clip.name}' is {'a freeze frame' if clip.speed == 0 else 'reversed'}; "
                                 f"its speed cannot be changed here")
        sync = self._sync_frames([t for t, _ in group], clip.end_frame)

        def fn(edits):
            change = 0
            for tid, cid in group:
                edit = edits[tid]
                slot = edit.slot(cid)
                old = layout.speed(slot.item)
                media_frames, first = slot.duration * old, slot.source_start * old
                _with_speed(slot.item, new)
                edit.set(slot, source_start=layout.span_start(first / new))
                duration = max(1, round(media_frames / new))
                available = layout.available_frames(slot.item, self.rate)
                if available is not None:
                    duration = max(1, min(duration, math.floor(available[0] + available[1] - slot.source_start)))
                if cid == clip_id:
                    change = duration - slot.duration
                trim_slot(edit, slot, "tail", duration - slot.duration, ripple=True)
                edit.check_dissolves_kept(f"changing the speed of {rules.clip_label(slot.item)}")
            for tid, frame in sync.items():
                edits[tid].ripple(frame, change)
            return ()

        return self._apply("set_speed", [t for t, _ in group] + list(sync), fn)

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
