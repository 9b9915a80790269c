"""Bake generative items into movies for interchange: ProRes 422 HQ at the timeline's rate and size, start
timecode 00:00:00:00, provenance in the container tags. Plugs into `timeline.interchange` as its Baker."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

from seine_editor.errors import ExportError, MediaError, OutputLocationError
from seine_editor.render.compositor import Compositor, PlaceholderProvider
from seine_editor.render.plan import plan_of
from seine_editor.timeline.interchange import Baker, BakeRequest


def provenance_tags(provenance: dict) -> dict[str, str]:
    """Container tags: one per field (seine_prompt, seine_seed, ...) and the whole record as JSON."""
    tags = {f"seine_{key}": json.dumps(value) if isinstance(value, (list, dict)) else str(value)
            for key, value in provenance.items() if value is not None}
    tags["comment"] = json.dumps({"seine": provenance}, sort_keys=True)
    return tags


def make_baker(snapshot, *, size: tuple[int, int], placeholder: Optional[PlaceholderProvider] = None) -> Baker:
    """A Baker rendering items of ``snapshot`` (the timeline as it was before baking) at ``size``."""
    plan = plan_of(snapshot)

    def bake(request: BakeRequest, folder: Path) -> Path:
        from seine_editor.media.writer import MediaWriter

        folder.mkdir(parents=True, exist_ok=True)
        target = folder / request.file_name
        end = request.start_frame + request.duration_frames
        try:
            with Compositor(plan, size=size, placeholder=placeholder) as compositor, MediaWriter(
                    target, width=size[0], height=size[1], fps=request.rate, codec="prores",
                    metadata=provenance_tags(request.provenance), start_timecode="00:00:00:00") as writer:
                for n in range(request.start_frame, end):
                    writer.write_frame(compositor.item_frame(request.clip_id, n))
        except OutputLocationError as error:  # the disk filled or refused: where it goes, not what is baked
            raise OutputLocationError(target, f"baking '{request.clip_name}' failed: {error.reason}") from None
        except MediaError as error:
            raise ExportError(f"baking '{request.clip_name}' into {target} failed: {error.reason}") from None
        return target

    return bake
