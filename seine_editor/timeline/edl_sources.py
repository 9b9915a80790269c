"""What OTIO's CMX3600 reader leaves out: the file of the clip a dissolve cuts to.

A dissolve event names two sources: the outgoing one in ``* FROM CLIP:`` and the incoming one in ``* TO CLIP:``
(with ``* TO CLIP NAME:``). The reader gives the incoming clip the outgoing one's file, so a dissolve into another
shot would play the first shot twice. Here each dissolve's incoming clip gets its own file back, matched in order and
checked by name."""
from __future__ import annotations

import re

import opentimelineio as otio

_EVENT = re.compile(r"^\d{3,}\s")
_TO_CLIP = re.compile(r"^\*\s*TO CLIP:\s*(.+?)\s*$")
_TO_NAME = re.compile(r"^\*\s*TO CLIP NAME:\s*(.+?)\s*$")


def incoming_sources(text: str) -> list[tuple[str, str]]:
    """(clip name, file) of each transition's incoming side, in the EDL's order (only transitions have TO lines)."""
    found, name = [], ""
    for line in text.splitlines():
        if _EVENT.match(line):
            name = ""
        elif match := _TO_NAME.match(line):
            name = match.group(1)
        elif match := _TO_CLIP.match(line):
            found.append((name, match.group(1)))
            name = ""
    return found


def restore_incoming_sources(timeline: otio.schema.Timeline, text: str) -> None:
    sources = iter(incoming_sources(text))
    for track in timeline.tracks:
        children = list(track)
        for index, child in enumerate(children[:-1]):
            incoming = children[index + 1]
            if not isinstance(child, otio.schema.Transition) or not isinstance(incoming, otio.schema.Clip):
                continue
            name, url = next(sources, (None, None))
            if url is None:
                return
            if name and name != incoming.name:
                continue
            incoming.media_reference = otio.schema.ExternalReference(target_url=url)
