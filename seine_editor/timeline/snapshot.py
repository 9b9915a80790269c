"""Frozen views of the document.

`TimelineInfo` (and its TrackInfo / ClipInfo / TransitionInfo / GenerativeInfo / MarkerInfo) is what
widgets read: `document.info()`. `RenderSnapshot` is a plain, immutable description the compositor and
exporter use from any thread: `document.render_snapshot()`. Neither holds a live OTIO object.

Units: every `*_frame` / `*_frames` field counts whole frames at the timeline rate, except
`RenderItem.media_frame_at()` which answers a media frame index at the media's own rate.
Tracks are listed bottom to top (OTIO order): a later video track covers an earlier one.
"""
from __future__ import annotations

import collections
import dataclasses
import functools
import math
import operator
import os
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Mapping, Optional

import opentimelineio as otio

from seine_editor.errors import PlacementError
from seine_editor.timeline import edits_properties, generated, kept_views, layout, meta, sound
from seine_editor.media.image_sequence import ImageSequence
from seine_editor.timeline.time import convert_frames, exact_rate, exact_value, to_frames


@dataclass(frozen=True)
class MarkerInfo:
    id: str
    name: str
    frame: int  # timeline frame (clip markers: already placed on the timeline)
    duration_frames: int
    color: str
    comment: str
    clip_id: Optional[str]  # None for a timeline marker


@dataclass(frozen=True)
class GenerativeInfo:
    kind: str  # "seine.transition", "seine.extend", "seine.animate"
    mode: Optional[str]  # "bridge" / "overlap" for transitions
    status: str  # "pending" (placeholder) or "baked"
    stale: bool  # the sources changed since the request: offer regenerate
    params: Mapping[str, Any]
    sources: tuple[Mapping[str, Any], ...]
    fingerprint: str  # as requested
    current_fingerprint: str  # of the sources as they are now
    baked_path: Optional[str]
    takes: tuple[str, ...]  # media-reference keys of baked takes, oldest first
    active_take: Optional[str]
    sound: bool = False  # the take that plays carries generated sound
    sound_on: bool = True  # its switch


@dataclass(frozen=True)
class ClipInfo:
    id: str
    name: str
    track_id: str
    start_frame: int
    duration_frames: int
    source_start_frame: int  # played frames into the media (0 = its first frame; timeline frames at 1×)
    available_frames: Optional[int]  # media length in played frames; None: unlimited (still, missing, frozen)
    media_path: Optional[str]
    kind: str  # "video", "audio", "image", or a generative kind
    link_group: Optional[str]
    linked_ids: tuple[str, ...]  # the other clips that move with this one
    offline: bool
    generative: Optional[GenerativeInfo]
    markers: tuple[MarkerInfo, ...]
    fit_mode: str = "fit"  # "fit": whole picture inside the frame; "fill": the frame covered, edges cropped
    gain_db: float = 0.0
    opacity: float = 1.0  # 0 (invisible) .. 1: how much of the picture covers the tracks below
    enabled: bool = True  # False: kept on the timeline, neither seen nor heard
    speed: Fraction = Fraction(1)  # media played per timeline frame (OTIO's time warps): 2 twice as fast, 0 frozen

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.duration_frames

    def differs_only_in_place(self, other: "ClipInfo") -> bool:
        """The same clip as ``other`` but for where it starts (its markers going with it): what a ripple changes."""
        return self.__dict__ | _PLACE == other.__dict__ | _PLACE


_PLACE = {"start_frame": None, "markers": None}
_ITEM_PLACE = {"start_frame": None, "transition_in": None, "transition_out": None}


@dataclass(frozen=True)
class TransitionInfo:
    id: str
    track_id: str
    name: str
    transition_type: str
    left_clip_id: Optional[str]
    right_clip_id: Optional[str]
    cut_frame: int
    in_offset_frames: int  # before the cut
    out_offset_frames: int  # after the cut

    @property
    def start_frame(self) -> int:
        return self.cut_frame - self.in_offset_frames

    @property
    def end_frame(self) -> int:
        return self.cut_frame + self.out_offset_frames


@dataclass(frozen=True)
class TrackInfo:
    id: str
    name: str
    kind: str  # "video" or "audio"
    index: int  # among all tracks, bottom first
    muted: bool
    hidden: bool
    locked: bool
    duration_frames: int
    clips: tuple[ClipInfo, ...]
    transitions: tuple[TransitionInfo, ...]

    @property
    def clips_end(self) -> int:
        """Where its last clip ends (its clips are in order and never overlap): where an appended clip goes."""
        return self.clips[-1].end_frame if self.clips else 0

    @functools.cached_property
    def by_id(self) -> Mapping[str, ClipInfo]:
        return MappingProxyType(dict(zip(map(operator.attrgetter("id"), self.clips), self.clips)))

    @functools.cached_property
    def generative(self) -> tuple[ClipInfo, ...]:
        """The generative items among its clips."""
        return tuple(c for c in self.clips if c.generative is not None)


