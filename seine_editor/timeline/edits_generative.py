"""Generative edits of `TimelineDocument` (ARCHITECTURE §4; metadata in `generated.py`).

A transition in "bridge" mode is inserted at the cut (the timeline grows by its length); in "overlap"
mode it replaces the last `n // 2` frames of the left clip and the first `n - n // 2` of the right one
(length unchanged). An extension is inserted after a clip's tail; an animation replaces a still clip.
"""
from __future__ import annotations

from seine_editor.errors import PlacementError
from seine_editor.timeline import generated, layout, meta, rules
from seine_editor.timeline.changes import Edit
from seine_editor.timeline.declared import clip_name, example_media, undoable
from seine_editor.timeline.edits_clips import place, relink_pieces


def _transition(doc, ids: dict) -> str:
    """A pending bridge transition after clip A, for the examples of edits on generative items."""
    return doc.add_generative_transition(ids["A"], 16).ids[0]


def _attached(doc, ids: dict) -> str:
    item = _transition(doc, ids)
    doc.attach_generated_media(item, "/media/take1.mp4")
    return item


class GenerativeEditsMixin:
    @undoable(lambda doc, left_clip_id, mode="bridge", **_: f"Add {mode} transition after "
                                                             f"'{clip_name(doc, left_clip_id)}'",
              example=lambda doc, ids: {"left_clip_id": ids["A"], "duration_frames": 16, "mode": "bridge",
                                        "params": {"prompt": "dusk"}}, one_id=True)
    def add_generative_transition(self, left_clip_id: str, duration_frames: int, mode: str = "bridge",
                                  params: dict | None = None) -> Edit:
        """A SEINE transition placeholder at the cut after `left_clip_id`. Edit.ids = (item,)."""
        rules.check_frame(duration_frames, "transition length", minimum=1)
        params = generated.normalize_params(generated.TRANSITION, {**(params or {}), "mode": mode})
        track_id = meta.item_id(self._track_of(left_clip_id))
        left, right = self._meeting_clips(track_id, left_clip_id)
        head = duration_frames // 2 if mode == "overlap" else 0
        tail = duration_frames - head if mode == "overlap" else 0
        for clip, taken in ((left, head), (right, tail)):
            if taken and clip.duration_frames - taken < 1:
                raise PlacementError(f"clip '{clip.name}' has {clip.duration_frames} frames; an overlap "
                                     f"transition of {duration_frames} would take {taken} of them")
        sources = [self._boundary("left", left.id, left.duration_frames - head - 1),
                   self._boundary("right", right.id, tail)]
        item = generated.make_placeholder(generated.TRANSITION, duration_frames, self.rate, params, sources)
        cut = left.end_frame
        sync = self._sync_frames([track_id], cut) if mode == "bridge" else {}

        def fn(edits):
            edit = edits[track_id]
            if mode == "bridge":
                place(edit, cut, duration_frames, 0, item, "insert")
                for tid, frame in sync.items():
                    edits[tid].ripple(frame, duration_frames)
            else:
                a, b = edit.slot(left.id), edit.slot(right.id)
                edit.set(a, duration=a.duration - head)
                edit.set(b, start=b.start + tail, duration=b.duration - tail, source_start=b.source_start + tail)
                edit.add(cut - head, duration_frames, 0, item)
            return (meta.item_id(item),)

        return self._apply("add_generative_transition", [track_id, *sync], fn)

    @undoable(lambda doc, clip_id, duration_frames, **_: f"Extend '{clip_name(doc, clip_id)}' by {duration_frames} "
                                                         f"frames",
              example=lambda doc, ids: {"clip_id": ids["B"], "duration_frames": 16, "params": {"seed": 3}}, one_id=True)
    def add_extension(self, clip_id: str, duration_frames: int, params: dict | None = None) -> Edit:
        """A SEINE extension placeholder inserted right after the clip's tail. Edit.ids = (item,)."""
        rules.check_frame(duration_frames, "extension length", minimum=1)
        params = generated.normalize_params(generated.EXTEND, params)
        track_id = meta.item_id(self._track_of(clip_id))
        clip = self.info().clip(clip_id)
        sources = [self._boundary("left", clip_id, clip.duration_frames - 1)]
        item = generated.make_placeholder(generated.EXTEND, duration_frames, self.rate, params, sources)
        sync = self._sync_frames([track_id], clip.end_frame)

        def fn(edits):
            place(edits[track_id], clip.end_frame, duration_frames, 0, item, "insert")
            for tid, frame in sync.items():
                edits[tid].ripple(frame, duration_frames)
            return (meta.item_id(item),)

        return self._apply("add_extension", [track_id, *sync], fn)

    @undoable(lambda doc, clip_id, **_: f"Animate '{clip_name(doc, clip_id)}'",
              example=lambda doc, ids: {"clip_id": doc.insert_clip(example_media("S.png", kind="image"), ids["V1"],
                                                                   48, duration_frames=24).ids[0]}, one_id=True)
    def animate_still(self, clip_id: str, params: dict | None = None) -> Edit:
        """Replace a still-image clip by a SEINE animation placeholder of the same length."""
        params = generated.normalize_params(generated.ANIMATE, params)
        track_id = meta.item_id(self._track_of(clip_id))
        clip = self.info().clip(clip_id)
        if clip.kind != "image":
            raise PlacementError(f"clip '{clip.name}' is {clip.kind}; only a still image can be animated")
        sources = [generated.source("still", clip_id, clip.media_path, 0)]
        item = generated.make_placeholder(generated.ANIMATE, clip.duration_frames, self.rate, params, sources)

        def fn(edits):
            edit = edits[track_id]
            slot = edit.slot(clip_id)
            edit.remove(slot)
            edit.add(slot.start, slot.duration, 0, item)
            return (meta.item_id(item),)

        return self._apply("animate_still", [track_id], fn)

    @undoable(lambda doc, clip_id, at_frame, **_: f"Animate frame {at_frame} of '{clip_name(doc, clip_id)}'",
              example=lambda doc, ids: {"clip_id": ids["B"], "at_frame": 30, "duration_frames": 12,
                                        "params": {"prompt": "wind"}}, one_id=True)
    def animate_frame(self, clip_id: str, at_frame: int, duration_frames: int, params: dict | None = None) -> Edit:
        """An animation of the video frame shown at timeline `at_frame` in `clip_id`, inserted right there: the
        clip (and its linked clips) split at that frame, and what follows moves `duration_frames` later.
        Edit.ids = (item,)."""
        rules.check_frame(duration_frames, "animation length", minimum=1)
        params = generated.normalize_params(generated.ANIMATE, params)
        clip = self.info().clip(clip_id)
        if clip.kind != "video" or clip.generative is not None:
            raise PlacementError(f"clip '{clip.name}' is {clip.kind}; a frame can be animated from a video clip "
                                 f"(a still image is animated whole)")
        if not clip.start_frame <= at_frame < clip.end_frame:
            raise PlacementError(f"frame {at_frame} is outside clip '{clip.name}' (frames {clip.start_frame}.."
                                 f"{clip.end_frame - 1}); choose a frame the clip shows")
        sources = [self._boundary("still", clip_id, at_frame - clip.start_frame)]
        item = generated.make_placeholder(generated.ANIMATE, duration_frames, self.rate, params, sources)
        info = self.info()
        spanning = [(tid, cid) for tid, cid in self._link_group(clip_id)
                    if cid != clip_id and info.clip(cid).start_frame < at_frame < info.clip(cid).end_frame]
        track_id = clip.track_id
        sync = self._sync_frames([track_id, *(tid for tid, _ in spanning)], at_frame)

        def fn(edits):
            pieces = place(edits[track_id], at_frame, duration_frames, 0, item, "insert")[1]
            for tid, cid in spanning:  # linked sound splits and moves with the picture
                pieces.append(edits[tid].split(edits[tid].slot(cid), at_frame))
                edits[tid].ripple(at_frame, duration_frames)
            for tid, frame in sync.items():
                edits[tid].ripple(frame, duration_frames)
            relink_pieces(pieces)
            return (meta.item_id(item),)

        return self._apply("animate_frame", [track_id, *(tid for tid, _ in spanning), *sync], fn)

    # ---- results ---------------------------------------------------------------------------------------

    @undoable(lambda doc, item_id, **_: f"Attach generated frames to '{clip_name(doc, item_id)}'",
              example=lambda doc, ids: {"item_id": _transition(doc, ids), "path": "/media/take1.mp4"}, one_id=True)
    def attach_generated_media(self, item_id: str, path: str, fingerprint: str | None = None,
                               provenance: dict | None = None) -> Edit:
        """Add a baked file as a new take and play it; `provenance` is what made it (engine, weights identity,
        resolved preset/steps/scheduler/guidance: `generated.TAKE_PROVENANCE`). Edit.ids = (media-reference key,)."""
        def change(slot, edit):
            return (generated.attach_take(slot.item, path, slot.duration, self.rate, fingerprint, provenance),)
        return self._edit_generative("attach_generated_media", item_id, change)

    @undoable(lambda doc, item_id, key: f"Use {key} of '{clip_name(doc, item_id)}'",
              example=lambda doc, ids: {"item_id": _attached(doc, ids), "key": "generator"})
    def select_take(self, item_id: str, key: str) -> Edit:
        return self._edit_generative("select_take", item_id,
                                     lambda slot, edit: generated.select_take(slot.item, key) or ())

    @undoable(lambda doc, item_id, on: f"Generated sound {'on' if on else 'off'} for '{clip_name(doc, item_id)}'",
              example=lambda doc, ids: {"item_id": _attached(doc, ids), "on": False})
    def set_generated_sound(self, item_id: str, on: bool) -> Edit:
        """Hear the sound a take was generated with (on), or the silence or cross-fade a soundless item has."""
        return self._edit_generative("set_generated_sound", item_id,
                                     lambda slot, edit: generated.set_sound(slot.item, on) or ())

    @undoable(lambda doc, item_id: f"Show placeholder of '{clip_name(doc, item_id)}'",
              example=lambda doc, ids: {"item_id": _attached(doc, ids)})
    def detach_generated_media(self, item_id: str) -> Edit:
        """Play the placeholder again; takes are kept."""
        return self.select_take(item_id, generated.GENERATOR_KEY)

    @undoable(lambda doc, item_id, **_: f"Regenerate '{clip_name(doc, item_id)}'",
              example=lambda doc, ids: {"item_id": _transition(doc, ids), "params": {"seed": 9}})
    def refresh_generative_request(self, item_id: str, params: dict | None = None) -> Edit:
        """Re-read the sources as they are now (and update params): the request a regenerate will run."""
        data = meta.seine(self._item(item_id))
        merged = generated.normalize_params(data["kind"], {**data["params"], **(params or {})})

        def change(slot, edit):
            placed = [layout.Placed(s.start, s.duration, s.item) for s in edit.ordered()]
            me = next(p for p in placed if p.item is slot.item)
            sources = data["sources"] if data["kind"] == generated.ANIMATE else generated.boundary_sources(
                data["kind"], _adjacent(placed, me.start, end=True), _adjacent(placed, me.end, end=False), self.rate)
            meta.update(slot.item, params=merged, sources=sources,
                        fingerprint=generated.request_fingerprint(data["kind"], merged, sources))
            return ()
        return self._edit_generative("refresh_generative_request", item_id, change)

    def is_stale(self, item_id: str) -> bool:
        info = self.info().clip(item_id).generative
        if info is None:
            raise PlacementError(f"clip {item_id!r} is not a generative item")
        return info.stale

    # ---- helpers ---------------------------------------------------------------------------------------

    def _edit_generative(self, action: str, item_id: str, change) -> Edit:
        if not generated.is_generative(self._item(item_id)):
            raise PlacementError(f"clip '{self._item(item_id).name}' is not a generative item")
        track_id = meta.item_id(self._track_of(item_id))
        return self._apply(action, [track_id], lambda edits: change(edits[track_id].slot(item_id), edits[track_id]))

    def _meeting_clips(self, track_id: str, left_clip_id: str):
        track = self.info().track(track_id)
        left = next(c for c in track.clips if c.id == left_clip_id)
        right = next((c for c in track.clips if c.start_frame == left.end_frame), None)
        if right is None:
            raise PlacementError(f"clip '{left.name}' has no clip right after it (frame {left.end_frame}) on "
                                 f"{rules.track_label(self._track(track_id))}; a transition needs a cut")
        return left, right

    def _boundary(self, role: str, clip_id: str, offset: int) -> dict:
        clip = self._item(clip_id)
        return generated.source(role, clip_id, layout.media_path(clip), layout.media_frame(clip, offset, self.rate))


def _adjacent(placed, frame: int, end: bool):
    return next((p for p in placed if (p.end if end else p.start) == frame), None)
