"""Edits declared once: a `TimelineDocument` method marked `@undoable(text, example)` is an edit of the whole
editor. The project makes it an intent of the same name and arguments, pushing one undo step named by ``text``
(`project.intents.declared_intents`), and the undo test replays every declared edit from its ``example`` (no list of
edits to keep beside them). An edit needs no code anywhere else unless it does more than one document call.

``text(document, **arguments)`` names the step for the Edit menu, from the document before the edit.
``example(document, ids)`` returns the arguments of one typical call on the test timeline (``ids``: "V1", "A1",
"A", "B" to ids); it may first make what the edit acts on (a marker) with plain document calls."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

from seine_editor.errors import PlacementError


@dataclass(frozen=True)
class DeclaredEdit:
    name: str
    text: Callable[..., str]
    example: Callable[[Any, dict], dict]
    signature: inspect.Signature  # of the document method, without ``self``


DECLARED: dict[str, DeclaredEdit] = {}


def undoable(text: Callable[..., str], example: Callable[[Any, dict], dict]):
    def declare(method):
        signature = inspect.signature(method)
        signature = signature.replace(parameters=list(signature.parameters.values())[1:])
        DECLARED[method.__name__] = DeclaredEdit(method.__name__, text, example, signature)
        return method
    return declare


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
