"""Media paths of a timeline: which local file a reference names, paths made relative to the project folder on
save (the absolute path kept as a hint) and absolute again on open, generative items' source and take paths
included; the offline files, and relinking them one by one or by name under a folder."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Iterator, Optional
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from seine_editor.timeline import generated

_HINT_KEY = "absolute_path"


@dataclass(frozen=True)
class OfflineMedia:
    """A media file the timeline uses that is not on disk, and the clips that use it."""
    target_url: str
    clip_names: tuple[str, ...]


_FOREIGN = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\|//)|^[^/]*\\")  # C:\ or C:/, \\server, //server, backslashes


def is_foreign_path(target_url: str) -> bool:
    """Whether a reference names a file the way another operating system does (a drive letter, a UNC share,
    backslashes). Such a path is kept as it was written: shown offline, exported unchanged, relinked by its name."""
    return bool(_FOREIGN.match(target_url or ""))


def file_name(target_url: str) -> str:
    """The file name a reference ends with, for Windows paths too."""
    if is_foreign_path(target_url):
        return PureWindowsPath(target_url).name
    return Path(unquote(urlparse(target_url).path) if target_url.startswith("file:") else target_url).name


def media_path(target_url: str) -> Optional[Path]:
    """The local file a reference's URL names, or None for remote URLs and empty ones."""
    if not target_url:
        return None
    parsed = urlparse(target_url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme and len(parsed.scheme) > 1:  # "C:\..." parses as scheme "c"
        return None
    return Path(target_url)


def external_references(timeline: otio.schema.Timeline) -> Iterator[tuple[otio.schema.Clip, str,
                                                                        otio.schema.ExternalReference]]:
    """(clip, key, reference) for every ExternalReference of every clip, active or not."""
    for clip in timeline.find_clips():
        for key, reference in clip.media_references().items():
            if isinstance(reference, otio.schema.ExternalReference):
                yield clip, key, reference


def resolve_media_paths(timeline: otio.schema.Timeline, base: Path) -> None:
    for _clip, _key, reference in external_references(timeline):
        url = reference.target_url or ""
        hint = _pop_hint(reference)
        local = media_path(url)
        if local is None or local.is_absolute() or urlparse(url).scheme == "file" or is_foreign_path(url):
            continue
        resolved = base / local
        if not resolved.exists() and hint and Path(hint).exists():
            resolved = Path(hint)
        reference.target_url = str(resolved)
    for clip in _generative_clips(timeline):
        generated.map_paths(clip, lambda path: _resolved(path, base))


def _generative_clips(timeline: otio.schema.Timeline) -> list[otio.schema.Clip]:
    return [clip for clip in timeline.find_clips() if generated.is_generative(clip)]


def _resolved(path: str, base: Path) -> str:
    local = media_path(path)
    if local is None or local.is_absolute() or urlparse(path).scheme == "file" or is_foreign_path(path):
        return path
    return str(base / local)


def _relative_to(path: str, folder: Path) -> str:
    """`path` relative to `folder` (POSIX separators) when it lies inside it; otherwise unchanged."""
    local = media_path(path)
    if local is None or not local.is_absolute():
        return path
    try:
        return local.relative_to(folder).as_posix()
    except ValueError:
        return path


def _pop_hint(reference) -> Optional[str]:
    seine = reference.metadata.get("seine")
    if seine is None or _HINT_KEY not in seine:
        return None
    hint = str(seine[_HINT_KEY])
    del seine[_HINT_KEY]
    if not len(seine):
        del reference.metadata["seine"]
    return hint


def relativise_media_paths(timeline: otio.schema.Timeline, folder: Path) -> None:
    for _clip, _key, reference in external_references(timeline):
        local = media_path(reference.target_url or "")
        if local is None or not local.is_absolute():
            continue
        try:
            relative = local.relative_to(folder)
        except ValueError:
            continue
        reference.metadata.setdefault("seine", {})[_HINT_KEY] = str(local)
        reference.target_url = relative.as_posix()
    for clip in _generative_clips(timeline):  # the request's sources and takes move with the project too
        generated.map_paths(clip, lambda path: _relative_to(path, folder))


def offline_media(timeline: otio.schema.Timeline) -> list[OfflineMedia]:
    """Local media files the timeline uses that are missing, in timeline order."""
    users: dict[str, list[str]] = {}
    for clip, _key, reference in external_references(timeline):
        local = media_path(reference.target_url or "")
        if local is None or not local.exists():
            users.setdefault(reference.target_url or "", []).append(clip.name)
    return [OfflineMedia(url, tuple(dict.fromkeys(names))) for url, names in users.items()]


def relink(timeline: otio.schema.Timeline, old: str, new: os.PathLike | str) -> int:
    """Point every reference to `old` at `new`; returns how many references changed."""
    new_url = str(Path(new).resolve()) if media_path(str(new)) is not None else str(new)
    changed = 0
    for _clip, _key, reference in external_references(timeline):
        if reference.target_url == old:
            reference.target_url = new_url
            changed += 1
    return changed


def relink_plan(timeline: otio.schema.Timeline, folder: os.PathLike | str) -> dict[str, str]:
    """old URL -> found file for each offline file whose name exists somewhere under `folder`."""
    wanted = {}
    for item in offline_media(timeline):
        name = file_name(item.target_url)
        if name:
            wanted.setdefault(name, []).append(item.target_url)
    plan: dict[str, str] = {}
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            for old in wanted.pop(name, []):
                plan[old] = str((Path(root) / name).resolve())
    return plan


def relink_folder(timeline: otio.schema.Timeline, folder: os.PathLike | str) -> dict[str, str]:
    """Relink every offline file found by name under `folder`; returns old URL -> new path."""
    plan = relink_plan(timeline, folder)
    for old, new in plan.items():
        relink(timeline, old, new)
    return plan
