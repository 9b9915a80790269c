"""TimelineDocument: owns one `otio.schema.Timeline` and is the only code that changes it.

Every mutating method validates first and either fully applies or changes nothing: edits read the touched
tracks (`TrackEdit`), change private clones of the items they touch, are checked while written back, and only
then are the children that differ swapped in (a `Patch` per track; a refused dissolve check swaps them back out).
The objects in the timeline are never changed in place, which lets `memo.ItemMemo` keep what was read from them.
Each returns an `Edit`; `edit.undo` is an opaque `Memento` and `document.restore(memento)` puts the
touched tracks (and timeline markers) back exactly, returning the memento that redoes the edit::

    edit = doc.insert_clip(media, track_id, at_frame=48)     # first redo
    redo = doc.restore(edit.undo)                            # undo
    undo = doc.restore(redo)                                 # redo again, and so on

Signals (psygnal): `changed(DocumentChange)` after every change, plus `tracks_changed()` (track list,
order, names or flags), `items_changed(track_ids)` (clips/transitions on those tracks),
`markers_changed()` and `settings_changed()` (output format or engine settings: `set_settings`).
Frames are whole frames at `document.rate`; ids are `metadata["seine"]["id"]`.
"""
from __future__ import annotations

import bisect
import contextlib
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator, Mapping, Optional

import opentimelineio as otio
from psygnal import Signal

from seine_editor.errors import PlacementError
from seine_editor.timeline import generated, layout, media_folders, meta, rules, snapshot
from seine_editor.timeline.changes import DocumentChange, Edit, Memento, Patch
from seine_editor.timeline.declared import track_name, undoable
from seine_editor.timeline.memo import ItemMemo
from seine_editor.timeline.edits_clips import ClipEditsMixin
from seine_editor.timeline.edits_generative import GenerativeEditsMixin
from seine_editor.timeline.edits_geometry import GeometryEditsMixin
from seine_editor.timeline.edits_markers import MarkerEditsMixin
from seine_editor.timeline.edits_properties import ClipPropertyEditsMixin
from seine_editor.timeline.edits_settings import SettingsEditsMixin
from seine_editor.timeline.edits_trim import TrimEditsMixin
from seine_editor.timeline.settings import timeline_rate
from seine_editor.timeline.time import exact_rate, to_frames, to_rational
from seine_editor.timeline import track_edit
from seine_editor.timeline.track_edit import TrackEdit


UNTITLED = "Untitled"