@dataclass(frozen=True)
class TimelineInfo:
    name: str
    rate: Fraction
    duration_frames: int
    tracks: tuple[TrackInfo, ...]
    markers: tuple[MarkerInfo, ...]

    def track(self, track_id: str) -> TrackInfo:
        found = next((t for t in self.tracks if t.id == track_id), None)
        if found is None:
            raise PlacementError(f"no track with id {track_id!r} in the timeline")
        return found

    def clip(self, clip_id: str) -> ClipInfo:
        if clip_id not in self.places:
            raise PlacementError(f"no clip with id {clip_id!r} in the timeline")
        return self.places[clip_id]

    @functools.cached_property
    def places(self) -> Mapping[str, ClipInfo]:
        """Every clip by id: each track's own look-up, which a track an edit left alone keeps (`_track_info`)."""
        return collections.ChainMap(*(track.by_id for track in self.tracks))

    def clips(self) -> tuple[ClipInfo, ...]:
        return tuple(c for t in self.tracks for c in t.clips)

    def generative_clips(self) -> tuple[ClipInfo, ...]:
        """The generative items, track by track (each track's kept while an edit leaves the track alone)."""
        return tuple(c for t in self.tracks for c in t.generative)


@dataclass(frozen=True)
class RenderTransition:
    id: str
    transition_type: str
    left_clip_id: Optional[str]
    right_clip_id: Optional[str]
    start_frame: int  # first frame of the blend
    end_frame: int  # one past the last
    cut_frame: int


@dataclass(frozen=True)
class RenderGenerative:
    kind: str
    mode: Optional[str]
    status: str  # "pending": show a classic preview from `sources`; "baked": play the item's media
    stale: bool
    sources: tuple[tuple[str, Optional[str], int], ...]  # (role, media path, media frame index)


@dataclass(frozen=True)
class RenderGenerator:
    """A `GeneratorReference` of another tool (bars, a solid colour, ...): `render.generators` draws it."""

    kind: str
    name: str
    parameters: Mapping[str, Any]


@dataclass(frozen=True)
class RenderItem:
    clip_id: str
    name: str
    start_frame: int
    duration_frames: int
    media_path: Optional[str]  # None: offline/missing, or a pending generative placeholder
    media_kind: str  # "video", "audio", "image", "generated"
    source_start_frame: int  # timeline-rate frames into the media at `start_frame`
    source_rate: Optional[Fraction]  # the media's frame rate; None for a still image
    timeline_rate: Fraction
    transition_in: Optional[RenderTransition]
    transition_out: Optional[RenderTransition]
    generative: Optional[RenderGenerative]
    fit_mode: str = "fit"  # "fit": scale the whole picture inside the frame (bars); "fill": cover it (crop)
    gain_db: float = 0.0  # audio gain in decibels
    opacity: float = 1.0  # how much of the picture covers the tracks below
    audio_enabled: bool = True  # the mix hears this clip's media sound (`sound.plays_own_sound`)
    uid: str = ""  # unique within the snapshot: the clip's id, or its place for a clip without one
    source_start_s: Fraction = Fraction(0)  # exact seconds into the media at `start_frame`
    reference: str = "file"  # what plays: "file", "sequence", "generator", "missing" (no media), "generated"
    sequence: Optional[ImageSequence] = None  # the frames of an image sequence
    generator: Optional[RenderGenerator] = None  # another tool's generator
    speed: Fraction = Fraction(1)  # media played per timeline frame: 2 twice as fast, 0 a held frame

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.duration_frames

    def differs_only_in_place(self, other: "RenderItem") -> bool:
        """The same item as ``other`` but for where it starts, its dissolves going with it: what a ripple changes."""
        return self.__dict__ | _ITEM_PLACE == other.__dict__ | _ITEM_PLACE

    def media_frame_at(self, timeline_frame: int) -> int:
        """Media frame index shown at `timeline_frame` (valid inside handles too, for dissolves)."""
        if self.source_rate is None:
            return 0
        if self.speed == 1:
            return convert_frames(self.source_start_frame + timeline_frame - self.start_frame, self.timeline_rate,
                                  self.source_rate)
        seconds = self.source_start_s + self.speed * (timeline_frame - self.start_frame) / self.timeline_rate
        return math.floor(seconds * self.source_rate)


@dataclass(frozen=True)
class RenderTrack:
    id: str
    kind: str
    muted: bool
    hidden: bool
    items: tuple[RenderItem, ...]  # clips only, ordered by start_frame; gaps are simply absent
    transitions: tuple[RenderTransition, ...]
    layer: int = 0  # 0: the track's own clips; 1, 2, ...: the upper tracks of compositions nested in it

    def items_at(self, frame: int) -> tuple[RenderItem, ...]:
        """The item covering `frame`, plus its dissolve partner when `frame` is inside a dissolve."""
        for transition in self.transitions:
            if transition.start_frame <= frame < transition.end_frame:
                ids = (transition.left_clip_id, transition.right_clip_id)
                return tuple(i for i in self.items if i.clip_id in ids)
        return tuple(i for i in self.items if i.start_frame <= frame < i.end_frame)


