"""Clip placement edits of `TimelineDocument`: insert, overwrite, append, move, split, delete, gaps, links.

Ripple edits keep sync: tracks holding clips linked to the clips that shift are shifted too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.media.info import MediaInfo
from seine_editor.timeline import clip_factory, generated, layout, meta, rules, snapshot, sound
from seine_editor.timeline.declared import at, clip_name, clips_named, example_media, track_name, undoable
from seine_editor.timeline.track_edit import Slot, TrackEdit

MODES = ("insert", "overwrite")


def _moves_text(document, clip_ids) -> str:
    """"Move 'A'", or "Move 3 clips" counting linked partners once."""
    info = document.info()
    ids = [i for i in dict.fromkeys(clip_ids) if i in info.places]
    groups = {info.clip(i).link_group or i for i in ids}
    return f"Move {len(groups)} clips" if len(groups) > 1 else f"Move {clips_named(document, ids)}" if ids else "Move"


def place(edit: TrackEdit, start: int, duration: int, source_start: int, item: otio.core.Item,
          mode: str) -> tuple[Slot, list[Slot]]:
    """Put `item` at `start`; insert splits what is there and pushes the rest right, overwrite replaces it.
    Returns the new slot and the right pieces of clips that were split."""
    pieces = []
    if mode == "insert":
        covering = edit.slot_at(start)
        if covering is not None and covering.start < start:
            pieces.append(edit.split(covering, start))
        edit.ripple(start, duration)
    else:
        pieces = [right for _, right in edit.clear(start, start + duration)]
    return edit.add(start, duration, source_start, item), pieces


def relink_pieces(pieces: list[Slot]) -> None:
    """Right pieces of split linked clips form a new link group (one per original group)."""
    fresh: dict[str, str] = {}
    for piece in pieces:
        group = meta.get(piece.item, "link")
        if group:
            meta.update(piece.item, link=fresh.setdefault(group, meta.new_id()))


class ClipEditsMixin:
    # ---- placing media -------------------------------------------------------------------------------------

    @undoable(lambda doc, media, track_id, at_frame, mode="insert", name=None, **_:
              f"{'Overwrite with' if mode == 'overwrite' else 'Insert'} '{name or Path(media.path).name}' at "
              f"{at(doc, at_frame)}",
              example=lambda doc, ids: {"media": example_media("C.mp4", sound=True), "track_id": ids["V1"],
                                        "at_frame": 10})
    def insert_clip(self, media: MediaInfo, track_id: str, at_frame: int, *, mode: str = "insert",
                    duration_frames: int | None = None, source_start_frame: int = 0,
                    audio_track_id: str | None = None, name: str | None = None):
        """Place `media` at `at_frame`. A video with audio also gets a linked clip on `audio_track_id` (or the
        first audio track; none when the timeline has no audio track). Returns Edit(ids=(clip, [audio]))."""
        if mode not in MODES:
            raise PlacementError(f"placement mode {mode!r} is not one of {', '.join(MODES)}")
        duration, clips = self._new_clips(media, track_id, at_frame, duration_frames, source_start_frame,
                                          audio_track_id, name)
        sync = self._sync_frames([tid for tid, _ in clips], at_frame) if mode == "insert" else {}

        def fn(edits):
            pieces = []
            for tid, clip in clips:
                pieces += place(edits[tid], at_frame, duration, source_start_frame, clip, mode)[1]
            for tid, frame in sync.items():
                edits[tid].ripple(frame, duration)
            relink_pieces(pieces)
            return tuple(meta.item_id(c) for _, c in clips)

        return self._apply("insert_clip", [tid for tid, _ in clips] + list(sync), fn)

    def overwrite_clips(self, placements):
        """Place several media at once, each over what lies under it (a paste), as one edit that fully applies or
        changes nothing. ``placements``: dicts of `insert_clip`'s arguments (media, track_id, at_frame, and
        optionally duration_frames, source_start_frame, audio_track_id, name). Returns Edit(ids=every clip made)."""
        prepared = []
        for p in placements:
            source_start = p.get("source_start_frame", 0)
            duration, clips = self._new_clips(p["media"], p["track_id"], p["at_frame"], p.get("duration_frames"),
                                              source_start, p.get("audio_track_id"), p.get("name"))
            prepared.append((p["at_frame"], duration, source_start, clips))

        def fn(edits):
            pieces, made = [], []
            for at_frame, duration, source_start, clips in prepared:
                for tid, clip in clips:
                    pieces += place(edits[tid], at_frame, duration, source_start, clip, "overwrite")[1]
                    made.append(meta.item_id(clip))
            relink_pieces(pieces)
            return tuple(made)

        return self._apply("overwrite_clips", [tid for *_, clips in prepared for tid, _ in clips], fn)

    def _new_clips(self, media: MediaInfo, track_id: str, at_frame: int, duration_frames: Optional[int],
                   source_start_frame: int, audio_track_id: Optional[str], name: Optional[str]):
        """(duration, [(track id, clip)]) for `media` at `at_frame`: its clip, and a linked one for its sound."""
        rules.check_frame(at_frame, "insert frame")
        rules.check_frame(source_start_frame, "source start frame")
        track = self._track(track_id)
        rules.check_media_fits_track(media, track)
        duration = clip_factory.clip_duration(media, self.rate, source_start_frame, duration_frames)
        targets = [(track_id, "image" if media.kind == "image" else media.kind)]
        audio_track = self._audio_target(media, audio_track_id)
        if audio_track is not None:
            targets.append((audio_track, "audio"))
        link = meta.new_id() if len(targets) > 1 else None
        # with a linked audio clip, the media's sound is that clip's, no longer the picture's (sound.py)
        clips = [(tid, clip_factory.make_clip(media, kind, self.rate, source_start_frame, duration, name, link,
                                              **({sound.MUTE_AUDIO: True} if link and index == 0 else {})))
                 for index, (tid, kind) in enumerate(targets)]
        return duration, clips

    def overwrite_clip(self, media: MediaInfo, track_id: str, at_frame: int, **options):
        return self.insert_clip(media, track_id, at_frame, mode="overwrite", **options)

    def append_clip(self, media: MediaInfo, track_id: str, **options):
        """Place `media` right after the last item of the track."""
        return self.insert_clip(media, track_id, self.info().track(track_id).clips_end, mode="overwrite", **options)

    def _audio_target(self, media: MediaInfo, audio_track_id: Optional[str]) -> Optional[str]:
        if media.kind != "video" or not media.has_audio:
            return None
        if audio_track_id is not None:
            if snapshot.track_kind(self._track(audio_track_id)) != "audio":
                raise PlacementError(f"linked audio needs an audio track; "
                                     f"{rules.track_label(self._track(audio_track_id))} is a video track")
            return audio_track_id
        audio = self.track_ids("audio")
        return audio[0] if audio else None

    def _sync_frames(self, rippled: list[str], at_frame: int) -> dict[str, int]:
        """Other tracks to shift with a ripple at `at_frame`: those holding partners of clips that move."""
        info = self.info()
        groups = {c.link_group for tid in rippled for c in info.track(tid).clips
                  if c.link_group and c.start_frame >= at_frame}
        frames: dict[str, int] = {}
        for clip in info.clips():
            if clip.link_group in groups and clip.track_id not in rippled:
                frames[clip.track_id] = min(frames.get(clip.track_id, clip.start_frame), clip.start_frame)
        return frames

    # ---- moving, splitting, deleting -------------------------------------------------------------------

    @undoable(lambda doc, clip_id, to_frame, **_: f"Move '{clip_name(doc, clip_id)}' to {at(doc, to_frame)}",
              example=lambda doc, ids: {"clip_id": ids["A"], "to_frame": 60})
    def move_clip(self, clip_id: str, to_frame: int, track_id: str | None = None, mode: str = "overwrite"):
        """Move a clip (and its linked clips by the same offset, on their own tracks) to `to_frame`,
        onto `track_id` if given. Overwrite replaces what is there; insert pushes it right."""
        rules.check_frame(to_frame, "move target frame")
        if mode not in MODES:
            raise PlacementError(f"placement mode {mode!r} is not one of {', '.join(MODES)}")
        info = self.info()
        moving = info.clip(clip_id)
        target = track_id or moving.track_id
        if info.track(target).kind != info.track(moving.track_id).kind:
            raise PlacementError(f"clip '{moving.name}' is {info.track(moving.track_id).kind} and cannot move to "
                                 f"{info.track(target).kind} {rules.track_label(self._track(target))}")
        delta = to_frame - moving.start_frame
        group = self._link_group(clip_id)
        destinations = [(tid, cid, target if cid == clip_id else tid) for tid, cid in group]

        def fn(edits):
            lifted = []
            for source, cid, dest in destinations:
                slot = edits[source].slot(cid)
                edits[source].remove(slot)
                lifted.append((slot, dest))
            pieces = []
            for slot, dest in lifted:
                if slot.start + delta < 0:
                    raise PlacementError(f"{rules.clip_label(slot.item)} would start at frame {slot.start + delta}")
                pieces += place(edits[dest], slot.start + delta, slot.duration, slot.source_start,
                                slot.item.clone(), mode)[1]
            relink_pieces(pieces)
            return ()

        return self._apply("move_clip", [t for t, _, _ in destinations] + [d for _, _, d in destinations], fn)

    @undoable(lambda doc, clip_ids, **_: _moves_text(doc, clip_ids),
              example=lambda doc, ids: {"clip_ids": [ids["A"], ids["B"]], "delta_frames": 30})
    def move_clips(self, clip_ids, delta_frames: int, track_id: str | None = None, mode: str = "overwrite"):
        """Move several clips (and their linked clips) by `delta_frames` in one edit, the chosen ones onto
        `track_id` if given. Insert opens room for the whole selection at once (the gaps inside it kept).
        Clips that meet before and after keep the dissolve between them, whichever track they land on."""
        if mode not in MODES:
            raise PlacementError(f"placement mode {mode!r} is not one of {', '.join(MODES)}")
        moves: dict[str, tuple[str, str]] = {}  # clip id -> (source track, destination track)
        for clip_id in dict.fromkeys(clip_ids):
            if clip_id in moves:
                continue  # a linked partner of a clip chosen earlier: it moves with that one, on its own track
            for tid, cid in self._link_group(clip_id):
                moves[cid] = (tid, (track_id or tid) if cid == clip_id else tid)
        if not moves:
            raise PlacementError("no clips to move")
        for cid, (src, dest) in moves.items():
            kinds = snapshot.track_kind(self._track(src)), snapshot.track_kind(self._track(dest))
            if kinds[0] != kinds[1]:
                raise PlacementError(f"{rules.clip_label(self._item(cid))} is on a {kinds[0]} track and cannot "
                                     f"move to {kinds[1]} {rules.track_label(self._track(dest))}")

        def fn(edits):
            lifted = {cid: edits[src].slot(cid) for cid, (src, _) in moves.items()}
            for cid, (src, _) in moves.items():
                edits[src].remove(lifted[cid])
            _carry_dissolves(edits, moves)
            relink_pieces(_place_block(edits, moves, lifted, delta_frames, mode))
            return ()

        return self._apply("move_clips", [t for pair in moves.values() for t in pair], fn)

    @undoable(lambda doc, clip_id, at_frame: f"Split '{clip_name(doc, clip_id)}' at {at(doc, at_frame)}",
              example=lambda doc, ids: {"clip_id": ids["B"], "at_frame": 36})
    def split_clip(self, clip_id: str, at_frame: int):
        """Cut the clip (and linked clips that span the frame) in two; Edit.ids are the new right pieces."""
        group = self._link_group(clip_id)
        info = self.info()
        if not info.clip(clip_id).start_frame < at_frame < info.clip(clip_id).end_frame:
            clip = info.clip(clip_id)
            raise PlacementError(f"clip '{clip.name}' spans frames {clip.start_frame}..{clip.end_frame - 1}; "
                                 f"cannot split at frame {at_frame}")
        spanning = [(tid, cid) for tid, cid in group
                    if info.clip(cid).start_frame < at_frame < info.clip(cid).end_frame]
        spanning.sort(key=lambda pair: pair[1] != clip_id)

        def fn(edits):
            pieces = [edits[tid].split(edits[tid].slot(cid), at_frame) for tid, cid in spanning]
            relink_pieces(pieces)
            return tuple(p.id for p in pieces)

        return self._apply("split_clip", [tid for tid, _ in spanning], fn)

    @undoable(lambda doc, clip_ids, ripple=False: f"{'Ripple delete' if ripple else 'Delete'} "
                                                   f"{clips_named(doc, clip_ids)}",
              example=lambda doc, ids: {"clip_ids": [ids["A"]], "ripple": True})
    def delete_clips(self, clip_ids, ripple: bool = False):
        """Remove clips (with their linked clips). Ripple closes the space they leave on their tracks."""
        members = {pair for cid in clip_ids for pair in self._link_group(cid)}
        info = self.info()
        by_track: dict[str, list[str]] = {}
        for tid, cid in members:
            by_track.setdefault(tid, []).append(cid)
        sync: dict[str, int] = {}
        if ripple:
            first = min(info.clip(cid).start_frame for _, cid in members)
            sync = {t: f for t, f in self._sync_frames(list(by_track), first).items() if t not in by_track}
        removed = sorted({(info.clip(c).start_frame, info.clip(c).duration_frames) for _, c in members},
                         reverse=True)

        def fn(edits):
            for tid, cids in by_track.items():
                slots = sorted((edits[tid].slot(c) for c in cids), key=lambda s: -s.start)
                for slot in slots:
                    edits[tid].remove(slot)
                    if ripple:
                        edits[tid].ripple(slot.end, -slot.duration)
            for tid in sync:  # keep linked clips on other tracks in step with the ones that moved
                for start, duration in removed:
                    edits[tid].ripple(start + duration, -duration)
            return ()

        return self._apply("ripple_delete" if ripple else "delete_clips", [*by_track, *sync], fn)

    def ripple_delete(self, clip_ids):
        return self.delete_clips(clip_ids, ripple=True)

    # ---- gaps and links --------------------------------------------------------------------------------

    @undoable(lambda doc, track_id, at_frame, duration_frames: f"Insert {duration_frames} frame gap at "
                                                                f"{at(doc, at_frame)}",
              example=lambda doc, ids: {"track_id": ids["V1"], "at_frame": 24, "duration_frames": 6})
    def insert_gap(self, track_id: str, at_frame: int, duration_frames: int):
        """Open empty space at `at_frame` (splitting a clip there), pushing later clips right."""
        rules.check_frame(at_frame, "gap frame")
        rules.check_frame(duration_frames, "gap duration", minimum=1)
        sync = self._sync_frames([track_id], at_frame)

        def fn(edits):
            edit = edits[track_id]
            covering = edit.slot_at(at_frame)
            pieces = [edit.split(covering, at_frame)] if covering and covering.start < at_frame else []
            edit.ripple(at_frame, duration_frames)
            for tid, frame in sync.items():
                edits[tid].ripple(frame, duration_frames)
            relink_pieces(pieces)
            return ()

        return self._apply("insert_gap", [track_id, *sync], fn)

    @undoable(lambda doc, track_id, at_frame: f"Close gap at {at(doc, at_frame)} on '{track_name(doc, track_id)}'",
              example=lambda doc, ids: (doc.delete_clips([ids["A"]]), {"track_id": ids["V1"], "at_frame": 3})[1])
    def close_gap(self, track_id: str, at_frame: int):
        """Remove the empty space containing `at_frame`, pulling later clips left."""
        track = self.info().track(track_id)
        if any(c.start_frame <= at_frame < c.end_frame for c in track.clips):
            raise PlacementError(f"frame {at_frame} on {rules.track_label(self._track(track_id))} is not in a gap")
        before = max((c.end_frame for c in track.clips if c.end_frame <= at_frame), default=0)
        after = min((c.start_frame for c in track.clips if c.start_frame > at_frame), default=None)
        if after is None:
            raise PlacementError(f"frame {at_frame} on {rules.track_label(self._track(track_id))} is after the "
                                 f"last clip; there is no gap to close")
        sync = {t: f for t, f in self._sync_frames([track_id], after).items()}

        def fn(edits):
            edits[track_id].ripple(after, before - after)
            for tid, frame in sync.items():
                edits[tid].ripple(frame, before - after)
            return ()

        return self._apply("close_gap", [track_id, *sync], fn)

    @undoable(lambda doc, old_path, new_path: f"Relink '{Path(old_path).name}' to '{new_path}'",
              example=lambda doc, ids: {"old_path": doc.info().clip(ids["A"]).media_path,
                                        "new_path": "/elsewhere/A.mp4"})
    def relink_media(self, old_path: str, new_path: str):
        """Point every reference to `old_path` (a path or the URL as stored; active or not, baked takes included)
        and the generative requests reading it at `new_path`; ranges unchanged. Edit.ids = relinked clips."""
        touched = {meta.item_id(t): [meta.item_id(c) for c in t.find_clips() if _uses_media(c, old_path)]
                   for t in self._timeline.tracks}
        touched = {tid: cids for tid, cids in touched.items() if cids}
        if not touched:
            raise PlacementError(f"no clip plays {old_path}")

        def fn(edits):
            for tid, cids in touched.items():
                for cid in cids:
                    _relink_clip(edits[tid].slot(cid).item, old_path, str(new_path))
            return tuple(c for cids in touched.values() for c in cids)

        return self._apply("relink_media", list(touched), fn)

    @undoable(lambda doc, clip_ids: f"Link {clips_named(doc, clip_ids)}",
              example=lambda doc, ids: {"clip_ids": [ids["A"], ids["B"]]})
    def link_clips(self, clip_ids):
        """Link clips so they move, trim, split and delete together."""
        if len(set(clip_ids)) < 2:
            raise PlacementError("linking needs at least two different clips")
        group = meta.new_id()
        return self._relink("link_clips", {cid: group for cid in clip_ids})

    @undoable(lambda doc, clip_id: f"Unlink '{clip_name(doc, clip_id)}'",
              example=lambda doc, ids: {"clip_id": doc.insert_clip(example_media("D.mp4", sound=True), ids["V1"],
                                                                   48).ids[0]})
    def unlink_clip(self, clip_id: str):
        """Take a clip out of its link group (a group left with one clip dissolves). A picture taken away from
        linked sound stays silent (`sound.MUTE_AUDIO`): unlinking changes nothing you hear."""
        group = self._link_group(clip_id)
        members = [cid for _, cid in group]
        if len(members) < 2:
            raise PlacementError(f"clip {clip_id!r} is not linked to another clip")
        remaining = [cid for cid in members if cid != clip_id]
        changes = {clip_id: None}
        if len(remaining) == 1:
            changes[remaining[0]] = None
        kinds = {cid: snapshot.track_kind(self._track(tid)) for tid, cid in group}
        muted = {cid for cid in changes if kinds[cid] == "video"} if "audio" in kinds.values() else set()
        return self._relink("unlink_clip", changes, muted)

    def _relink(self, action: str, groups: dict[str, Optional[str]], muted: set[str] = frozenset()):
        tracks = {cid: meta.item_id(self._track_of(cid)) for cid in groups}

        def fn(edits):
            for cid, group in groups.items():
                slot = edits[tracks[cid]].slot(cid)
                meta.update(slot.item, link=group, **({sound.MUTE_AUDIO: True} if cid in muted else {}))
            return ()

        return self._apply(action, list(tracks.values()), fn)


def _names_media(url: str | None, old_path: str) -> bool:
    return bool(url) and (url == old_path or layout.url_path(url) == old_path)


def _uses_media(clip: otio.schema.Clip, old_path: str) -> bool:
    urls = [getattr(r, "target_url", None) for r in clip.media_references().values()]
    data = meta.seine(clip)
    urls += [s.get("media_path") for s in data.get("sources", [])] + [t.get("path") for t in data.get("takes", [])]
    return any(_names_media(url, old_path) for url in urls)


def _relink_clip(clip: otio.schema.Clip, old_path: str, new_path: str) -> None:
    references = {}
    for key, reference in clip.media_references().items():
        if isinstance(reference, otio.schema.ExternalReference) and _names_media(reference.target_url, old_path):
            reference = reference.clone()
            reference.target_url = new_path
        references[key] = reference
    clip.set_media_references(references, clip.active_media_reference_key)
    if generated.is_generative(clip):
        generated.map_paths(clip, lambda path: new_path if _names_media(path, old_path) else path)


def _carry_dissolves(edits: dict[str, TrackEdit], moves: dict[str, tuple[str, str]]) -> None:
    """A dissolve whose two clips both move to another track goes with them."""
    for source in {src for src, _ in moves.values()}:
        for left, right, transition in list(edits[source].transitions):
            if left in moves and right in moves and moves[left][1] == moves[right][1] != source:
                edits[source].remove_transition(meta.item_id(transition))
                edits[moves[left][1]].transitions.append((left, right, transition))


def _place_block(edits: dict[str, TrackEdit], moves, lifted: dict[str, Slot], delta: int, mode: str) -> list[Slot]:
    """Put the lifted slots back `delta` frames later on their destinations; returns split-off right pieces."""
    by_destination: dict[str, list[Slot]] = {}
    for cid, (_, dest) in moves.items():
        by_destination.setdefault(dest, []).append(lifted[cid])
    pieces = []
    for dest, slots in by_destination.items():
        slots.sort(key=lambda s: s.start)
        first, edit = slots[0].start + delta, edits[dest]
        if first < 0:
            raise PlacementError(f"{rules.clip_label(slots[0].item)} would start at frame {first}")
        if mode == "insert":
            covering = edit.slot_at(first)
            if covering is not None and covering.start < first:
                pieces.append(edit.split(covering, first))
            edit.ripple(first, max(s.end for s in slots) + delta - first)
        for slot in slots:
            if mode == "overwrite":
                pieces += [right for _, right in edit.clear(slot.start + delta, slot.end + delta)]
            edit.add(slot.start + delta, slot.duration, slot.source_start, slot.item.clone())
    return pieces
