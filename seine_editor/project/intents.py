"""The intent methods of `Project`: one per document edit, each building its command and pushing it.

An edit declared on the document (`timeline.declared.undoable`) gets its intent made here, with the document
method's name and arguments (`declared_intents`); the methods written below do more than one document call
(probe a file, report offline media, keep job state) or take other arguments.

Ids in, ids out: methods return the ids the edit created (new clips, tracks, transitions, pieces)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from seine_editor.errors import PlacementError
from seine_editor.media.info import MediaInfo
from seine_editor.project import commands as c
from seine_editor.timeline.declared import DECLARED
from seine_editor.timeline.document import TimelineDocument


def declared_intents(cls):
    """Give ``cls`` an intent for every declared edit: one undo step, named by the declaration's text."""
    for declared in DECLARED.values():
        if declared.name in cls.__dict__:
            raise TypeError(f"{declared.name} is a declared edit: its intent is made from the declaration")
        setattr(cls, declared.name, _intent(declared))
    return cls


def _intent(declared):
    def intent(self, *args, **kwargs):
        arguments = declared.signature.bind(*args, **kwargs).arguments
        ids = self.push(c.CallCommand(self.document, declared.text(self.document, **arguments), declared.name,
                                      **arguments))
        return ids[0] if declared.one_id else ids
    intent.__name__ = intent.__qualname__ = declared.name
    intent.__signature__ = declared.signature.replace(return_annotation="str" if declared.one_id
                                                      else "tuple[str, ...]")
    intent.__doc__ = getattr(TimelineDocument, declared.name).__doc__
    return intent


@declared_intents
class IntentsMixin:
    def add_clip(self, media: MediaInfo | os.PathLike | str, track_id: str, frame: int, mode: str = "insert",
                 **options) -> tuple[str, ...]:
        """Place media (a MediaInfo, or a path that is probed first) at `frame`; mode "insert" or "overwrite"."""
        if not isinstance(media, MediaInfo):
            from seine_editor.media.probe import probe  # PyAV: only when a path is given

            media = probe(media)
        ids = self.insert_clip(media, track_id, frame, mode=mode, **options)
        if not os.path.exists(media.path):  # only a missing file can make new offline media
            self._report_offline()
        return ids

    def add_clips(self, placements: list[dict], text: str = "Paste") -> tuple[str, ...]:
        """Place several media at once, each over what lies under it, as one edit and one undo step (a paste).
        ``placements``: dicts with media (a MediaInfo or a path), track_id, at_frame and optionally duration_frames,
        source_start_frame, audio_track_id, name. Returns the ids of the clips made."""
        from seine_editor.media.probe import probe  # PyAV: only when paths are given

        probed: dict[str, MediaInfo] = {}  # each file once, however many clips come from it

        def info(media) -> MediaInfo:
            if isinstance(media, MediaInfo):
                return media
            if str(media) not in probed:
                probed[str(media)] = probe(media)
            return probed[str(media)]

        placed = [{**p, "media": info(p["media"])} for p in placements]
        ids = self.push(c.CallCommand(self.document, f"{text} {len(placed)} clips", "overwrite_clips",
                                      placements=placed))
        if not all(os.path.exists(p["media"].path) for p in placed):  # only a missing file makes new offline media
            self._report_offline()
        return ids

    def append_clip(self, media: MediaInfo | os.PathLike | str, track_id: str, **options) -> tuple[str, ...]:
        return self.add_clip(media, track_id, self.document.info().track(track_id).clips_end, "overwrite", **options)

    def set_generative_geometry(self, item_id: str, duration_frames: int, mode: Optional[str] = None) -> None:
        """A new length (and, for a transition, mode "bridge" or "overlap") for a generative item, as one undo step
        that keeps the item, its request and its takes. A job making the old shape is queued again for the new
        one; a baked item shows as stale until it is regenerated. Nothing to change pushes nothing."""
        clip = next((found for found in self.document.info().clips() if found.id == item_id), None)
        gen = clip.generative if clip is not None else None
        if gen is not None and (duration_frames, mode or gen.mode) == (clip.duration_frames, gen.mode):
            return
        text = f"Change '{clip.name if clip else item_id}' to {duration_frames} frames" + (f", {mode}" if mode else "")
        self.push(c.CallCommand(self.document, text, "set_generative_geometry", item_id=item_id,
                                duration_frames=duration_frames, mode=mode or None))
        if self._generation is not None and self._generation.item_state(item_id).state in ("queued", "running"):
            self._generation.generate_item(item_id)

    def relink(self, old_url: str, new_path: os.PathLike | str) -> None:
        """Point every clip using `old_url` at `new_path` (one undo step)."""
        new = Path(new_path).absolute()
        if not new.is_file():
            raise PlacementError(f"cannot relink to {new}: no such file")
        self.relink_media(old_url, str(new))
        self._report_offline()

    def relink_folder(self, folders):
        """Relink every offline file found under ``folders`` (one or several), as one undo step; returns the
        `RelinkReport` (what was found, what was not, and where the choice is the person's)."""
        from seine_editor.timeline.media_paths import find_offline_media

        folders = [folders] if isinstance(folders, (str, os.PathLike)) else list(folders)
        report = find_offline_media(self.document.timeline, folders)
        if report.found:
            with self.macro(f"Relink {len(report.found)} files from '{Path(folders[0]).name}'"):
                for old, new in report.found.items():
                    self.relink_media(old, new)
            self._report_offline()
        return report