@dataclass(frozen=True)
class RenderSnapshot:
    rate: Fraction
    duration_frames: int
    tracks: tuple[RenderTrack, ...]
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))  # metadata["seine"]

    def video_tracks(self) -> tuple[RenderTrack, ...]:
        return tuple(t for t in self.tracks if t.kind == "video")

    def audio_tracks(self) -> tuple[RenderTrack, ...]:
        return tuple(t for t in self.tracks if t.kind == "audio")


# ---- building ---------------------------------------------------------------------------------------------

def track_kind(track: otio.schema.Track) -> str:
    return "audio" if track.kind == otio.schema.TrackKind.Audio else "video"


def clip_kind(clip: otio.schema.Clip) -> str:
    return meta.get(clip, "kind") or meta.get(clip, "media_kind") or "video"


def is_offline(clip: otio.schema.Clip) -> bool:
    if generated.is_generative(clip) and clip.active_media_reference_key == generated.GENERATOR_KEY:
        return False
    path = layout.media_path(clip)
    return path is None or not os.path.exists(path)


def build_info(timeline: otio.schema.Timeline, rate: Fraction, memo=None) -> TimelineInfo:
    """``memo``: the document's `memo.ItemMemo`; a clip whose object, place and links are as last time keeps its
    `ClipInfo` (moved along when only its place changed), so a view of a long timeline costs what changed."""
    with meta.reading(memo):
        info = _build_info(timeline, rate, memo)
    if memo is not None:
        memo.prune(lambda: _live_objects(timeline))
    return info


def _live_objects(timeline: otio.schema.Timeline) -> list:
    return [timeline, timeline.tracks, *(o for track in timeline.tracks for o in (track, *track))]


def _build_info(timeline: otio.schema.Timeline, rate: Fraction, memo=None) -> TimelineInfo:
    if memo is None:
        links = _groups_of(timeline.find_clips())
        tracks = tuple(_track_info(track, index, rate, links) for index, track in enumerate(timeline.tracks))
    else:
        readings = [layout.read_track(track, rate)[0] for track in timeline.tracks]
        parts, touched = [], set()
        for track, placed in zip(timeline.tracks, readings):
            part, changed = kept_views.link_part(track, placed, memo)
            parts.append(part)
            touched = None if touched is None or changed is None else touched | changed
        links = kept_views.Links(parts)
        order = tuple(map(id, timeline.tracks))
        held = memo.views.get(("link-groups", id(timeline)))
        before = held[2] if held is not None and held[1] == order else None
        changed_groups = kept_views.changed_groups(before, links, touched)
        memo.views[("link-groups", id(timeline))] = (timeline, order, links)
        tracks = tuple(_track_info(track, index, rate, links, memo, changed_groups, part)
                       for index, (track, part) in enumerate(zip(timeline.tracks, parts)))
    markers = tuple(_marker_info(m, rate, 0, None) for m in timeline.tracks.markers)
    duration = max((t.duration_frames for t in tracks), default=0)
    return TimelineInfo(timeline.name, rate, duration, tracks, markers)


def _groups_of(clips) -> dict[str, list[str]]:
    """Clip ids by link group, in timeline order."""
    groups: dict[str, list[str]] = {}
    for clip in clips:
        group = meta.get(clip, "link")
        if group:
            groups.setdefault(group, []).append(meta.item_id(clip))
    return groups


def _track_info(track: otio.schema.Track, index: int, rate: Fraction, links, memo=None,
                changed_groups: frozenset = frozenset(), part=None) -> TrackInfo:
    placed, transitions = layout.read_track(track, rate)
    track_id = meta.item_id(track) or ""
    if memo is None:
        clips = tuple(_clip_info(p, track_id, placed, rate, links) for p in layout.clips_of(placed))
    else:
        clips = _kept_clip_infos(memo, track, track_id, placed, rate, links, changed_groups, part)
    transition_infos = tuple(_transition_info(t, track_id) for t in transitions)
    duration = placed[-1].end if placed else 0
    info = TrackInfo(track_id, track.name, track_kind(track), index, bool(meta.get(track, "muted", False)),
                     bool(meta.get(track, "hidden", False)), bool(meta.get(track, "locked", False)), duration,
                     clips, transition_infos)
    if memo is None:
        return info
    held = memo.views.get(("track", id(track)))  # the same TrackInfo while nothing in it changed: its look-up too
    if held is not None and held[0] is track and held[2] == info:
        return held[2]
    return memo.keep_view("track", track, None, info)


