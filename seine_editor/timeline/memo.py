"""What a document has read from each OTIO object of its timeline, kept for as long as the object lives unchanged.

Reading OTIO from Python is slow: a metadata key costs about 1 µs when present and 20 µs when absent, a clip's
trimmed range a few µs more in `Fraction` arithmetic. A view of a long timeline reads every item, and an edit changes
a handful of them. The document never changes an object in place once it is in the timeline: an edit works on
private clones and swaps them in (`track_edit`), so what was read from a live object stays true. The one exception
(`TimelineDocument.rebase_media`, which rewrites paths in place) clears the memo.

Entries are keyed by ``id(obj)`` and hold the object, so an id is never reused while its entry exists. `prune` drops
the objects that left the timeline (and its undo history no longer needs them read).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Iterable, Optional

from seine_editor.timeline import generated, layout, meta


@dataclass
class ItemMemo:
    namespaces: dict[int, tuple[Any, dict]] = field(default_factory=dict)  # plain copies of metadata["seine"]
    spans: dict[int, tuple[Any, Fraction, int, int]] = field(default_factory=dict)  # (obj, rate, duration, start)
    views: dict[tuple, tuple[Any, Any, Any]] = field(default_factory=dict)  # (kind, id): (obj, key, view)
    reads: dict[int, tuple] = field(default_factory=dict)  # a track's last `layout.read_track`, with its children
    children: dict[int, tuple[Any, list]] = field(default_factory=dict)  # a track's children, kept in step by `splice`
    available: dict[int, tuple] = field(default_factory=dict)  # (obj, rate, `layout.available_frames`)
    _pruned_size: int = 0

    def clear(self) -> None:
        self.namespaces.clear()
        self.spans.clear()
        self.views.clear()
        self.reads.clear()
        self.children.clear()
        self.available.clear()

    def facts(self, clip) -> tuple[bool, Optional[str], Optional[str], Optional[str]]:
        """(generative, link group, media path, id) of a clip, read once per object."""
        held = self.views.get(("facts", id(clip)))
        if held is not None:
            return held[2]
        return self.keep_view("facts", clip, None, (generated.is_generative(clip), meta.get(clip, "link"),
                                                    layout.media_path(clip), meta.item_id(clip)))

    def children_of(self, track) -> list:
        """The track's children as a list, read once (listing an OTIO track costs about 0.3 µs a child) and then
        kept in step with the document's changes by `splice`; the same list object while the track is unchanged."""
        held = self.children.get(id(track))
        if held is None or held[0] is not track:
            held = self.children[id(track)] = (track, list(track))
        return held[1]

    def splice(self, track, start: int, take: int, put) -> None:
        """The document took ``take`` children of ``track`` at ``start`` and put ``put`` there."""
        held = self.children.get(id(track))
        if held is not None and held[0] is track:
            before = held[1]
            self.children[id(track)] = (track, [*before[:start], *put, *before[start + take:]])

    def view(self, kind: str, obj: Any, key: Any) -> Any:
        """The view of ``kind`` (a `ClipInfo`, a `RenderItem`) built for ``obj`` in the circumstances ``key``, or
        None."""
        held = self.views.get((kind, id(obj)))
        return held[2] if held is not None and held[1] == key else None

    def keep_view(self, kind: str, obj: Any, key: Any, view: Any) -> Any:
        self.views[(kind, id(obj))] = (obj, key, view)
        return view

    def prune(self, live: Callable[[], Iterable[Any]], slack: int = 4096) -> None:
        """Forget objects outside ``live()`` once the memo holds ``slack`` entries more than at the last prune."""
        if len(self.namespaces) + len(self.spans) <= self._pruned_size + slack:
            return
        live_ids = {id(obj) for obj in live()}
        self.namespaces = {k: v for k, v in self.namespaces.items() if k in live_ids}
        self.spans = {k: v for k, v in self.spans.items() if k in live_ids}
        self.views = {k: v for k, v in self.views.items() if k[1] in live_ids}
        self.reads = {k: v for k, v in self.reads.items() if k in live_ids}
        self.children = {k: v for k, v in self.children.items() if k in live_ids}
        self.available = {k: v for k, v in self.available.items() if k in live_ids}
        self._pruned_size = len(self.namespaces) + len(self.spans)
