"""(render snapshot, timeline frame) -> RGB frame at the project size. Shared by the viewer and export.

Tracks stack bottom to top; the topmost enabled item wins, and whatever it does not cover (letterbox bars,
transparent pixels of an alpha source) shows the tracks below, over black. Dissolves mix both sides using
the clips' handles, each side first composited over the tracks below, so bars and transparency in a
dissolve show what is under them rather than black. Ungenerated generative items show a placeholder; missing media shows a slate.

Pictures are uint8, or uint16 for a ``deep`` compositor (exports of more than 8 bits): sources are then read at 16
bits, so a 10-bit source (and its colour conversion) keeps its precision into a 10-bit file; what the compositor
draws itself (slates, placeholders) is made at 8 bits and widened.
"""
from __future__ import annotations

import bisect
import math
import operator
from collections import OrderedDict
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Optional, Union

import numpy as np

from seine_editor.errors import MediaError
from seine_editor.render import generators
from seine_editor.render.placement import fit_rect, place
from seine_editor.render.plan import PlanItem, RenderPlan, TrackPlan, plan_of
from seine_editor.render.slate import blend, crossfade_frame, offline_slate
from seine_editor.render.sources import SourceFactory, SourcePool, original_factory, proxy_factory

_INDEX_TOLERANCE = Fraction(1, 1000)  # of a frame: absorbs container rounding, never skips a frame


@dataclass(frozen=True)
class PlaceholderRequest:
    """What a placeholder provider gets: the item and its boundary frames at the project size."""

    kind: str
    num_frames: int
    size: tuple[int, int]  # (width, height)
    first: Optional[np.ndarray]  # last frame before the item (transition, extend) or the still (animate)
    last: Optional[np.ndarray]  # first frame after the item (transition)
    metadata: dict


PlaceholderProvider = Callable[[PlaceholderRequest], np.ndarray]  # -> T×H×W×3 uint8


@dataclass
class _Layer:
    rgb: np.ndarray  # the picture, box-sized
    box: tuple[int, int, int, int]  # (x, y, width, height) it covers in the project frame
    alpha: Optional[np.ndarray] = None  # box-sized H×W×1 float32 in [0, 1]; None: opaque


@dataclass
class _Mix:
    """A dissolve on one track: both sides, each composited over the tracks below, then mixed."""

    outgoing: _Layer
    incoming: _Layer
    weight: float  # share of the incoming side


_Part = Union[_Layer, _Mix]