def _clip_info(placed: layout.Placed, track_id: str, neighbours: list[layout.Placed], rate: Fraction,
               links: dict) -> ClipInfo:
    clip = placed.item
    clip_id = meta.item_id(clip) or ""
    group = meta.get(clip, "link")
    linked = tuple(i for i in links.get(group, []) if i != clip_id) if group else ()
    available = layout.available_frames(clip, rate)
    markers = tuple(_clip_marker(m, clip, placed.start, rate, clip_id)
                    for m in clip.markers) if len(clip.markers) else ()  # iterating OTIO's list costs, even empty
    return ClipInfo(clip_id, clip.name, track_id, placed.start, placed.duration,
                    math.floor(layout.source_offset(clip, rate)),
                    available[1] if available else None, layout.media_path(clip), clip_kind(clip), group, linked,
                    is_offline(clip), _generative_info(clip, neighbours, placed, rate), markers,
                    edits_properties.fit_mode(clip), edits_properties.gain_db(clip),
                    edits_properties.opacity(clip), clip.enabled, layout.speed(clip))


def _clip_marker(marker: otio.schema.Marker, clip: otio.schema.Clip, start: int, rate: Fraction,
                 clip_id: str) -> MarkerInfo:
    """A marker of a clip (kept in its source time) placed on the timeline, speed applied."""
    trimmed = clip.trimmed_range()
    if layout.speed(clip) == 1:
        return _marker_info(marker, rate, start - to_frames(trimmed.start_time, rate), clip_id)
    offset = layout.played(clip, marker.marked_range.start_time, rate) - layout.played(clip, trimmed.start_time, rate)
    info = _marker_info(marker, rate, 0, clip_id)
    return dataclasses.replace(info, frame=start + math.floor(offset))


def _kept_clip_infos(memo, track, track_id: str, placed: list, rate: Fraction, links, changed_groups: frozenset,
                     part) -> tuple[ClipInfo, ...]:
    """The track's ClipInfos, kept from the last view as a list aligned with its items (`kept_views`): rebuilt
    where the edit changed the track, where a link group changed its members, or all of them (each through the
    memo) when a file went missing or came back."""
    build = _remembered_clip_info(memo)
    seen: dict[Optional[str], bool] = {}  # whether each file read is offline

    def one(index: int) -> Optional[ClipInfo]:
        p = placed[index]
        if not isinstance(p.item, otio.schema.Clip):
            return None
        info = build(p, track_id, placed, rate, links)
        seen[info.media_path] = build.offline_of(info.media_path)
        return info

    # (track, (track id, rate), placed, aligned, offline, clips)
    held, change = kept_views.kept(memo, "clips", track, (track_id, rate), placed)
    if held is not None and any(build.offline_of(path) != offline for path, offline in held[4].items()):
        held = None  # a file went missing or came back: every clip through the memo
    if held is None:
        aligned = [one(index) for index in range(len(placed))]
        offline, clips = seen, None
    else:
        aligned = held[3] if change is None else kept_views.spliced(held[3], change, len(placed), one, _moved)
        redo = kept_views.positions(part, [g for g in changed_groups if g in part], placed, change)  # few: not part
        if redo:
            aligned = list(aligned)
            for index in redo:
                aligned[index] = one(index)
        offline = {**held[4], **seen} if seen else held[4]
        clips = held[5] if aligned is held[3] else None
    clips = tuple(filter(None, aligned)) if clips is None else clips
    memo.views[("clips", id(track))] = (track, (track_id, rate), placed, aligned, offline, clips)
    return clips


def _remembered_clip_info(memo):
    """`_clip_info` through ``memo``. A generative clip is always built anew: it reads its neighbours. Whether a
    file is there is asked once per file and view."""
    exists: dict[str, bool] = {}

    def build(placed: layout.Placed, track_id: str, neighbours: list, rate: Fraction, links: dict) -> ClipInfo:
        clip = placed.item
        generative, group, path, _ = memo.facts(clip)
        if generative:
            return _clip_info(placed, track_id, neighbours, rate, links)
        key = (track_id, placed.duration, rate, tuple(links.get(group, ())) if group else (), offline_of(path))
        known = memo.view("clip", clip, key)
        if known is None:
            return memo.keep_view("clip", clip, key, _clip_info(placed, track_id, neighbours, rate, links))
        if known.start_frame == placed.start:
            return known
        return memo.keep_view("clip", clip, key, _moved(known, placed.start - known.start_frame))

    def offline_of(path: Optional[str]) -> bool:
        if path is None:
            return True
        if path not in exists:
            exists[path] = os.path.exists(path)
        return not exists[path]

    build.offline_of = offline_of
    return build


def _moved(info: ClipInfo, frames: int) -> ClipInfo:
    """``info`` of a clip that only changed place, ``frames`` later: its markers go with it."""
    markers = tuple(changed_copy(m, frame=m.frame + frames) for m in info.markers) if info.markers else ()
    return changed_copy(info, start_frame=info.start_frame + frames, markers=markers)


def changed_copy(view, **fields):
    """A copy of a frozen view with ``fields`` changed. Made without running its `__init__` again, which costs
    about ten times as much: a ripple moves every clip after it."""
    copy = object.__new__(type(view))
    values = view.__dict__.copy()  # a copied dict given whole: updating the new object's own costs twice as much
    values.update(fields)
    object.__setattr__(copy, "__dict__", values)
    return copy


