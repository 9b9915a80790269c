"""Frozen views of the document.

`TimelineInfo` (and its TrackInfo / ClipInfo / TransitionInfo / GenerativeInfo / MarkerInfo) is what
widgets read: `document.info()`. `RenderSnapshot` is a plain, immutable description the compositor and
exporter use from any thread: `document.render_snapshot()`. Neither holds a live OTIO object.

Units: every `*_frame` / `*_frames` field counts whole frames at the timeline rate, except
`RenderItem.media_frame_at()` which answers a media frame index at the media's own rate.
Tracks are listed bottom to top (OTIO order): a later video track covers an earlier one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Mapping, Optional

import opentimelineio as otio

from seine_editor.timeline import edits_properties, generated, layout, meta, sound
from seine_editor.timeline.time import convert_frames, to_frames


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
    source_start_frame: int  # timeline-rate frames into the media (0 = the media's first frame)
    available_frames: Optional[int]  # media length in timeline frames; None: unlimited (still, missing)
    media_path: Optional[str]
    kind: str  # "video", "audio", "image", or a generative kind
    link_group: Optional[str]
    linked_ids: tuple[str, ...]  # the other clips that move with this one
    offline: bool
    generative: Optional[GenerativeInfo]
    markers: tuple[MarkerInfo, ...]
    fit_mode: str = "fit"  # "fit": whole picture inside the frame; "fill": the frame covered, edges cropped
    gain_db: float = 0.0

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.duration_frames


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


@dataclass(frozen=True)
class TimelineInfo:
    name: str
    rate: Fraction
    duration_frames: int
    tracks: tuple[TrackInfo, ...]
    markers: tuple[MarkerInfo, ...]

    def track(self, track_id: str) -> TrackInfo:
        return next(t for t in self.tracks if t.id == track_id)

    def clip(self, clip_id: str) -> ClipInfo:
        return next(c for t in self.tracks for c in t.clips if c.id == clip_id)

    def clips(self) -> tuple[ClipInfo, ...]:
        return tuple(c for t in self.tracks for c in t.clips)


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
    audio_enabled: bool = True  # the mix hears this clip's media sound (`sound.plays_own_sound`)

    @property
    def end_frame(self) -> int:
        return self.start_frame + self.duration_frames

    def media_frame_at(self, timeline_frame: int) -> int:
        """Media frame index shown at `timeline_frame` (valid inside handles too, for dissolves)."""
        if self.source_rate is None:
            return 0
        offset = self.source_start_frame + timeline_frame - self.start_frame
        return convert_frames(offset, self.timeline_rate, self.source_rate)


@dataclass(frozen=True)
class RenderTrack:
    id: str
    kind: str
    muted: bool
    hidden: bool
    items: tuple[RenderItem, ...]  # clips only, ordered by start_frame; gaps are simply absent
    transitions: tuple[RenderTransition, ...]

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


def build_info(timeline: otio.schema.Timeline, rate: Fraction) -> TimelineInfo:
    links = _link_groups(timeline)
    tracks = tuple(_track_info(track, index, rate, links) for index, track in enumerate(timeline.tracks))
    markers = tuple(_marker_info(m, rate, 0, None) for m in timeline.tracks.markers)
    duration = max((t.duration_frames for t in tracks), default=0)
    return TimelineInfo(timeline.name, rate, duration, tracks, markers)


def _link_groups(timeline: otio.schema.Timeline) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for clip in timeline.find_clips():
        group = meta.get(clip, "link")
        if group:
            groups.setdefault(group, []).append(meta.item_id(clip))
    return groups


def _track_info(track: otio.schema.Track, index: int, rate: Fraction, links: dict) -> TrackInfo:
    placed, transitions = layout.read_track(track, rate)
    track_id = meta.item_id(track) or ""
    clips = tuple(_clip_info(p, track_id, placed, rate, links) for p in layout.clips_of(placed))
    transition_infos = tuple(_transition_info(t, track_id) for t in transitions)
    duration = placed[-1].end if placed else 0
    return TrackInfo(track_id, track.name, track_kind(track), index, bool(meta.get(track, "muted", False)),
                     bool(meta.get(track, "hidden", False)), bool(meta.get(track, "locked", False)), duration,
                     clips, transition_infos)


def _clip_info(placed: layout.Placed, track_id: str, neighbours: list[layout.Placed], rate: Fraction,
               links: dict) -> ClipInfo:
    clip = placed.item
    clip_id = meta.item_id(clip) or ""
    group = meta.get(clip, "link")
    linked = tuple(i for i in links.get(group, []) if i != clip_id) if group else ()
    available = layout.available_frames(clip, rate)
    markers = tuple(_marker_info(m, rate, placed.start - to_frames(clip.trimmed_range().start_time, rate), clip_id)
                    for m in clip.markers)
    return ClipInfo(clip_id, clip.name, track_id, placed.start, placed.duration, layout.source_offset(clip, rate),
                    available[1] if available else None, layout.media_path(clip), clip_kind(clip), group, linked,
                    is_offline(clip), _generative_info(clip, neighbours, placed, rate), markers,
                    edits_properties.fit_mode(clip), edits_properties.gain_db(clip))


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


def build_render_snapshot(timeline: otio.schema.Timeline, rate: Fraction) -> RenderSnapshot:
    audio_groups = sound.audio_link_groups(timeline)
    tracks = tuple(_render_track(track, rate, audio_groups) for track in timeline.tracks)
    duration = max((i.end_frame for t in tracks for i in t.items), default=0)
    return RenderSnapshot(rate, duration, tracks)


def _render_track(track: otio.schema.Track, rate: Fraction, audio_groups: frozenset[str]) -> RenderTrack:
    placed, transitions = layout.read_track(track, rate)
    render_transitions = tuple(
        RenderTransition(meta.item_id(t.transition) or "", t.transition.transition_type, _id_of(t.left),
                         _id_of(t.right), t.cut - t.in_offset, t.cut + t.out_offset, t.cut) for t in transitions)
    kind = track_kind(track)
    items = tuple(_render_item(p, placed, rate, render_transitions, sound.plays_own_sound(p.item, kind, audio_groups))
                  for p in layout.clips_of(placed))
    return RenderTrack(meta.item_id(track) or "", kind, bool(meta.get(track, "muted", False)),
                       bool(meta.get(track, "hidden", False)), items, render_transitions)


def _render_item(placed: layout.Placed, neighbours, rate: Fraction, transitions, audio_enabled: bool) -> RenderItem:
    clip = placed.item
    clip_id = meta.item_id(clip) or ""
    transition_in = next((t for t in transitions if t.right_clip_id == clip_id), None)
    transition_out = next((t for t in transitions if t.left_clip_id == clip_id), None)
    info = _generative_info(clip, neighbours, placed, rate)
    render_generative = None
    if info is not None:
        render_generative = RenderGenerative(info.kind, info.mode, info.status, info.stale, tuple(
            (s["role"], s.get("media_path"), int(s["frame"])) for s in info.sources))
    kind = "generated" if info is not None else clip_kind(clip)
    return RenderItem(clip_id, clip.name, placed.start, placed.duration, layout.media_path(clip), kind,
                      layout.source_offset(clip, rate), layout.media_rate(clip, rate), rate, transition_in,
                      transition_out, render_generative, edits_properties.fit_mode(clip),
                      edits_properties.gain_db(clip), audio_enabled)
