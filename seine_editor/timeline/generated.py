"""Generative items (ARCHITECTURE §4): an ordinary OTIO `Clip` whose media references hold a
`GeneratorReference` (key "generator") and, once generated, baked `ExternalReference` takes ("take1",
"take2", ...); the active key says which one plays.

`metadata["seine"]` of such a clip::

    {"id": hex, "kind": "seine.transition" | "seine.extend" | "seine.animate",
     "params": {"prompt", "negative_prompt", "seed", "preset", "steps", "guidance", "scheduler", "engine",
                "mode" ("bridge" | "overlap", transitions only)},
     "sources": [{"role": "left" | "right" | "still", "clip_id", "media_path", "frame"}],
     "fingerprint": hex,              # of kind + params + sources when last requested
     "takes": [{"key": "take1", "path": ..., "fingerprint": ..., "engine": "seine", "engine_identity": ...,
                "preset": ..., "steps": ..., "scheduler": ..., "guidance": ...,  # as the engine resolved them
                "sound": true,                # the take's movie carries the engine's sound
                "sources": [{"path", "frame", "size", "mtime_ns", "digest"}]}],  # its boundary frames then
     "sound": false,                  # the generated sound switched off (absent: on)
     "status": "pending" | "baked"}

`frame` is the media frame index of the exact boundary frame (the last shown frame of the left clip, the
first shown frame of the right clip, 0 for a still). `request_fingerprint` is a pure function of kind,
params and the boundary frames: each source counts by role, media file name and frame, never by folder or
clip id, so a project folder that moves (or a neighbour replaced by the same shot) keeps its items fresh.
An item is stale when the fingerprint of its current sources differs. In memory, `media_path` and take
paths are absolute; `otio_io` saves those under the project folder relative to it (`map_paths`).
This module only builds and reads metadata; `TimelineDocument` applies it.
"""
from __future__ import annotations

import hashlib
import json
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.timeline import layout, meta
from seine_editor.timeline.time import to_frames, to_range

TRANSITION = "seine.transition"
EXTEND = "seine.extend"
ANIMATE = "seine.animate"
KINDS = (TRANSITION, EXTEND, ANIMATE)
MODES = ("bridge", "overlap")
GENERATOR_KEY = "generator"
TAKE_PROVENANCE = ("engine", "engine_identity", "preset", "steps", "scheduler", "guidance", "sound", "sources",
                   "canvas")

DEFAULT_PARAMS: dict[str, Any] = {
    "prompt": "", "negative_prompt": "", "seed": 0, "preset": None, "steps": None,
    "guidance": None, "scheduler": None, "engine": None,  # None: the engine's default preset, the project's engine
}
_PARAM_TYPES: dict[str, tuple[type, ...]] = {
    "prompt": (str,), "negative_prompt": (str,), "seed": (int,), "preset": (str, type(None)), "steps": (int, type(None)),
    "guidance": (float, int, type(None)), "scheduler": (str, type(None)), "engine": (str, type(None)), "mode": (str,),
}


