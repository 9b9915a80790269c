"""Edits declared once: a `TimelineDocument` method marked `@undoable(text, example)` is an edit of the whole
editor. The project makes it an intent of the same name and arguments, pushing one undo step named by ``text``
(`project.intents.declared_intents`), and the undo test replays every declared edit from its ``example`` (no list of
edits to keep beside them). An edit needs no code anywhere else unless it does more than one document call.

``text(document, **arguments)`` names the step for the Edit menu, from the document before the edit.
``example(document, ids)`` returns the arguments of one typical call on the test timeline (``ids``: "V1", "A1",
"A", "B" to ids: A and B are 24 frames each on V1, from frame 12 of 48-frame media); it may first make what the
edit acts on (a marker, a gap) with plain document calls. ``one_id``: the edit makes one thing (a track, a
dissolve, a generative item), and its intent returns that id rather than a tuple."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from seine_editor.errors import PlacementError
from seine_editor.media.info import AudioStreamInfo, MediaInfo
from seine_editor.timeline.time import timecode


@dataclass(frozen=True)
class DeclaredEdit:
    name: str
    text: Callable[..., str]
    example: Callable[[Any, dict], dict]
    signature: inspect.Signature  # of the document method, without ``self``
    one_id: bool = False


DECLARED: dict[str, DeclaredEdit] = {}


def undoable(text: Callable[..., str], example: Callable[[Any, dict], dict], one_id: bool = False):
    def declare(method):
        signature = inspect.signature(method)
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])
        DECLARED[method.__name__] = DeclaredEdit(method.__name__, text, example, signature, one_id)
        return method
    return declare


def at(document, frame: int) -> str:
    """A timeline frame as an undo text says it: its timecode."""
    return timecode(frame, document.rate)


def clips_named(document, clip_ids) -> str:
    """'Name' for one clip, "3 clips" for several."""
    ids = list(clip_ids)
    return f"'{clip_name(document, ids[0])}'" if len(ids) == 1 else f"{len(ids)} clips"


def example_media(name: str, *, kind: str = "video", sound: bool = False) -> MediaInfo:
    """Media for an example call: 48 frames at 24 fps, 64×48 (a still for ``kind="image"``); never opened."""
    if kind == "image":
        return MediaInfo(f"/media/{name}", "image", 64, 48, 64, 48, None, 1, 0.0)
    streams = (AudioStreamInfo(1, "aac", 48000, 2, "stereo", 2.0),) if sound else ()
    return MediaInfo(f"/media/{name}", "video", 64, 48, 64, 48, Fraction(24), 48, 2.0, audio=streams)


def clip_name(document, clip_id: str) -> str:
    """The clip's name for an undo text (its id when there is none: the edit then raises naming it)."""
    try:
        return document.info().clip(clip_id).name
    except PlacementError:
        return clip_id


def track_name(document, track_id: str) -> str:
    try:
        return document.info().track(track_id).name
    except PlacementError:
        return track_id
