"""What a document mutation hands back (`Edit`, with its undo `Memento`) and what it announces
(`DocumentChange`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import opentimelineio as otio


@dataclass(frozen=True)
class Patch:
    """Take ``take`` children of track ``track_id`` at index ``start`` out and put ``put`` in their place. Applying
    one returns the patch that undoes it."""

    track_id: str
    start: int
    take: int
    put: tuple[otio.core.Composable, ...]


@dataclass(frozen=True)
class Memento:
    """What `TimelineDocument.restore` needs to put tracks back. Opaque to callers: it holds OTIO objects that
    nothing mutates, so it stays valid however often it is restored."""

    order: tuple[str, ...]
    tracks: Mapping[str, otio.schema.Track]
    markers: Optional[tuple[otio.schema.Marker, ...]] = None
    timeline_seine: Optional[Mapping] = None  # the timeline's own seine metadata (settings), when the edit changed it
    patches: tuple[Patch, ...] = ()  # children of tracks that stay in place

    def objects(self) -> tuple[otio.core.SerializableObject, ...]:
        """Every track and item it would put back."""
        return (*self.tracks.values(), *(item for patch in self.patches for item in patch.put))


@dataclass(frozen=True)
class Edit:
    """Result of a mutation: `undo` restores the state before it; `ids` are the items it created."""

    undo: Memento
    ids: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.ids[0]


@dataclass(frozen=True)
class DocumentChange:
    action: str  # the method that made it, e.g. "insert_clip", "restore"
    track_ids: tuple[str, ...] = ()
    item_ids: tuple[str, ...] = ()
