"""Before a render: every source the edit uses is there and holds what the edit needs. A file that is missing, does
not decode, or ended sooner than the frames the edit shows (truncated since it was cut in), an image sequence with
frame files missing, a generator the editor cannot make, or a clip with no media at all would render as a slate or
a frozen frame with nothing said; here each is named with the reason, and the render refuses it unless the person
allows offline media. Probing is keyed by path, size and modification time, so a changed file is probed again."""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Optional

from seine_editor.errors import MediaError
from seine_editor.render import generators
from seine_editor.render.plan import PlanItem, RenderPlan
from seine_editor.timeline.media_paths import is_foreign_path

TOLERANCE_S = Fraction(1, 1000)  # container rounding of durations


@dataclass(frozen=True)
class UnusableSource:
    path: str  # the file, the image sequence (`ImageSequence.label`), or the clip's name
    reason: str
    clips: tuple[str, ...] = ()  # the clips that show it


def unusable_sources(plan: RenderPlan) -> list[UnusableSource]:
    """What ``plan`` shows that cannot give the frames it needs: missing or damaged files, image sequences with
    missing frames, generators the editor cannot make and clips without media; by label."""
    from seine_editor.media.probe import probe

    needed = _needed(plan)
    users: dict[str, list[str]] = {}
    for track in plan.video + plan.audio:
        for item in track.items:
            if item.baked and item.duration_frames > 0:
                users.setdefault(item.label, []).append(item.name)
    found = []
    for label, (item, first, last) in sorted(needed.items()):
        reason = _problem(item, first, last, probe)
        if reason is not None:
            found.append(UnusableSource(label, reason, tuple(dict.fromkeys(users.get(label, ())))))
    return found


def _problem(item: PlanItem, first: Fraction, last: Fraction, probe) -> Optional[str]:
    if item.reference == "missing":
        return "no media: the clip has no media reference"
    if item.generator is not None:
        return generators.unsupported_reason(item.generator)
    if item.sequence is not None:
        return _sequence_problem(item.sequence, first, last)
    path = item.path
    if not os.path.isfile(path):
        return "missing: a path from another computer (Windows); relink it" if is_foreign_path(path) else "missing"
    try:
        info = probe(path)
    except MediaError as error:
        return f"damaged: {error.reason}"
    if info.kind != "image" and last >= Fraction(info.duration_s) + TOLERANCE_S:
        return (f"damaged: it holds {info.duration_s:.3f} s but the edit shows it up to {float(last):.3f} s "
                "(truncated since it was cut in?)")
    return None


def _sequence_problem(sequence, first: Fraction, last: Fraction) -> Optional[str]:
    indices = range(max(0, int(first * sequence.rate)), min(sequence.frame_count, int(last * sequence.rate) + 1))
    missing = sequence.missing_frames(indices)
    if not missing:
        return None
    return (f"missing {len(missing)} of the {len(indices)} frame files the edit shows, the first "
            f"{sequence.path_of(missing[0])}")


def _needed(plan: RenderPlan) -> dict[str, tuple[PlanItem, Fraction, Fraction]]:
    """Per source label: an item showing it, and the start times of the first and last frames the plan shows of
    it (dissolve handles included)."""
    needed: dict[str, tuple[PlanItem, Fraction, Fraction]] = {}
    for track in plan.video + plan.audio:
        first_frame = {item.uid: item.start_frame for item in track.items}
        last_frame = {item.uid: item.end_frame - 1 for item in track.items}
        for dissolve in track.dissolves:  # both sides play on into the dissolve
            last_frame[dissolve.outgoing.uid] = max(last_frame[dissolve.outgoing.uid], dissolve.end_frame - 1)
            first_frame[dissolve.incoming.uid] = min(first_frame[dissolve.incoming.uid], dissolve.start_frame)
        for item in track.items:
            if not item.baked or item.duration_frames <= 0 or item.reference == "generated" and not item.path:
                continue
            first = item.source_seconds(first_frame[item.uid], plan.rate)
            last = item.source_seconds(last_frame[item.uid], plan.rate)
            _, low, high = needed.get(item.label, (item, first, last))
            needed[item.label] = (item, min(low, first), max(high, last))
    return needed
