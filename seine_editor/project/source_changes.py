"""Generated items whose sources changed content since their take was made.

A take records, for each source, the boundary frame it was made from (`jobs.media_io.source_stamp`): the file, the
frame, the file's size and modification time then, and a digest of the decoded frame. A file replaced by other content under the same name
(a re-export, a re-conform) changes its size or time; only then is the frame decoded again, and a different digest
makes the item stale, so `generate` makes it again instead of reporting nothing to do. A file that is only touched
(copied to another disk, restored from a backup) decodes to the same digest and stays fresh.
"""
from __future__ import annotations

import os
from typing import Iterable, Optional

from seine_editor.errors import MediaError
from seine_editor.timeline import generated


def changed(stamps: Iterable[dict]) -> Optional[str]:
    """The first source whose boundary frame is not what it was, or None. A missing source is not "changed"
    (it is offline, which is said elsewhere)."""
    from seine_editor.jobs.media_io import read_frames
    from seine_editor.media.cache import frames_digest

    for entry in stamps:
        try:
            stat = os.stat(entry["path"])
        except (OSError, KeyError, TypeError):
            continue
        if (stat.st_size, stat.st_mtime_ns) == (entry.get("size"), entry.get("mtime_ns")):
            continue
        try:
            digest = frames_digest(read_frames(entry["path"], [int(entry["frame"])]))
        except (MediaError, IndexError, ValueError):
            return entry["path"]  # it no longer holds that frame: certainly not what the take was made from
        if digest != entry.get("digest"):
            return entry["path"]
    return None


def changed_items(clips) -> dict[str, str]:
    """Item id -> the source that changed, for each generative clip among the OTIO ``clips`` whose active take is
    stale."""
    from seine_editor.timeline import meta

    found = {}
    for clip in clips:
        if not generated.is_generative(clip):
            continue
        take = generated.active_take(clip) or {}
        source = changed(take.get("sources") or [])
        if source is not None:
            found[meta.item_id(clip)] = source
    return found
