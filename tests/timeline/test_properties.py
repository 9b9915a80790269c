"""Random sequences of edits (valid or refused) keep the document's invariants."""
import itertools
from fractions import Fraction
from unittest import mock

import opentimelineio as otio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seine_editor.errors import PlacementError
from seine_editor.render.plan import plan_from_snapshot
from seine_editor.timeline import meta, snapshot
from seine_editor.timeline.document import TimelineDocument
from seine_editor.timeline.track_edit import TrackEdit
from timeline_builders import still, video

MEDIA = [video("/m/a.mp4", frames=30), video("/m/b.mp4", frames=60, audio=False), still("/m/p.png")]

operation = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 2), st.integers(0, 80), st.integers(1, 25), st.booleans()),
    st.tuples(st.just("move"), st.integers(0, 30), st.integers(0, 90), st.booleans()),
    st.tuples(st.just("trim"), st.integers(0, 30), st.sampled_from(["head", "tail"]), st.integers(-8, 8),
              st.booleans()),
    st.tuples(st.just("roll"), st.integers(0, 30), st.integers(-6, 6)),
    st.tuples(st.just("slip"), st.integers(0, 30), st.integers(-6, 6)),
    st.tuples(st.just("split"), st.integers(0, 30), st.integers(0, 90)),
    st.tuples(st.just("delete"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("dissolve"), st.integers(0, 30), st.integers(0, 4), st.integers(0, 4)),
    st.tuples(st.just("generate"), st.integers(0, 30), st.integers(1, 6), st.sampled_from(["bridge", "overlap"])),
    st.tuples(st.just("speed"), st.integers(0, 30), st.sampled_from([Fraction(1, 3), Fraction(1, 2), 1, Fraction(3, 2),
                                                                    2, 3])),
    st.tuples(st.just("undo"),),
)


def _pick(doc, index):
    clips = doc.info().clips()
    return clips[index % len(clips)].id if clips else None


def _apply(doc, op, history):
    kind, *args = op
    if kind == "undo":
        if history:
            doc.restore(history.pop())
        return
    if kind == "insert":
        media, at, duration, insert = args
        track = doc.track_ids("video")[0]
        edit = doc.insert_clip(MEDIA[media], track, at, duration_frames=duration,
                               mode="insert" if insert else "overwrite")
    else:
        clip = _pick(doc, args[0])
        if clip is None:
            return
        edit = {
            "move": lambda: doc.move_clip(clip, args[1], mode="insert" if args[2] else "overwrite"),
            "trim": lambda: doc.trim_clip(clip, args[1], args[2], ripple=args[3]),
            "roll": lambda: doc.roll(clip, args[1]),
            "slip": lambda: doc.slip(clip, args[1]),
            "split": lambda: doc.split_clip(clip, args[1]),
            "delete": lambda: doc.delete_clips([clip], ripple=args[1]),
            "dissolve": lambda: doc.add_dissolve(clip, args[1], args[2]),
            "generate": lambda: doc.add_generative_transition(clip, args[1], args[2]),
            "speed": lambda: doc.set_speed(clip, args[1]),
        }[kind]()
    history.append(edit.undo)


def _check_invariants(doc):
    text = doc.to_json()
    assert otio.adapters.write_to_string(otio.adapters.read_from_string(text), "otio_json") == text
    info = doc.info()
    ids = [c.id for c in info.clips()]
    assert len(ids) == len(set(ids))
    for track in info.tracks:
        clips = sorted(track.clips, key=lambda c: c.start_frame)
        for first, second in zip(clips, clips[1:]):
            assert first.end_frame <= second.start_frame
        assert all(c.duration_frames >= 1 and c.start_frame >= 0 for c in clips)
        assert track.duration_frames == (clips[-1].end_frame if clips else 0)
        otio_track = doc._track(track.id)
        assert Fraction(otio_track.duration().to_frames(float(doc.rate))) == track.duration_frames
        for clip in clips:
            if clip.available_frames is not None:
                assert 0 <= clip.source_start_frame
                assert clip.source_start_frame + clip.duration_frames <= clip.available_frames
        by_id = {c.id: c for c in clips}
        for transition in track.transitions:
            left, right = by_id[transition.left_clip_id], by_id[transition.right_clip_id]
            assert left.end_frame == transition.cut_frame == right.start_frame


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=14))
def test_random_edits_keep_invariants_and_refusals_change_nothing(ops):
    doc = TimelineDocument()
    history = []
    for op in ops:
        before = doc.to_json()
        try:
            _apply(doc, op, history)
        except PlacementError:
            assert doc.to_json() == before
        _check_invariants(doc)


