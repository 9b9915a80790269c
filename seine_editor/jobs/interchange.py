"""Interchange export as a job: bake the generative items into movies (rendering frames), then write the timeline
for another editor. The spec holds a private deep copy of the timeline and a render snapshot, made on the UI
thread; the job never sees the live document."""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

from seine_editor.jobs.context import JobContext, Progress


@dataclass(frozen=True)
class InterchangeSpec:
    timeline: Any  # an otio Timeline copy, opaque outside `timeline` and this job
    snapshot: Any  # RenderSnapshot of the same state, for baking
    path: Path
    rate: Fraction
    size: tuple[int, int]
    placeholder: Any = None  # PlaceholderProvider for items not generated yet
    media_folder: Optional[Path] = None  # where baked movies go (default: `<name>_media` beside the file)


def export_interchange(spec: InterchangeSpec, ctx: JobContext):
    """Bake and write; returns `interchange.InterchangeResult` (the file, the baked movies, what was lost)."""
    from seine_editor.render.bake import make_baker
    from seine_editor.timeline.interchange import export_timeline

    ctx.report(Progress(0.0, "baking generative items"))
    baker = make_baker(spec.snapshot, size=spec.size, placeholder=spec.placeholder)
    result = export_timeline(spec.timeline, spec.path, rate=spec.rate, size=spec.size, baker=baker,
                             media_folder=spec.media_folder)
    ctx.report(Progress(1.0, f"wrote {Path(result.path).name}"))
    return result


def installed_suffixes() -> tuple[str, ...]:
    """The file suffixes an installed OTIO adapter can write here (".otio", ".edl", ...)."""
    import opentimelineio as otio

    from seine_editor.timeline.interchange import ADAPTERS

    installed = set(otio.adapters.available_adapter_names())
    return tuple(suffix for suffix, adapter in ADAPTERS.items() if adapter in installed)
