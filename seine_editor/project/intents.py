"""The intent methods of `Project`: one per document edit, each building its command and pushing it.

An edit declared on the document (`timeline.declared.undoable`) gets its intent made here, with the document
method's name and arguments (`declared_intents`); the methods written below do more than one document call
(probe a file, report offline media, keep job state) or take other arguments.

Ids in, ids out: methods return the ids the edit created (new clips, tracks, transitions, pieces)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Optional

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
    def intent(self, *args, **kwargs) -> tuple[str, ...]:
        arguments = declared.signature.bind(*args, **kwargs).arguments
        return self.push(c.CallCommand(self.document, declared.text(self.document, **arguments), declared.name,
                                       **arguments))
    intent.__name__ = intent.__qualname__ = declared.name
    intent.__signature__ = declared.signature.replace(return_annotation="tuple[str, ...]")
    intent.__doc__ = getattr(TimelineDocument, declared.name).__doc__
    return intent


@declared_intents
class IntentsMixin:
    # ---- clips -----------------------------------------------------------------------------------------------

    def add_clip(self, media: MediaInfo | os.PathLike | str, track_id: str, frame: int, mode: str = "insert",
                 **options) -> tuple[str, ...]:
        """Place media (a MediaInfo, or a path that is probed first) at `frame`; mode "insert" or "overwrite"."""
        if not isinstance(media, MediaInfo):
            from seine_editor.media.probe import probe  # PyAV: only when a path is given

            media = probe(media)
        ids = self.push(c.AddClipCommand(self.document, media, track_id, frame, mode, **options))
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
        end = max((clip.end_frame for clip in self.document.info().track(track_id).clips), default=0)
        return self.add_clip(media, track_id, end, "overwrite", **options)

    def move_clip(self, clip_id: str, frame: int, track_id: Optional[str] = None, mode: str = "overwrite") -> None:
        self.push(c.MoveClipCommand(self.document, clip_id, frame, track_id, mode))

    def move_clips(self, clip_ids: Iterable[str], delta_frames: int, track_id: Optional[str] = None,
                   mode: str = "overwrite") -> None:
        """Move several clips by the same offset as one edit (one undo step). Linked partners move with their
        clip, so a selection holding both moves each group once; dissolves between clips that stay together
        are kept."""
        info = self.document.info()
        ids = list(dict.fromkeys(clip_ids))
        if not ids:
            raise PlacementError("no clips to move")
        groups = {info.clip(i).link_group or i for i in ids}
        text = f"Move {len(groups)} clips" if len(groups) > 1 else f"Move '{info.clip(ids[0]).name}'"
        self.push(c.CallCommand(self.document, text, "move_clips", clip_ids=tuple(ids), delta_frames=delta_frames,
                                track_id=track_id, mode=mode))

    def split_at(self, clip_id: str, frame: int) -> tuple[str, ...]:
        return self.push(c.SplitCommand(self.document, clip_id, frame))

    def delete(self, clip_ids: Iterable[str]) -> None:
        self.push(c.DeleteCommand(self.document, clip_ids))

    def ripple_delete(self, clip_ids: Iterable[str]) -> None:
        self.push(c.DeleteCommand(self.document, clip_ids, ripple=True))

    def trim(self, clip_id: str, edge: str, delta_frames: int, ripple: bool = False) -> None:
        self.push(c.TrimCommand(self.document, clip_id, edge, delta_frames, ripple))

    def insert_gap(self, track_id: str, frame: int, duration_frames: int) -> None:
        self.push(c.InsertGapCommand(self.document, track_id, frame, duration_frames))

    def close_gap(self, track_id: str, frame: int) -> None:
        self.push(c.CloseGapCommand(self.document, track_id, frame))

    def link(self, clip_ids: Iterable[str]) -> None:
        self.push(c.LinkCommand(self.document, clip_ids))

    def unlink(self, clip_id: str) -> None:
        self.push(c.UnlinkCommand(self.document, clip_id))

    # ---- dissolves -------------------------------------------------------------------------------------------

    def add_dissolve(self, left_clip_id: str, in_offset_frames: int, out_offset_frames: int) -> str:
        return self.push(c.AddDissolveCommand(self.document, left_clip_id, in_offset_frames, out_offset_frames))[0]

    # ---- tracks ----------------------------------------------------------------------------------------------

    def add_track(self, kind: str = "video", name: Optional[str] = None, index: Optional[int] = None) -> str:
        return self.push(c.AddTrackCommand(self.document, kind, name, index))[0]

    # ---- markers ---------------------------------------------------------------------------------------------

    def add_marker(self, frame: int, name: str = "", clip_id: Optional[str] = None, **options) -> str:
        return self.push(c.AddMarkerCommand(self.document, frame, name, clip_id, **options))[0]

    # ---- generative items ------------------------------------------------------------------------------------

    def add_generative_transition(self, left_clip_id: str, duration_frames: int, mode: str = "bridge",
                                  params: Optional[dict] = None) -> str:
        return self.push(c.AddGenerativeTransitionCommand(self.document, left_clip_id, duration_frames, mode,
                                                          params))[0]

    def add_extension(self, clip_id: str, duration_frames: int, params: Optional[dict] = None) -> str:
        return self.push(c.AddExtensionCommand(self.document, clip_id, duration_frames, params))[0]

    def animate_still(self, clip_id: str, params: Optional[dict] = None) -> str:
        return self.push(c.AnimateStillCommand(self.document, clip_id, params))[0]

    def animate_frame(self, clip_id: str, at_frame: int, duration_frames: int, params: Optional[dict] = None) -> str:
        """An animation of the frame a video clip shows at `at_frame`, inserted there (no job: see `generation`)."""
        text = f"Animate frame {at_frame} of '{c.clip_name(self.document, clip_id)}'"
        return self.push(c.CallCommand(self.document, text, "animate_frame", clip_id=clip_id, at_frame=at_frame,
                                       duration_frames=duration_frames, params=params))[0]

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

    def attach_generated_media(self, item_id: str, path: os.PathLike | str,
                               fingerprint: Optional[str] = None) -> str:
        """Attaching a finished job's file is the undo step (generating is not)."""
        return self.push(c.AttachGeneratedCommand(self.document, item_id, str(path), fingerprint))[0]

    def select_take(self, item_id: str, key: str) -> None:
        self.push(c.SelectTakeCommand(self.document, item_id, key))

    def detach_generated_media(self, item_id: str) -> None:
        self.push(c.DetachGeneratedCommand(self.document, item_id))

    def refresh_generative_request(self, item_id: str, params: Optional[dict] = None) -> None:
        """Re-read the sources (and change params) before a regenerate."""
        self.push(c.RefreshGenerativeCommand(self.document, item_id, params))

    # ---- settings --------------------------------------------------------------------------------------------

    def set_settings(self, width: Optional[int] = None, height: Optional[int] = None, fps=None,
                     audio_rate: Optional[int] = None) -> None:
        """Change the output frame size, frame rate and/or audio rate (one undo step; bad values raise
        SettingsError). A new frame rate keeps every cut at its instant, rounded to the new rate's frames."""
        self.push(c.SettingsCommand(self.document, width=width, height=height, fps=fps, audio_rate=audio_rate))

    # ---- media -----------------------------------------------------------------------------------------------

    def relink(self, old_url: str, new_path: os.PathLike | str) -> None:
        """Point every clip using `old_url` at `new_path` (one undo step)."""
        new = Path(new_path).absolute()
        if not new.is_file():
            raise PlacementError(f"cannot relink to {new}: no such file")
        self.push(c.RelinkCommand(self.document, old_url, str(new)))
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
                    self.push(c.RelinkCommand(self.document, old, new))
            self._report_offline()
        return report
