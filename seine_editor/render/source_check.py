"""Before a render: every source the edit uses is there and holds what the edit needs. A file that is missing, does
not decode, or ended sooner than the frames the edit shows (truncated since it was cut in) would render as a slate or
a frozen frame with nothing said; here it is named with the reason, and the render refuses it unless the person
allows offline media. Probing is keyed by path, size and modification time, so a changed file is probed again."""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

from seine_editor.errors import MediaError
from seine_editor.render.plan import RenderPlan

TOLERANCE_S = Fraction(1, 1000)  # container rounding of durations


@dataclass(frozen=True)
class UnusableSource:
    path: str
    reason: str


def unusable_sources(plan: RenderPlan) -> list[UnusableSource]:
    """The sources of ``plan`` that cannot give the frames it shows, in path order."""
    from seine_editor.media.probe import probe

    needed = _latest_needed(plan)
    found = []
    for path in plan.media_paths():
        if not os.path.isfile(path):
            found.append(UnusableSource(path, "missing"))
            continue
        try:
            info = probe(path)
        except MediaError as error:
            found.append(UnusableSource(path, f"damaged: {error.reason}"))
            continue
        if info.kind != "image" and needed.get(path, Fraction(0)) >= Fraction(info.duration_s) + TOLERANCE_S:
            found.append(UnusableSource(path, f"damaged: it holds {info.duration_s:.3f} s but the edit shows it up to "
                                              f"{float(needed[path]):.3f} s (truncated since it was cut in?)"))
    return found


def _latest_needed(plan: RenderPlan) -> dict[str, Fraction]:
    """Per source, the start time of the last frame the plan shows of it (dissolve handles included)."""
    latest: dict[str, Fraction] = {}
    for track in plan.video + plan.audio:
        last_frame = {item.uid: item.end_frame - 1 for item in track.items}
        for dissolve in track.dissolves:  # the outgoing side plays on into the dissolve
            last_frame[dissolve.outgoing.uid] = max(last_frame[dissolve.outgoing.uid], dissolve.end_frame - 1)
        for item in track.items:
            if item.path and item.baked and item.duration_frames > 0:
                seconds = item.source_seconds(last_frame[item.uid], plan.rate)
                latest[item.path] = max(latest.get(item.path, Fraction(0)), seconds)
    return latest