class TimelineDocument(ClipEditsMixin, TrimEditsMixin, GenerativeEditsMixin, GeometryEditsMixin, MarkerEditsMixin,
                       ClipPropertyEditsMixin, SettingsEditsMixin):
    changed = Signal(object)
    tracks_changed = Signal()
    items_changed = Signal(tuple)
    markers_changed = Signal()
    settings_changed = Signal()

    def __init__(self, timeline: otio.schema.Timeline | None = None, rate: Fraction | None = None):
        """Adopt `timeline` (ids added where missing, nothing else changed) or start an empty one with a
        video and an audio track. The rate comes from `rate`, our metadata, or the timeline's ranges."""
        if timeline is None:
            timeline = otio.schema.Timeline(name=UNTITLED)
            timeline.tracks.append(otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video))
            timeline.tracks.append(otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio))
        self._timeline = timeline
        self.rate = exact_rate(rate) if rate is not None else timeline_rate(timeline)
        if self.rate <= 0:
            raise PlacementError(f"timeline rate must be positive, got {self.rate}")
        meta.update(timeline, rate=f"{self.rate.numerator}/{self.rate.denominator}")
        if timeline.global_start_time is None:
            timeline.global_start_time = to_rational(0, self.rate)
        self._info: snapshot.TimelineInfo | None = None
        self._memo = ItemMemo()
        with meta.reading(self._memo):  # what is read here stays read for the first views
            _assign_ids(timeline)
            for clip in timeline.find_clips():
                if generated.is_generative(clip):
                    generated.upgrade_fingerprint(clip)
            for track in timeline.tracks:  # what an edit reads of a track, read while opening: the first edit
                if isinstance(track, otio.schema.Track):  # costs what the next ones do
                    track_edit.prepare(track, self.rate, self._memo)
        self._batch: list | None = None  # changes held back by `batch`

    # ---- reading -----------------------------------------------------------------------------------------

    @property
    def timeline(self) -> otio.schema.Timeline:
        """The live timeline, for `otio_io` to save; never mutate it outside this class."""
        return self._timeline

    def to_json(self) -> str:
        return otio.adapters.write_to_string(self._timeline, "otio_json")

    def info(self, refresh: bool = False) -> snapshot.TimelineInfo:
        """The frozen view, rebuilt after each change (`refresh` re-checks which media files are offline)."""
        if self._info is None or refresh:
            self._forget_timeline_metadata()
            self._info = snapshot.build_info(self._timeline, self.rate, self._memo)
        return self._info

    def render_snapshot(self) -> snapshot.RenderSnapshot:
        self._forget_timeline_metadata()
        return snapshot.build_render_snapshot(self._timeline, self.rate, self._memo)

    def _forget_timeline_metadata(self) -> None:
        """The timeline's own metadata (settings) is the one thing written in place: never read from the memo."""
        self._memo.namespaces.pop(id(self._timeline), None)
        self._memo.namespaces.pop(id(self._timeline.tracks), None)

    def track_ids(self, kind: str | None = None) -> tuple[str, ...]:
        return tuple(meta.item_id(t) for t in self._timeline.tracks
                     if kind is None or snapshot.track_kind(t) == kind)

    def _track(self, track_id: str) -> otio.schema.Track:
        with meta.reading(self._memo):
            for track in self._timeline.tracks:
                if meta.item_id(track) == track_id:
                    return track
        raise PlacementError(f"no track with id {track_id!r}")

    def live_items(self, item_ids) -> list[otio.core.Item]:
        """The live OTIO clips and dissolves with ``item_ids``, found where the views say they are (read them,
        never change them)."""
        return [self._item(item_id) for item_id in item_ids]

    def _item(self, item_id: str) -> otio.core.Item:
        clip = self.info().places.get(item_id)
        if clip is not None:
            with meta.reading(self._memo):
                placed = layout.read_track(self._track(clip.track_id), self.rate)[0]
                index = bisect.bisect_left(placed, clip.start_frame, key=lambda p: p.start)
                while index < len(placed) and placed[index].start == clip.start_frame:
                    if meta.item_id(placed[index].item) == item_id:
                        return placed[index].item
                    index += 1
        with meta.reading(self._memo):
            return next(c for c in self._track_of(item_id) if meta.item_id(c) == item_id)

    def _track_of(self, item_id: str) -> otio.schema.Track:
        info = self.info()
        clip = info.places.get(item_id)
        if clip is not None:
            return self._track(clip.track_id)
        for track in info.tracks:
            if any(t.id == item_id for t in track.transitions):
                return self._track(track.id)
        with meta.reading(self._memo):  # an item the views do not show: a nested composition
            for track in self._timeline.tracks:
                for child in track:
                    if meta.item_id(child) == item_id:
                        return track
        raise PlacementError(f"no clip or transition with id {item_id!r} in the timeline")

    def _link_group(self, clip_id: str) -> list[tuple[str, str]]:
        """(track id, clip id) of the clip and every clip linked to it, in timeline order."""
        info = self.info()
        clip = info.clip(clip_id)
        row = {track.id: track.index for track in info.tracks}
        members = sorted((info.places[i] for i in (clip_id, *clip.linked_ids)),
                         key=lambda c: (row[c.track_id], c.start_frame))
        return [(c.track_id, c.id) for c in members]

    # ---- applying ----------------------------------------------------------------------------------------

    def _apply(self, action: str, track_ids, fn: Callable[[dict[str, TrackEdit]], tuple[str, ...]]) -> Edit:
        """Run `fn` on the tracks' slots, write them back (checks), then swap in what differs, all at once; the
        dissolves next to what changed are checked in place, and a refusal swaps it all back out."""
        edits = {}
        for track_id in dict.fromkeys(track_ids):
            track = self._track(track_id)
            rules.check_unlocked(track)
            edits[track_id] = TrackEdit(track, self.rate, self._memo)
        created = fn(edits) or ()
        written = {track_id: edit.write() for track_id, edit in edits.items()}
        patches = tuple(p for p in (_difference(tid, edits[tid].children, children)
                                    for tid, children in written.items()) if p is not None)
        undo = self._patch(patches)
        try:
            with meta.reading(self._memo):
                for patch in patches:
                    rules.check_transitions(self._track(patch.track_id), self.rate, near=patch.put)
        except PlacementError:
            self._patch(undo)
            raise
        self._info = None
        self._emit(DocumentChange(action, tuple(written), tuple(created)), items=tuple(written))
        return Edit(Memento(self.track_ids(), {}, patches=undo), tuple(created))

    def _patch(self, patches: tuple[Patch, ...]) -> tuple[Patch, ...]:
        """Apply ``patches`` (every take before any put: an item may move between tracks); returns their undo."""
        tracks = {p.track_id: self._track(p.track_id) for p in patches}
        taken = []
        for patch in patches:
            track = tracks[patch.track_id]
            taken.append(tuple(self._memo.children_of(track)[patch.start:patch.start + patch.take]))
            del track[patch.start:patch.start + patch.take]
            self._memo.splice(track, patch.start, patch.take, ())
        for patch in patches:  # one insert at a time: OTIO's slice assignment lists the whole track first
            for offset, item in enumerate(patch.put):
                tracks[patch.track_id].insert(patch.start + offset, item)
            self._memo.splice(tracks[patch.track_id], patch.start, 0, patch.put)
        return tuple(Patch(p.track_id, p.start, len(p.put), out) for p, out in zip(patches, taken))

    def _swap(self, tracks: Mapping[str, otio.schema.Track], order: tuple[str, ...] | None = None,
              markers: tuple[otio.schema.Marker, ...] | None = None,
              timeline_seine: Mapping | None = None) -> Memento:
        """Install `tracks` (by id) in `order` (and markers, timeline metadata when given); returns the memento
        holding what was replaced."""
        self._info = None
        old_seine = None
        if timeline_seine is not None:
            old_seine = meta.seine(self._timeline)
            self._timeline.metadata[meta.NAMESPACE] = meta.plain(timeline_seine)
            self._adopt_rate(timeline_rate(self._timeline))
        current = {meta.item_id(t): t for t in self._timeline.tracks}
        old_order = tuple(current)
        order = old_order if order is None else order
        replaced = {tid: current[tid] for tid in tracks if tid in current}
        replaced.update({tid: current[tid] for tid in old_order if tid not in order})
        new_children = [tracks[tid] if tid in tracks else current[tid] for tid in order]
        old_markers = None
        if markers is not None:
            old_markers = tuple(m.clone() for m in self._timeline.tracks.markers)
        stack = self._timeline.tracks
        del stack[:]
        stack.extend(new_children)
        if markers is not None:
            stack.markers[:] = [m.clone() for m in markers]
        return Memento(old_order, replaced, old_markers, old_seine)

    def _adopt_rate(self, rate: Fraction) -> None:
        """The timeline is at ``rate`` now (a format change, or its undo): its start moves to the same instant at
        it, and nothing read at the old rate is reused."""
        if rate == self.rate:
            return
        self.rate = rate
        self._timeline.global_start_time = to_rational(to_frames(self._timeline.global_start_time, rate), rate)
        self._memo.clear()

    def restore(self, memento: Memento) -> Memento:
        """Put back the state `memento` recorded; returns the memento that undoes this restore."""
        if memento.patches:
            self._info = None
            inverse = Memento(memento.order, {}, patches=self._patch(memento.patches))
            tracks = tuple(dict.fromkeys(p.track_id for p in memento.patches))
            self._emit(DocumentChange("restore", tracks), items=tracks)
            return inverse
        inverse = self._swap(memento.tracks, memento.order, memento.markers, memento.timeline_seine)
        self._emit(DocumentChange("restore", tuple(memento.order)), items=tuple(memento.tracks),
                   tracks=True, markers=memento.markers is not None, settings=memento.timeline_seine is not None)
        return inverse

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Changes made inside are announced once, when the block ends: one `DocumentChange("batch", ...)` naming
        every track and item they touched (a drop of many files, a macro and its undo are one update)."""
        if self._batch is not None:
            yield
            return
        self._batch = []
        try:
            yield
        finally:
            held, self._batch = self._batch, None
            if held:
                change = DocumentChange("batch", tuple(dict.fromkeys(t for c, *_ in held for t in c.track_ids)),
                                        tuple(dict.fromkeys(i for c, *_ in held for i in c.item_ids)))
                self._emit(change, tuple(dict.fromkeys(i for _, items, *_ in held for i in items)),
                           *(any(flags[k] for _, _, *flags in held) for k in range(3)))

    def _emit(self, change: DocumentChange, items: tuple[str, ...] = (), tracks: bool = False,
              markers: bool = False, settings: bool = False) -> None:
        if self._batch is not None:
            self._batch.append((change, items, tracks, markers, settings))
            return
        if settings:
            self.settings_changed.emit()
        if tracks:
            self.tracks_changed.emit()
        if items:
            self.items_changed.emit(items)
        if markers:
            self.markers_changed.emit()
        self.changed.emit(change)

    @property
    def name(self) -> str:
        return self._timeline.name

    def follow_file_name(self, new_stem: str, old_stem: Optional[str] = None) -> Optional[str]:
        """Saved under another name: a timeline still named "Untitled", or after the file it was saved as, takes
        the new file's name (a sequence named in another tool keeps its name). Not an edit of its own, like a
        window title. Returns the name it had, for a save that fails to restore; None when it kept it."""
        before = self._timeline.name
        if before not in (UNTITLED, "", old_stem) or before == new_stem:
            return None
        self._timeline.name = new_stem
        return before

    def rebase_media(self, old_folder, new_folder, mementos: tuple[Memento, ...] = ()) -> int:
        """Point every path under `old_folder` at the same file under `new_folder` (its files were copied there),
        in the timeline and in `mementos` (the undo history), so no undo or redo brings the old folder back.
        Not an edit of its own: the files simply moved. Returns how many clips changed."""
        objects = [*self._timeline.tracks, *(o for m in mementos for o in m.objects())]
        changed = media_folders.rebase_in_place(objects, Path(old_folder), Path(new_folder))
        if changed:
            self._info = None
            self._memo.clear()  # paths were rewritten in place
            self._emit(DocumentChange("rebase_media", self.track_ids()), items=self.track_ids())
        return changed

    # ---- tracks ------------------------------------------------------------------------------------------

    @undoable(lambda doc, kind="video", name=None, **_: f"Add {kind} track{f' {name!r}' if name else ''}",
              example=lambda doc, ids: {"kind": "video", "name": "V2"}, one_id=True)
    def add_track(self, kind: str = "video", name: str | None = None, index: int | None = None) -> Edit:
        if kind not in ("video", "audio"):
            raise PlacementError(f"track kind {kind!r} is not allowed; use 'video' or 'audio'")
        order = list(self.track_ids())
        index = len(order) if index is None else index
        if not 0 <= index <= len(order):
            raise PlacementError(f"track index {index} is outside 0..{len(order)}")
        otio_kind = otio.schema.TrackKind.Video if kind == "video" else otio.schema.TrackKind.Audio
        prefix = "V" if kind == "video" else "A"
        track = otio.schema.Track(name=name or f"{prefix}{len(self.track_ids(kind)) + 1}", kind=otio_kind)
        track_id = meta.ensure_id(track)
        order.insert(index, track_id)
        memento = self._swap({track_id: track}, tuple(order))
        self._emit(DocumentChange("add_track", (track_id,)), tracks=True)
        return Edit(memento, (track_id,))

    @undoable(lambda doc, track_id: f"Remove track '{track_name(doc, track_id)}'",
              example=lambda doc, ids: {"track_id": ids["A1"]})
    def remove_track(self, track_id: str) -> Edit:
        track = self._track(track_id)
        rules.check_unlocked(track)
        memento = self._swap({}, tuple(t for t in self.track_ids() if t != track_id))
        self._emit(DocumentChange("remove_track", (track_id,)), tracks=True)
        return Edit(memento)

    @undoable(lambda doc, track_id, index: f"Move track '{track_name(doc, track_id)}'",
              example=lambda doc, ids: {"track_id": ids["A1"], "index": 0})
    def move_track(self, track_id: str, index: int) -> Edit:
        self._track(track_id)
        order = [t for t in self.track_ids() if t != track_id]
        if not 0 <= index <= len(order):
            raise PlacementError(f"track index {index} is outside 0..{len(order)}")
        order.insert(index, track_id)
        memento = self._swap({}, tuple(order))
        self._emit(DocumentChange("move_track", (track_id,)), tracks=True)
        return Edit(memento)

    @undoable(lambda doc, track_id, name: f"Rename track '{track_name(doc, track_id)}' to '{name}'",
              example=lambda doc, ids: {"track_id": ids["V1"], "name": "Pictures"})
    def rename_track(self, track_id: str, name: str) -> Edit:
        if not name.strip():
            raise PlacementError("a track name cannot be empty")
        return self._retrack("rename_track", track_id, lambda t: setattr(t, "name", name))

    @undoable(lambda doc, track_id, **flags: f"{_flag_words(flags).capitalize()} track '{track_name(doc, track_id)}'",
              example=lambda doc, ids: {"track_id": ids["V1"], "locked": True})
    def set_track_flags(self, track_id: str, *, muted: bool | None = None, hidden: bool | None = None,
                        locked: bool | None = None) -> Edit:
        """Mute/hide/lock (metadata); a locked track may still be unlocked or muted."""
        flags = {k: v for k, v in (("muted", muted), ("hidden", hidden), ("locked", locked)) if v is not None}
        return self._retrack("set_track_flags", track_id, lambda t: meta.update(t, **flags))

    def _retrack(self, action: str, track_id: str, change: Callable[[otio.schema.Track], None]) -> Edit:
        track = self._track(track_id).clone()
        change(track)
        memento = self._swap({track_id: track})
        self._emit(DocumentChange(action, (track_id,)), tracks=True)
        return Edit(memento)


def _flag_words(flags: dict) -> str:
    verbs = {"muted": "mute", "hidden": "hide", "locked": "lock"}
    return ", ".join(f"{'' if on else 'un'}{verbs[flag]}" for flag, on in flags.items())


def _difference(track_id: str, old: list, new: list) -> Patch | None:
    """The one run of children that differs between ``old`` and ``new`` (compared by identity), as a patch."""
    head, tail = layout.differing_run(old, new)
    if head == len(old) == len(new):
        return None
    return Patch(track_id, head, len(old) - head - tail, tuple(new[head:len(new) - tail]))


def _assign_ids(timeline: otio.schema.Timeline) -> None:
    for track in timeline.tracks:
        meta.ensure_id(track)
    for item in timeline.find_children():
        if not isinstance(item, otio.schema.Gap):
            meta.ensure_id(item)
        markers = getattr(item, "markers", None)
        for marker in markers if markers is not None and len(markers) else ():  # iterating OTIO's lists costs
            meta.ensure_id(marker)
    for marker in timeline.tracks.markers:
        meta.ensure_id(marker)