def _generative_info(clip, neighbours, placed, rate) -> Optional[GenerativeInfo]:
    if not generated.is_generative(clip):
        return None
    data = meta.seine(clip)
    current = generated.current_fingerprint(clip, neighbours, placed, rate)
    active = clip.active_media_reference_key
    stale = current != data.get("fingerprint") or not generated.latest_take_fits(clip, placed.duration, rate)
    return GenerativeInfo(data["kind"], data.get("params", {}).get("mode"), data.get("status", "pending"), stale,
                          MappingProxyType(dict(data.get("params", {}))),
                          tuple(MappingProxyType(s) for s in data.get("sources", [])), data.get("fingerprint", ""),
                          current, generated.active_take_path(clip),
                          tuple(t["key"] for t in data.get("takes", [])),
                          None if active == generated.GENERATOR_KEY else active, generated.take_has_sound(clip),
                          generated.sound_on(clip))


def _transition_info(placed: layout.PlacedTransition, track_id: str) -> TransitionInfo:
    t = placed.transition
    return TransitionInfo(meta.item_id(t) or "", track_id, t.name, t.transition_type,
                          _id_of(placed.left), _id_of(placed.right), placed.cut, placed.in_offset,
                          placed.out_offset)


def _id_of(placed: Optional[layout.Placed]) -> Optional[str]:
    if placed is None or not isinstance(placed.item, otio.schema.Clip):
        return None
    return meta.item_id(placed.item)


def _marker_info(marker: otio.schema.Marker, rate: Fraction, shift: int, clip_id: Optional[str]) -> MarkerInfo:
    marked = marker.marked_range
    return MarkerInfo(meta.item_id(marker) or "", marker.name, to_frames(marked.start_time, rate) + shift,
                      to_frames(marked.duration, rate), str(marker.color), str(marker.comment), clip_id)


def build_render_snapshot(timeline: otio.schema.Timeline, rate: Fraction, memo=None) -> RenderSnapshot:
    """The one render plan of a timeline: what the viewer, the window's export and the command-line render show.

    Compositions nested in a track are flattened as OTIO defines them: a nested Track plays its items in sequence
    on the track; a nested Stack composites its tracks, so its bottom track joins the track and each track above
    becomes a layer drawn right above it (`RenderTrack.layer`), which is the same picture. Both are cut to their
    source range. Disabled items, and everything in a disabled track, are not shown. ``memo``: as `build_info`'s;
    an item whose object and circumstances are as last time keeps its `RenderItem`."""
    with meta.reading(memo):
        return _build_render_snapshot(timeline, rate, memo)


def _build_render_snapshot(timeline: otio.schema.Timeline, rate: Fraction, memo=None) -> RenderSnapshot:
    if memo is None:
        audio_groups = sound.audio_link_groups(timeline)
    else:  # from the link groups kept per track
        audio_groups = frozenset().union(*(
            kept_views.link_part(track, layout.read_track(track, rate)[0], memo)[0] for track in timeline.tracks
            if isinstance(track, otio.schema.Track) and track.kind == otio.schema.TrackKind.Audio))
    tracks: list[RenderTrack] = []
    duration = 0
    for index, track in enumerate(timeline.tracks):
        if not isinstance(track, otio.schema.Track):
            continue
        read = layout.read_track(track, rate)
        duration = max(duration, read[0][-1].end if read[0] else 0)
        off = not track.enabled
        kind = track_kind(track)
        layers = _Flattener(rate, audio_groups, kind, memo).track(track, 0, 0, _FOREVER, f"t{index}:", read)
        track_id = meta.item_id(track) or f"t{index}"
        for layer, content in sorted(layers.items()):
            tracks.append(RenderTrack(track_id if layer == 0 else f"{track_id}/{layer}", kind,
                                      off or bool(meta.get(track, "muted", False)),
                                      off or bool(meta.get(track, "hidden", False)),
                                      content.items if isinstance(content.items, tuple) else
                                      tuple(sorted(content.items, key=lambda i: i.start_frame)),
                                      tuple(content.transitions), layer))
    return RenderSnapshot(rate, duration, tuple(tracks), MappingProxyType(meta.seine(timeline)))