@settings(max_examples=30, deadline=None)
@given(st.lists(operation.filter(lambda o: o[0] != "undo"), min_size=1, max_size=10))
def test_undoing_everything_returns_to_the_start(ops):
    doc = TimelineDocument()
    doc.insert_clip(MEDIA[0], doc.track_ids("video")[0], 0, duration_frames=20)
    start = doc.to_json()
    history = []
    for op in ops:
        try:
            _apply(doc, op, history)
        except PlacementError:
            pass
    for memento in reversed(history):
        doc.restore(memento)
    assert doc.to_json() == start


def _check_views_equal_a_full_rebuild(doc):
    assert doc.info() == snapshot.build_info(doc.timeline, doc.rate)
    assert doc.render_snapshot() == snapshot.build_render_snapshot(doc.timeline, doc.rate)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=14))
def test_views_kept_across_edits_equal_a_full_rebuild_after_every_edit_undo_and_redo(ops):
    doc = TimelineDocument()
    history = []
    for op in ops:
        try:
            _apply(doc, op, history)
        except PlacementError:
            pass
        _check_views_equal_a_full_rebuild(doc)
    end = doc.to_json()
    redo = []
    for memento in reversed(history):
        redo.append(doc.restore(memento))
        _check_views_equal_a_full_rebuild(doc)
    for memento in reversed(redo):
        doc.restore(memento)
        _check_views_equal_a_full_rebuild(doc)
    assert doc.to_json() == end


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(operation, st.booleans()), min_size=1, max_size=16))
def test_views_looked_at_only_now_and_then_still_equal_a_full_rebuild(steps):
    """A window that builds its views once for several edits (a batch, a macro and its undo) brings the kept views
    up to date across all of them."""
    doc = TimelineDocument()
    for at in range(0, 120, 20):
        doc.insert_clip(MEDIA[0], doc.track_ids("video")[0], at, duration_frames=20)
    _check_views_equal_a_full_rebuild(doc)
    plan = plan_from_snapshot(doc.render_snapshot())
    history = []
    for op, look in steps:
        try:
            _apply(doc, op, history)
        except PlacementError:
            pass
        if look:
            _check_views_equal_a_full_rebuild(doc)
            plan = plan_from_snapshot(doc.render_snapshot(), plan)  # as the viewer plans after edits
            assert plan == plan_from_snapshot(doc.render_snapshot())
    _check_views_equal_a_full_rebuild(doc)


def _edited(ops, whole_tracks: bool) -> list[str]:
    """The document's JSON after each of ``ops`` (ids numbered in order), or the refusal; ``whole_tracks``: every
    edit makes all the slots of its tracks first, the way an edit that needs the whole track does."""
    counter = itertools.count()
    init = TrackEdit.__init__

    def whole(edit, *args, **kwargs):
        init(edit, *args, **kwargs)
        edit.slots  # every slot made before the edit starts: it reads and writes the track whole

    with mock.patch.object(meta, "new_id", lambda: f"id{next(counter)}"), \
            mock.patch.object(TrackEdit, "__init__", whole if whole_tracks else init):
        doc = TimelineDocument()
        for at in range(0, 120, 20):  # pairs of shots that meet, 1 frame apart from the next pair
            doc.insert_clip(MEDIA[at // 20 % 2], doc.track_ids("video")[0], at + at // 40, duration_frames=20,
                            source_start_frame=5)
        for left in doc.info().clips()[0:6:2]:
            if left.kind == "video" and left.track_id == doc.track_ids("video")[0]:
                doc.add_dissolve(left.id, 2, 2)
        history, states = [], []
        for op in ops:
            try:
                _apply(doc, op, history)
            except PlacementError as error:
                states.append(str(error))
            states.append(doc.to_json())
        return states


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=12))
def test_an_edit_that_writes_back_only_what_it_changed_makes_the_same_track_as_writing_it_whole(ops):
    assert _edited(ops, whole_tracks=False) == _edited(ops, whole_tracks=True)
