"""Moving a folder of media the timeline uses (an untitled project's cache copied beside its new file):
every path under the old folder, in references and in generative metadata, is pointed at the new one."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Optional

import opentimelineio as otio

from seine_editor.timeline import generated, layout


def rebased(path: Optional[str], old_folder: Path, new_folder: Path) -> Optional[str]:
    """`path` moved from under `old_folder` to the same place under `new_folder`; other paths unchanged."""
    if not path:
        return path
    local = Path(layout.url_path(path))
    try:
        return str(new_folder / local.relative_to(old_folder))
    except ValueError:
        return path


def rebase_in_place(objects: Iterable[otio.core.Composable], old_folder: Path, new_folder: Path) -> int:
    """Rewrite, in place, paths under `old_folder` in `objects` (tracks, clips, or any item) and the clips inside
    them; returns how many clips changed."""
    changed = 0
    for obj in objects:
        clips = [obj] if isinstance(obj, otio.schema.Clip) else obj.find_clips() if isinstance(
            obj, otio.core.Composition) else []
        for clip in clips:
            changed += _rebase_clip(clip, old_folder, new_folder)
    return changed


def _rebase_clip(clip: otio.schema.Clip, old_folder: Path, new_folder: Path) -> bool:
    moved = False
    for reference in clip.media_references().values():
        if isinstance(reference, otio.schema.ExternalReference):
            target = rebased(reference.target_url, old_folder, new_folder)
            if target != reference.target_url:
                reference.target_url, moved = target, True
    if generated.is_generative(clip):
        before = dict(clip.metadata["seine"])
        generated.map_paths(clip, lambda path: rebased(path, old_folder, new_folder))
        moved = moved or dict(clip.metadata["seine"]) != before
    return moved