def changed_frames(old: Optional[RenderSnapshot], new: RenderSnapshot) -> Optional[tuple[tuple[int, int], ...]]:
    """The frame ranges [start, end) whose picture or sound may differ between two snapshots of one document, merged
    and in order, or None for all of them. Items a document kept are the very objects of the old snapshot, so an
    unchanged track costs one comparison."""
    if old is None or old.rate != new.rate or old.metadata != new.metadata:
        return None
    before = {t.id: t for t in old.tracks}
    ranges = []
    for track in new.tracks:
        previous = before.pop(track.id, None)
        if previous is None or (previous.kind, previous.muted, previous.hidden, previous.layer) != (
                track.kind, track.muted, track.hidden, track.layer):
            ranges += [_span_of(item) for item in (*track.items, *(previous.items if previous else ()))]
        elif previous.items is not track.items:  # the items an edit changed lie between those it kept
            head, tail = layout.differing_run(previous.items, track.items)
            ranges += [*_spans_of(previous.items[head:len(previous.items) - tail]),
                       *_spans_of(track.items[head:len(track.items) - tail])]
    ranges += [_span_of(item) for track in before.values() for item in track.items]
    if old.duration_frames != new.duration_frames:
        ranges.append((min(old.duration_frames, new.duration_frames), max(old.duration_frames, new.duration_frames)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)


def _spans_of(items: tuple[RenderItem, ...]) -> list[tuple[int, int]]:
    """Where a run of a track's items shows: each one's span, or for a long run (a ripple moves every item after
    it) the one span from its first item's to its last's, which holds the others (items are in order and a
    dissolve stays within the items it joins); the gaps between them only lose cached frames."""
    if len(items) <= LONG_RUN:
        return [_span_of(item) for item in items]
    return [(_span_of(items[0])[0], _span_of(items[-1])[1])]


LONG_RUN = 16


def _span_of(item: RenderItem) -> tuple[int, int]:
    """Where an item shows, its dissolves included."""
    start = item.transition_in.start_frame if item.transition_in else item.start_frame
    end = item.transition_out.end_frame if item.transition_out else item.end_frame
    return min(start, item.start_frame), max(end, item.end_frame)


_FOREVER = 1 << 62
_OTIO_KINDS = {"video": otio.schema.TrackKind.Video, "audio": otio.schema.TrackKind.Audio}


@dataclass
class _Layer:
    items: list
    transitions: list


class _Flattener:
    """Positions of a track's clips on the timeline, nested compositions included. ``shift`` maps a frame of the
    composition's own time to a timeline frame; [``low``, ``high``) is the part of the timeline it may show."""

    def __init__(self, rate: Fraction, audio_groups: frozenset[str], kind: str, memo=None):
        """``kind``: of the top-level track. Nested tracks of the other kind are not its to play: tools that nest
        (FCPX compound clips) place the compound on a picture track for its pictures and on a sound track for its
        sound."""
        self.rate, self.audio_groups, self.kind, self.memo = rate, audio_groups, kind, memo

    def track(self, track: otio.schema.Track, shift: int, low: int, high: int, prefix: str, read=None) -> dict:
        """``read``: `layout.read_track` of ``track`` when the caller has it already."""
        placed, transitions = read or layout.read_track(track, self.rate)
        uids = _Uids(track, prefix, self.memo)
        joined = [t for t in transitions if t.left is not None and t.right is not None]
        sides = ({id(t.right.item): _transition_stub(t, uids, shift) for t in joined},
                 {id(t.left.item): _transition_stub(t, uids, shift) for t in joined})
        if self.memo is not None and (shift, low, high) == (0, 0, _FOREVER):
            kept = self._kept_track(track, placed, transitions, uids, sides)
            if kept is not None:
                return kept
        layers: dict[int, _Layer] = {}  # by height: 0 is the track's own clips
        own = layers.setdefault(0, _Layer([], []))
        shown = set()
        for p in placed:
            start, end = p.start + shift, p.end + shift
            if not p.item.enabled or end <= low or start >= high or isinstance(p.item, otio.schema.Gap):
                continue
            if isinstance(p.item, otio.schema.Clip):
                own.items.append(self.clip(p, placed, shift, low, high, uids(p.item), sides))
                shown.add(id(p.item))
                continue
            if isinstance(p.item, otio.schema.Track) and track_kind(p.item) != self.kind:
                continue
            inner_shift = start - to_frames(p.item.trimmed_range().start_time, self.rate)
            window = (max(low, start), min(high, end))
            nested = self.track(p.item, inner_shift, *window, f"{uids(p.item)}/") if isinstance(
                p.item, otio.schema.Track) else self.stack(p.item, inner_shift, *window, f"{uids(p.item)}/")
            _merge(layers, nested)
        own.transitions += self._transitions(transitions, uids, shift, low, high, shown)
        return layers

    def _kept_track(self, track, placed: list, transitions: list, uids, sides: tuple) -> Optional[dict]:
        """A top-level track without nested compositions, its items kept from the last snapshot aligned with the
        track's (`kept_views`); None for a track this does not fit."""
        def one(index: int) -> Optional[RenderItem]:
            p = placed[index]
            if isinstance(p.item, otio.core.Composition):
                raise _Nested
            if not isinstance(p.item, otio.schema.Clip) or not p.item.enabled:
                return None
            return self.clip(p, placed, 0, 0, _FOREVER, uids(p.item), sides)

        key = (self.kind, self.rate)
        # (track, key, placed, aligned, audio groups, items)
        held, change = kept_views.kept(self.memo, "render", track, key, placed)
        try:
            if held is None:
                aligned = [one(index) for index in range(len(placed))]
                items = None
            else:
                aligned = held[3] if change is None else kept_views.spliced(held[3], change, len(placed), one,
                                                                            _moved_item)
                flipped = held[4] ^ self.audio_groups  # groups whose sound moved to or from an audio track
                part = kept_views.link_part(track, placed, self.memo)[0] if flipped else {}
                redo = kept_views.positions(part, [g for g in flipped if g in part], placed, change)
                if redo:
                    aligned = list(aligned)
                    for index in redo:
                        aligned[index] = one(index)
                items = held[5] if aligned is held[3] else None
        except _Nested:
            self.memo.views.pop(("render", id(track)), None)
            return None
        items = tuple(filter(None, aligned)) if items is None else items
        self.memo.views[("render", id(track))] = (track, key, placed, aligned, self.audio_groups, items)
        layer = _Layer(items, self._transitions(transitions, uids, 0, 0, _FOREVER, None))
        return {0: layer}

    def _transitions(self, transitions: list, uids, shift: int, low: int, high: int,
                     shown: Optional[set]) -> list[RenderTransition]:
        """The dissolves between two items shown (``shown``: their objects' ids; None: every enabled clip)."""
        def visible(item) -> bool:
            return id(item) in shown if shown is not None else isinstance(item, otio.schema.Clip) and item.enabled

        found = []
        for t in transitions:
            if t.left is None or t.right is None or not (visible(t.left.item) and visible(t.right.item)):
                continue
            first = max(low, t.cut - t.in_offset + shift)
            last = min(high, t.cut + t.out_offset + shift)
            if last > first:
                found.append(RenderTransition(meta.item_id(t.transition) or "", t.transition.transition_type,
                                              uids(t.left.item), uids(t.right.item), first, last, t.cut + shift))
        return found

    def stack(self, stack: otio.schema.Stack, shift: int, low: int, high: int, prefix: str) -> dict:
        layers: dict[int, _Layer] = {}
        for index, child in enumerate(stack):
            if not child.enabled or not isinstance(child, (otio.schema.Track, otio.schema.Stack, otio.schema.Clip)):
                continue
            trimmed = child.trimmed_range()  # each child starts at the stack's start, cut to its own range
            window = (max(low, shift), min(high, shift + to_frames(trimmed.duration, self.rate)))
            inner_shift = shift - to_frames(trimmed.start_time, self.rate)
            if isinstance(child, otio.schema.Track):
                if track_kind(child) != self.kind:  # a compound's sound on a picture track, or the reverse
                    continue
                nested = self.track(child, inner_shift, *window, f"{prefix}{index}:")
            elif isinstance(child, otio.schema.Stack):
                nested = self.stack(child, inner_shift, *window, f"{prefix}{index}:")
            else:  # a clip straight in a stack: a track of its own
                nested = self.track(_alone_in(otio.schema.Track(kind=_OTIO_KINDS[self.kind]), child), shift, *window,
                                    f"{prefix}{index}:")
            _stack_on(layers, nested)
        return layers

    def clip(self, p: layout.Placed, placed, shift: int, low: int, high: int, uid: str, sides: tuple) -> RenderItem:
        """``sides``: the dissolves into and out of each item of the track, by the id of its object."""
        clip = p.item
        start = max(low, p.start + shift)
        lead = start - (p.start + shift)
        duration = min(high, p.end + shift) - start
        transition_in, transition_out = sides[0].get(id(clip)), sides[1].get(id(clip))
        if self.memo is None or generated.is_generative(clip):
            return self._clip(p, placed, start, lead, duration, uid, transition_in, transition_out)
        key = (self.kind, self.rate, lead, duration, uid, _relative(transition_in, start),
               _relative(transition_out, start), self.memo.facts(clip)[1] in self.audio_groups)
        known = self.memo.view("render", clip, key)
        if known is None:
            return self.memo.keep_view("render", clip, key, self._clip(p, placed, start, lead, duration, uid,
                                                                       transition_in, transition_out))
        if known.start_frame == start:
            return known
        return self.memo.keep_view("render", clip, key, changed_copy(  # only moved (a ripple)
            known, start_frame=start, transition_in=transition_in, transition_out=transition_out))

    def _clip(self, p: layout.Placed, placed, start: int, lead: int, duration: int, uid: str,
              transition_in: Optional[RenderTransition], transition_out: Optional[RenderTransition]) -> RenderItem:
        clip = p.item
        info = _generative_info(clip, placed, p, self.rate)
        render_generative = None
        if info is not None:
            render_generative = RenderGenerative(info.kind, info.mode, info.status, info.stale, tuple(
                (s["role"], s.get("media_path"), int(s["frame"])) for s in info.sources))
        reference, path, sequence, generator = _what_plays(clip, info)
        speed = layout.speed(clip)
        first = layout.source_offset(clip, self.rate) + lead if speed == 1 else \
            math.floor(layout.media_offset(clip, lead, self.rate))
        return RenderItem(
            meta.item_id(clip) or "", clip.name, start, duration, path,
            "generated" if info is not None else clip_kind(clip), first,
            sequence.rate if sequence is not None else layout.media_rate(clip, self.rate), self.rate,
            transition_in, transition_out, render_generative, edits_properties.fit_mode(clip),
            edits_properties.gain_db(clip), edits_properties.opacity(clip),
            sound.plays_own_sound(clip, self.kind, self.audio_groups), uid,
            _source_seconds(clip) + speed * lead / self.rate, reference, sequence, generator, speed)


def _moved_item(item: RenderItem, frames: int) -> RenderItem:
    """``item`` of a clip that only changed place, ``frames`` later, with its dissolves."""
    return changed_copy(item, start_frame=item.start_frame + frames,
                    transition_in=_moved_transition(item.transition_in, frames),
                    transition_out=_moved_transition(item.transition_out, frames))


def _moved_transition(transition: Optional[RenderTransition], frames: int) -> Optional[RenderTransition]:
    if transition is None:
        return None
    return changed_copy(transition, start_frame=transition.start_frame + frames,
                        end_frame=transition.end_frame + frames, cut_frame=transition.cut_frame + frames)


def _relative(transition: Optional[RenderTransition], start: int) -> Optional[tuple]:
    """A dissolve as seen from an item starting at ``start``: the same wherever a ripple moves both."""
    if transition is None:
        return None
    return (transition.id, transition.transition_type, transition.left_clip_id, transition.right_clip_id,
            transition.start_frame - start, transition.end_frame - start, transition.cut_frame - start)


def _alone_in(track: otio.schema.Track, clip: otio.schema.Clip) -> otio.schema.Track:
    track.append(clip.clone())
    return track


def _merge(layers: dict, nested: dict) -> None:
    """Nested layers into ``layers`` at the same heights (the composition sits inside this track's time)."""
    for key, layer in nested.items():
        target = layers.setdefault(key, _Layer([], []))
        target.items.extend(layer.items)
        target.transitions.extend(layer.transitions)


def _stack_on(layers: dict, nested: dict) -> None:
    """A stack's next track, drawn over the ones before it: its layers go above theirs."""
    base = 1 + max(layers, default=-1)
    for height, layer in nested.items():
        layers[base + height] = layer


class _Uids:
    """The uid of each item of a track: the item's id, or its place among the track's children for an item without
    one (the places are counted only when such an item is asked for)."""

    def __init__(self, track: otio.schema.Track, prefix: str, memo):
        self._track, self._prefix, self._memo = track, prefix, memo
        self._places: Optional[dict[int, int]] = None

    def __call__(self, item: otio.core.Item) -> str:
        known = self._memo.facts(item)[3] if self._memo is not None and isinstance(item, otio.schema.Clip) \
            else meta.item_id(item)
        if known:
            return known
        if self._places is None:
            self._places = {id(child): index for index, child in enumerate(self._track)}
        return f"{self._prefix}{self._places[id(item)]}"


class _Nested(Exception):
    """A track holds a nested composition: its layers are flattened in full."""


def _transition_stub(t: layout.PlacedTransition, uids: _Uids, shift: int) -> RenderTransition:
    return RenderTransition(meta.item_id(t.transition) or "", t.transition.transition_type, uids(t.left.item),
                            uids(t.right.item), t.cut - t.in_offset + shift, t.cut + t.out_offset + shift,
                            t.cut + shift)


def _what_plays(clip: otio.schema.Clip, generative: Optional[GenerativeInfo]):
    """(reference kind, file, image sequence, generator) of the media the clip shows."""
    reference = clip.media_reference
    if generative is not None:
        return "generated", layout.media_path(clip), None, None
    if isinstance(reference, otio.schema.ImageSequenceReference):
        return "sequence", None, image_sequence(reference), None
    if isinstance(reference, otio.schema.GeneratorReference):
        return "generator", None, None, RenderGenerator(reference.generator_kind or "", reference.name or clip.name,
                                                        MappingProxyType(meta.plain(reference.parameters)))
    path = layout.media_path(clip)
    return ("file", path, None, None) if path else ("missing", None, None, None)


def image_sequence(reference: otio.schema.ImageSequenceReference) -> ImageSequence:
    available = reference.available_range
    count = reference.number_of_images_in_sequence() if available is not None else 0
    return ImageSequence(layout.url_path(reference.target_url_base or ""), reference.name_prefix,
                         reference.name_suffix, reference.start_frame, max(1, reference.frame_step),
                         reference.frame_zero_padding, exact_rate(reference.rate), count)


def _source_seconds(clip: otio.schema.Clip) -> Fraction:
    """Seconds into the media of the clip's first frame: its source start less the media's start."""
    seconds = _seconds(clip.trimmed_range().start_time)
    reference = clip.media_reference
    available = reference.available_range if reference is not None else None
    if available is not None and meta.get(clip, "media_kind") != "image":
        seconds -= _seconds(available.start_time)
    return seconds


def _seconds(time: otio.opentime.RationalTime) -> Fraction:
    return exact_value(time.value) / exact_rate(time.rate)
