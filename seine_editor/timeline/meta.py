"""Our namespace in OTIO metadata (`metadata["seine"]`): ids, flags, links. Other namespaces are never touched."""
from __future__ import annotations

import copy
import uuid
from typing import Any

import opentimelineio as otio

NAMESPACE = "seine"
_MISSING = object()


def new_id() -> str:
    return uuid.uuid4().hex


def plain(value: Any) -> Any:
    """An OTIO AnyDictionary/AnyVector (or anything nested in one) as plain dicts and lists."""
    if isinstance(value, (otio._otio.AnyDictionary, dict)):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (otio._otio.AnyVector, list, tuple)):
        return [plain(v) for v in value]
    return copy.copy(value)


def seine(obj: otio.core.SerializableObject) -> dict:
    """A plain copy of the object's seine metadata ({} when absent)."""
    meta = obj.metadata.get(NAMESPACE)
    return plain(meta) if meta is not None else {}


def get(obj: otio.core.SerializableObject, key: str, default: Any = None) -> Any:
    meta = obj.metadata.get(NAMESPACE)
    value = meta.get(key, _MISSING) if meta is not None else _MISSING
    return default if value is _MISSING else plain(value)


def update(obj: otio.core.SerializableObject, **values: Any) -> None:
    """Set keys in the seine namespace; a value of None removes the key."""
    meta = seine(obj)
    for key, value in values.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    obj.metadata[NAMESPACE] = meta


def item_id(obj: otio.core.SerializableObject) -> str | None:
    return get(obj, "id")


def ensure_id(obj: otio.core.SerializableObject) -> str:
    existing = item_id(obj)
    if existing:
        return existing
    fresh = new_id()
    update(obj, id=fresh)
    return fresh