class Compositor:
    def __init__(self, snapshot, *, size: tuple[int, int], placeholder: Optional[PlaceholderProvider] = None,
                 use_proxies: bool = False, cache_dir=None, source_factory: Optional[SourceFactory] = None,
                 max_open: int = 6, frame_cache=None, deep: bool = False):
        """``frame_cache``: where decoded frames are kept (a `media.reader.FrameCache`); None shares the
        process-wide one (`sources.shared_frame_cache`). ``max_open``: readers kept open at once. ``deep``:
        uint16 pictures instead of uint8."""
        self.plan: RenderPlan = plan_of(snapshot)
        width, height = size
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise ValueError(f"project size must be positive and even, got {width}x{height}")
        self.size = (int(width), int(height))
        self.rate = self.plan.rate
        self.deep = deep
        self.dtype = np.uint16 if deep else np.uint8
        self._placeholder = placeholder
        if source_factory is None:
            source_factory = proxy_factory(cache_dir, frame_cache) if use_proxies and cache_dir is not None \
                else original_factory(frame_cache)
        self._sources = SourcePool(source_factory, max_open)
        self._stills: OrderedDict[tuple, _Layer] = OrderedDict()
        self._generated: OrderedDict[str, np.ndarray] = OrderedDict()
        self._adopt(self.plan)

    def show(self, snapshot) -> None:
        """Composite another state of the timeline from now on. Open readers and stills stay (a viewer after an
        edit reads the same files); placeholder previews go, as they depend on their neighbours."""
        plan = plan_of(snapshot, previous=self.plan)
        if plan.rate != self.rate:
            raise ValueError(f"a compositor at {self.rate} fps cannot show a timeline at {plan.rate} fps")
        self._generated.clear()
        self._adopt(plan)

    def _adopt(self, plan: RenderPlan) -> None:
        before = getattr(self, "_starts", {})  # a track plan kept from the last state keeps its index
        self.plan = plan
        self._starts = {id(t): before[id(t)] if id(t) in before and before[id(t)][0] is t else (
            t, list(map(operator.attrgetter("start_frame"), t.items))) for t in plan.video}

    @property
    def duration_frames(self) -> int:
        return self.plan.duration_frames

    @property
    def offline(self) -> dict[str, str]:
        """Files found missing or unreadable so far: path -> reason."""
        return dict(self._sources.offline)

    @property
    def open_media(self) -> list[str]:
        """Files with a reader open now, least recently used first."""
        return self._sources.open_paths

    def close(self) -> None:
        self._sources.close()
        self._stills.clear()
        self._generated.clear()

    def __enter__(self) -> "Compositor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def frame(self, n: int) -> np.ndarray:
        """The picture at timeline frame ``n`` (0 <= n < duration_frames), H×W×3 (uint8, or uint16 if deep)."""
        if not 0 <= n < max(1, self.duration_frames):
            raise IndexError(f"frame {n} is outside the timeline (0 to {self.duration_frames - 1})")
        self._sources.next_frame(n)
        parts: list[_Part] = []
        for track in reversed(self.plan.video):  # top first: stop at the first part that covers all
            if not track.visible:
                continue
            part = self._track_part(track, n)
            if part is None:
                continue
            parts.append(part)
            if self._covers(part):
                break
        canvas, owned = None, False
        for part in reversed(parts):
            canvas, owned = self._paint(canvas, owned, part)
        return self._blank() if canvas is None else canvas

    def decoded_frame(self, n: int):
        """The source picture as libav decoded it (an `av.VideoFrame`) when timeline frame ``n`` is exactly one
        source frame at the project size (a plain cut: no dissolve, nothing above it, nothing to scale, turn
        or make transparent), so export can encode it without a round trip through RGB; None otherwise."""
        if not 0 <= n < self.duration_frames:
            return None
        self._sources.next_frame(n)
        top = next((t for t in reversed(self.plan.video) if t.visible and self._occupied(t, n)), None)
        item = None if top is None or any(d.start_frame <= n < d.end_frame for d in top.dissolves) \
            else self._item_at(top, n)
        if item is None or item.path is None or (item.generative is not None and not item.baked) \
                or item.opacity < 1:
            return None
        reader = self._sources.get(item.source)
        info = getattr(reader, "info", None)
        if info is None or info.kind != "video" or (info.width, info.height) != self.size or info.rotation \
                or info.sample_aspect != 1 or info.has_alpha or not hasattr(reader, "decoded_frame"):
            return None
        try:
            return reader.decoded_frame(self._source_frame(reader, item, n))
        except MediaError:  # damaged data at this frame: the picture path says so (a slate, and the file offline)
            return None

    def _occupied(self, track: TrackPlan, n: int) -> bool:
        return self._item_at(track, n) is not None or any(d.start_frame <= n < d.end_frame for d in track.dissolves)

    def item_frame(self, uid: str, n: int) -> np.ndarray:
        """Timeline frame ``n`` of just the item ``uid`` (its clip id), over black (for baking a generative item
        into its own file)."""
        found = next(((t, i) for t in self.plan.video for i in t.items if i.uid == uid), None)
        if found is None:
            raise LookupError(f"no video item has the id {uid!r}")
        return self._flatten(self._item_layer(*found, n))

    # --------------------------------------------------------------------------------------- per track

    def _track_part(self, track: TrackPlan, n: int) -> Optional["_Part"]:
        for dissolve in track.dissolves:
            if dissolve.start_frame <= n < dissolve.end_frame:
                return self._mix(track, dissolve, n)
        item = self._item_at(track, n)
        return None if item is None else self._item_layer(track, item, n)

    def _mix(self, track: TrackPlan, dissolve, n: int) -> Optional["_Part"]:
        outgoing, incoming = (self._item_layer(track, side, n) for side in (dissolve.outgoing, dissolve.incoming))
        if outgoing is None or incoming is None:  # transparent video on one side: nothing to mix with
            return outgoing or incoming
        return _Mix(outgoing, incoming, dissolve.weight(n))

    def _item_at(self, track: TrackPlan, n: int) -> Optional[PlanItem]:
        position = bisect.bisect_right(self._starts[id(track)][1], n) - 1
        if position >= 0 and n < track.items[position].end_frame:
            return track.items[position]
        return None

    def _item_layer(self, track: TrackPlan, item: PlanItem, n: int) -> Optional[_Layer]:
        """The item's picture at frame ``n``, as opaque as the item is; None when it draws nothing."""
        layer = self._item_picture(track, item, n)
        if layer is None or item.opacity >= 1:
            return layer
        x, y, width, height = layer.box
        alpha = np.full((height, width, 1), item.opacity, np.float32) if layer.alpha is None \
            else layer.alpha * np.float32(item.opacity)
        return _Layer(layer.rgb, layer.box, alpha)

    def _item_picture(self, track: TrackPlan, item: PlanItem, n: int) -> Optional[_Layer]:
        """The item's picture at frame ``n``; None when it draws nothing (transparent video)."""
        if item.generative is not None and not item.baked:
            return self._full(self._placeholder_frame(track, item, n - item.start_frame))
        if item.generator is not None:
            return self._generator_layer(item)
        source = item.source
        reader = self._sources.get(source) if source is not None else None
        if reader is None:
            return self._full(offline_slate(self.size, item.label))
        if reader.info.kind == "image":
            return self._still_layer(item, reader)
        try:
            return self._placed(reader, self._source_frame(reader, item, n), item.fit_mode)
        except MediaError as error:  # a frame that does not decode: damaged data, a sequence's missing frame file
            self._sources.offline[str(error.path)] = error.reason
            return self._full(offline_slate(self.size, str(error.path)))

    def _generator_layer(self, item: PlanItem) -> Optional[_Layer]:
        key = ("generator", item.generator.kind, item.generator.name, tuple(sorted(
            (k, repr(v)) for k, v in item.generator.parameters.items())))
        layer = self._stills.get(key)
        if layer is None:
            reason = generators.unsupported_reason(item.generator)
            if reason is not None:
                self._sources.offline[item.label] = reason
                return self._full(offline_slate(self.size, item.label))
            picture = generators.picture(item.generator, self.size)
            if picture is None:
                return None
            layer = self._full(picture)
            self._stills[key] = layer
        return layer

    def _source_frame(self, reader, item: PlanItem, n: int) -> int:
        """Index of the source frame ``item`` shows at timeline frame ``n``."""
        info, seconds = reader.info, item.source_seconds(n, self.rate)
        if info.variable_frame_rate or not info.fps:
            return reader.index_at_time(float(min(max(Fraction(0), seconds), Fraction(info.duration_s))))
        return _source_index(seconds, info.fps, info.frame_count)

    def _still_layer(self, item: PlanItem, reader) -> _Layer:
        key = (item.path, item.fit_mode)
        layer = self._stills.get(key)
        if layer is None:
            layer = self._placed(reader, 0, item.fit_mode)
            self._stills[key] = layer
            while len(self._stills) > 8:
                self._stills.popitem(last=False)
        return layer

    def _placed(self, reader, index: int, mode: str) -> _Layer:
        """Source frame ``index`` scaled by libav straight to its place (one scaling pass)."""
        info = reader.info
        placement = fit_rect(info.width, info.height, *self.size, mode)
        if mode == "fit":
            picture = reader.frame(index, size=placement.dst_box[2:], deep=self.deep)
        else:
            scale = Fraction(self.size[0], placement.src_box[2])
            scaled_w = max(self.size[0], round(info.width * scale))
            scaled_h = max(self.size[1], round(info.height * scale))
            full = reader.frame(index, size=(scaled_w, scaled_h), deep=self.deep)
            x0, y0 = (scaled_w - self.size[0]) // 2, (scaled_h - self.size[1]) // 2
            picture = full[y0:y0 + self.size[1], x0:x0 + self.size[0]]
        if picture.shape[2] == 4:  # straight alpha
            alpha = picture[..., 3:4].astype(np.float32) / float(np.iinfo(picture.dtype).max)
            return _Layer(np.ascontiguousarray(picture[..., :3]), placement.dst_box, alpha)
        return _Layer(picture, placement.dst_box)

    def _full(self, rgb: np.ndarray) -> _Layer:
        return _Layer(self._widened(rgb), (0, 0, *self.size))

    def _widened(self, picture: np.ndarray) -> np.ndarray:
        """An 8-bit picture the compositor drew, at its depth (uint8 * 257 spans 0..65535 exactly)."""
        return picture.astype(np.uint16) * 257 if self.deep and picture.dtype == np.uint8 else picture

    def _blank(self) -> np.ndarray:
        return np.zeros((self.size[1], self.size[0], 3), self.dtype)

    def _covers(self, part: "_Part") -> bool:
        """Whether ``part`` hides everything below it."""
        if isinstance(part, _Mix):
            return self._covers(part.outgoing) and self._covers(part.incoming)
        return part.alpha is None and part.box == (0, 0, *self.size)

    def _paint(self, below: Optional[np.ndarray], owned: bool, part: "_Part") -> tuple[np.ndarray, bool]:
        """``part`` over ``below`` (None: black). Returns the picture and whether this compositor made it, so
        decoded frames held by readers and caches are never written into."""
        if isinstance(part, _Mix):  # each side over what is below (its bars and alpha show it), then mixed
            outgoing, _ = self._paint(below, False, part.outgoing)  # copies below before drawing on it
            incoming, _ = self._paint(below, owned, part.incoming)
            return blend(outgoing, incoming, part.weight), True
        if self._covers(part):
            return part.rgb, False
        if below is None or not owned:
            below = self._blank() if below is None else below.copy()
        _composite(below, part)
        return below, True

    def _flatten(self, layer: Optional[_Layer]) -> np.ndarray:
        """The layer over black, as a full frame (black for a layer that draws nothing)."""
        return self._blank() if layer is None else self._paint(None, True, layer)[0]

    # --------------------------------------------------------------------------------------- placeholders

    def _placeholder_frame(self, track: TrackPlan, item: PlanItem, local: int) -> np.ndarray:
        frames = self._generated.get(item.uid)
        if frames is None and self._placeholder is not None:
            frames = self._provider_frames(track, item)
            self._generated[item.uid] = frames
            while len(self._generated) > 2:  # each is a whole clip at project size
                self._generated.popitem(last=False)
        if frames is not None:
            return frames[min(local, len(frames) - 1)]
        first, last = self._boundary_frames(track, item)
        return crossfade_frame(first, last, local, item.duration_frames, self.size)

    def _provider_frames(self, track: TrackPlan, item: PlanItem) -> np.ndarray:
        first, last = (None if f is None else _narrowed(f) for f in self._boundary_frames(track, item))
        request = PlaceholderRequest(str(item.generative.get("kind", "")), item.duration_frames, self.size,
                                     first, last, dict(item.generative))
        frames = np.asarray(self._placeholder(request))
        if frames.ndim != 4 or frames.shape[0] == 0:
            raise ValueError(f"placeholder provider returned shape {frames.shape}, expected T×H×W×3")
        if frames.shape[1:3] != (self.size[1], self.size[0]):
            frames = np.stack([place(f, self.size)[0] for f in frames])
        return frames

    def _boundary_frames(self, track: TrackPlan, item: PlanItem):
        """The neighbours' frames at the cut: the last shown before the item, the first shown after it."""
        before = next((i for i in track.items if i.end_frame == item.start_frame), None)
        after = next((i for i in track.items if i.start_frame == item.end_frame), None)
        first = last = None
        if before is not None and not (before.generative and not before.baked):
            first = self._flatten(self._item_layer(track, before, item.start_frame - 1))
        if after is not None and not (after.generative and not after.baked):
            last = self._flatten(self._item_layer(track, after, item.end_frame))
        if first is None and item.generative.get("kind") == "seine.animate":
            first = self._animate_still(item)
        return first, last

    def _animate_still(self, item: PlanItem) -> Optional[np.ndarray]:
        still = next((s for s in item.generative.get("sources", []) if s.get("role") == "still"), None)
        reader = self._sources.get(still["media_path"]) if still and still.get("media_path") else None
        if reader is None:
            return None
        return place(reader.frame(int(still.get("frame", 0)), deep=self.deep), self.size)[0]


def _source_index(seconds: Fraction, fps: Fraction, frame_count: int) -> int:
    """Frame of a constant-rate source showing at ``seconds``: exact, clamped to the frames that exist."""
    index = math.floor(seconds * Fraction(fps) + _INDEX_TOLERANCE)
    return min(max(0, index), max(0, frame_count - 1))


def _narrowed(picture: np.ndarray) -> np.ndarray:
    """A picture as uint8 (placeholder providers take 8-bit frames), rounded."""
    if picture.dtype == np.uint8:
        return picture
    return ((picture.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def _composite(canvas: np.ndarray, layer: _Layer) -> None:
    x, y, w, h = layer.box
    if layer.alpha is None:
        canvas[y:y + h, x:x + w] = layer.rgb
        return
    under = canvas[y:y + h, x:x + w].astype(np.float32)
    mixed = under + (layer.rgb.astype(np.float32) - under) * layer.alpha
    canvas[y:y + h, x:x + w] = np.clip(mixed + 0.5, 0, np.iinfo(canvas.dtype).max).astype(canvas.dtype)