def normalize_params(kind: str, params: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults filled in; unknown keys, wrong types and bad modes raise PlacementError naming them."""
    if kind not in KINDS:
        raise PlacementError(f"generative kind {kind!r} is not one of {', '.join(KINDS)}")
    merged = dict(DEFAULT_PARAMS)
    if kind == TRANSITION:
        merged["mode"] = "bridge"
    for key, value in (params or {}).items():
        if key not in _PARAM_TYPES or (key == "mode" and kind != TRANSITION):
            raise PlacementError(f"generative parameter {key!r} is not known for {kind}; "
                                 f"allowed: {', '.join(sorted(merged))}")
        if not isinstance(value, _PARAM_TYPES[key]) or isinstance(value, bool):
            raise PlacementError(f"generative parameter {key!r} has value {value!r}, which is not allowed")
        merged[key] = value
    if kind == TRANSITION and merged["mode"] not in MODES:
        raise PlacementError(f"transition mode {merged['mode']!r} is not one of {', '.join(MODES)}")
    return merged


def source(role: str, clip_id: str | None, media_path: str | None, frame: int) -> dict[str, Any]:
    return {"role": role, "clip_id": clip_id, "media_path": media_path, "frame": int(frame)}


def request_fingerprint(kind: str, params: dict[str, Any], sources: list[dict[str, Any]]) -> str:
    """Stable hash of what was asked for: same kind, params and boundary frames -> same fingerprint, wherever
    the project and its media live."""
    frames = [{"role": s.get("role"), "media": _media_name(s.get("media_path")), "frame": s.get("frame")}
              for s in sources]
    return _hash({"kind": kind, "params": params, "frames": frames})


def _media_name(path: str | None) -> str | None:
    return PurePosixPath(str(path).replace("\\", "/")).name if path else None


def _hash(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def upgrade_fingerprint(clip: otio.schema.Clip) -> None:
    """Items saved before fingerprints ignored folders hashed their sources with absolute paths and clip ids;
    one whose stored fingerprint is that hash of its stored sources gets today's (takes follow), so opening an
    old project does not mark every item stale. Anything else is left as it is."""
    data = meta.seine(clip)
    kind, params, sources = data.get("kind"), data.get("params", {}), data.get("sources", [])
    stored = data.get("fingerprint")
    if stored is None or stored != _hash({"kind": kind, "params": params, "sources": sources}):
        return
    fresh = request_fingerprint(kind, params, sources)
    takes = [{**t, "fingerprint": fresh} if t.get("fingerprint") == stored else t for t in data.get("takes", [])]
    meta.update(clip, fingerprint=fresh, takes=takes)


def map_paths(clip: otio.schema.Clip, change) -> None:
    """Apply `change(path) -> path` to the media paths kept in the item's metadata (sources and takes)."""
    data = meta.seine(clip)
    sources = [{**s, "media_path": change(s["media_path"]) if s.get("media_path") else s.get("media_path")}
               for s in data.get("sources", [])]
    takes = [{**t, "path": change(t["path"]) if t.get("path") else t.get("path"),
              **({"sources": [{**s, "path": change(s["path"]) if s.get("path") else s.get("path")}
                              for s in t["sources"]]} if t.get("sources") else {})}
             for t in data.get("takes", [])]
    changes = {key: value for key, value in (("sources", sources), ("takes", takes)) if value != data.get(key, [])}
    if changes:
        meta.update(clip, **changes)


def is_generative(clip: otio.core.Item) -> bool:
    return isinstance(clip, otio.schema.Clip) and meta.get(clip, "kind") in KINDS


def make_placeholder(kind: str, duration_frames: int, rate: Fraction, params: dict[str, Any],
                     sources: list[dict[str, Any]], name: str = "") -> otio.schema.Clip:
    """A new generative clip with only its GeneratorReference (status "pending")."""
    available = to_range(0, duration_frames, rate)
    reference = otio.schema.GeneratorReference(name=kind, generator_kind=kind, available_range=available,
                                               parameters=params)
    clip = otio.schema.Clip(name=name or _default_name(kind, params), source_range=available)
    clip.set_media_references({GENERATOR_KEY: reference}, GENERATOR_KEY)
    meta.update(clip, id=meta.new_id(), kind=kind, params=params, sources=sources,
                fingerprint=request_fingerprint(kind, params, sources), takes=[], status="pending")
    return clip


def _default_name(kind: str, params: dict[str, Any]) -> str:
    label = {TRANSITION: "Transition", EXTEND: "Extension", ANIMATE: "Animation"}[kind]
    return f"{label}: {params['prompt']}" if params.get("prompt") else label


def attach_take(clip: otio.schema.Clip, path: str, duration_frames: int, rate: Fraction,
                fingerprint: str | None = None, provenance: dict[str, Any] | None = None) -> str:
    """Add a baked file as a new take and make it active; returns the new media-reference key. `provenance`
    says what made it (keys of TAKE_PROVENANCE: the engine, its weights identity and resolved parameters)."""
    unknown = sorted(set(provenance or {}) - set(TAKE_PROVENANCE))
    if unknown:
        raise PlacementError(f"take provenance {', '.join(map(repr, unknown))} is not known; "
                             f"allowed: {', '.join(TAKE_PROVENANCE)}")
    references = dict(clip.media_references())
    takes = meta.get(clip, "takes", [])
    key = f"take{len(takes) + 1}"
    while key in references:
        key += "_"
    references[key] = otio.schema.ExternalReference(target_url=str(path),
                                                    available_range=to_range(0, duration_frames, rate))
    clip.set_media_references(references, key)
    takes.append({"key": key, "path": str(path), "fingerprint": fingerprint or meta.get(clip, "fingerprint"),
                  **(provenance or {})})
    meta.update(clip, takes=takes, status="baked")
    return key


def select_take(clip: otio.schema.Clip, key: str) -> None:
    """Make an existing take (or the generator placeholder) the active reference."""
    if key not in clip.media_references():
        raise PlacementError(f"generative clip '{clip.name}' has no take {key!r}; "
                             f"it has {', '.join(clip.media_references())}")
    references = dict(clip.media_references())
    clip.set_media_references(references, key)
    meta.update(clip, status="pending" if key == GENERATOR_KEY else "baked")


def active_take(clip: otio.schema.Clip) -> dict[str, Any] | None:
    """The take record that plays, or None while the placeholder does."""
    key = clip.active_media_reference_key
    return next((dict(t) for t in meta.get(clip, "takes", []) if t.get("key") == key), None)


def take_has_sound(clip: otio.schema.Clip) -> bool:
    """Whether the take that plays carries the sound its engine made."""
    return bool((active_take(clip) or {}).get("sound"))


def sound_on(clip: otio.schema.Clip) -> bool:
    """The item's generated-sound switch (on unless switched off)."""
    return meta.get(clip, "sound", True) is not False


def set_sound(clip: otio.schema.Clip, on: bool) -> None:
    if not isinstance(on, bool):
        raise PlacementError(f"the generated-sound switch takes true or false, not {on!r}")
    meta.update(clip, sound=None if on else False)


def active_take_path(clip: otio.schema.Clip) -> str | None:
    if clip.active_media_reference_key == GENERATOR_KEY:
        return None
    reference = clip.media_reference
    return reference.target_url if isinstance(reference, otio.schema.ExternalReference) else None


def take_length(clip: otio.schema.Clip, key: str | None, rate: Fraction) -> int | None:
    """How many timeline frames the baked take `key` holds; None for the generator or an unknown key."""
    reference = clip.media_references().get(key) if key and key != GENERATOR_KEY else None
    if not isinstance(reference, otio.schema.ExternalReference) or reference.available_range is None:
        return None
    return to_frames(reference.available_range.duration, rate)


def latest_take_fits(clip: otio.schema.Clip, duration_frames: int, rate: Fraction) -> bool:
    """False when the item's newest take was made for another length (the item was reshaped since)."""
    takes = meta.get(clip, "takes", [])
    return not takes or take_length(clip, takes[-1].get("key"), rate) in (None, duration_frames)


def boundary_sources(kind: str, left: layout.Placed | None, right: layout.Placed | None,
                     rate: Fraction) -> list[dict[str, Any]]:
    """The exact boundary frames a request of `kind` conditions on, for its neighbours as they stand."""
    sources = []
    if kind in (TRANSITION, EXTEND):
        sources.append(_boundary("left", left, rate, last=True))
    if kind == TRANSITION:
        sources.append(_boundary("right", right, rate, last=False))
    return sources


def _boundary(role: str, placed: layout.Placed | None, rate: Fraction, last: bool) -> dict[str, Any]:
    if placed is None or not isinstance(placed.item, otio.schema.Clip):
        return source(role, None, None, -1)
    offset = placed.duration - 1 if last else 0
    return source(role, meta.item_id(placed.item), layout.media_path(placed.item),
                  layout.media_frame(placed.item, offset, rate))


def current_fingerprint(clip: otio.schema.Clip, neighbours: list[layout.Placed], placed: layout.Placed,
                        rate: Fraction) -> str:
    """The fingerprint the item would have if requested now; differs from the stored one when stale."""
    data = meta.seine(clip)
    kind = data["kind"]
    if kind == ANIMATE:
        sources = data.get("sources", [])
    else:
        left = next((p for p in neighbours if p.end == placed.start and p.duration > 0 and p is not placed), None)
        right = next((p for p in neighbours if p.start == placed.end and p.duration > 0 and p is not placed), None)
        sources = boundary_sources(kind, left, right, rate)
    return request_fingerprint(kind, data.get("params", {}), sources)
