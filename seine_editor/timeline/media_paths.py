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

from seine_editor.timeline import generated, meta

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
    resolved: dict[tuple[str, Optional[str]], Optional[str]] = {}  # each file once: long timelines reuse a few
    for _clip, _key, reference in external_references(timeline):
        url = reference.target_url or ""
        hint = _pop_hint(reference)
        if (url, hint) not in resolved:
            resolved[url, hint] = _resolved_reference(url, hint, base)
        if resolved[url, hint] is not None:
            reference.target_url = resolved[url, hint]
    for clip in _generative_clips(timeline):
        generated.map_paths(clip, lambda path: _resolved(path, base))


def _resolved_reference(url: str, hint: Optional[str], base: Path) -> Optional[str]:
    """The absolute path a relative reference stands for (the saved absolute ``hint`` when only it exists); None
    for a reference to leave as it is (absolute, a URL, another system's path)."""
    local = media_path(url)
    if local is None or local.is_absolute() or urlparse(url).scheme == "file" or is_foreign_path(url):
        return None
    resolved = base / local
    if not resolved.exists() and hint and Path(hint).exists():
        resolved = Path(hint)
    return str(resolved)


def _generative_clips(timeline: otio.schema.Timeline) -> list[otio.schema.Clip]:
    return [clip for clip in timeline.find_clips() if generated.is_generative(clip)]


def _resolved(path: str, base: Path) -> str:
    local = media_path(path)
    if local is None or local.is_absolute() or urlparse(path).scheme == "file" or is_foreign_path(path):
        return path
    return str(base / local)


def _relative_and_hint(url: str, folder: Path) -> Optional[tuple[str, str]]:
    """(the URL relative to ``folder``, the absolute path) for local media inside it; None for anything else."""
    local = media_path(url)
    if local is None or not local.is_absolute():
        return None
    try:
        return local.relative_to(folder).as_posix(), str(local)
    except ValueError:
        return None


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
    seine = meta.namespace_of(reference)
    if seine is None or _HINT_KEY not in seine:
        return None
    hint = str(seine[_HINT_KEY])
    del seine[_HINT_KEY]
    if not len(seine):
        del reference.metadata[meta.NAMESPACE]
    return hint


def relativise_media_paths(timeline: otio.schema.Timeline, folder: Path) -> None:
    relative: dict[str, Optional[tuple[str, str]]] = {}  # each file once: long timelines reuse a few
    for _clip, _key, reference in external_references(timeline):
        url = reference.target_url or ""
        if url not in relative:
            relative[url] = _relative_and_hint(url, folder)
        if relative[url] is None:
            continue
        target, hint = relative[url]
        seine = meta.namespace_of(reference)
        if seine is None:  # a new dictionary crosses into OTIO in one step; a key set inside one costs more
            reference.metadata[meta.NAMESPACE] = {_HINT_KEY: hint}
        else:
            seine[_HINT_KEY] = hint
        reference.target_url = target
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


@dataclass(frozen=True)
class RelinkReport:
    """What a search for offline media found."""

    found: dict[str, str]  # old URL -> the file that replaces it
    missing: tuple[str, ...]  # found nowhere under the folders
    unsure: dict[str, str]  # old URL -> why no candidate was taken


DURATION_TOLERANCE_S = 0.05  # container rounding; another cut of a shot differs by far more


def find_offline_media(timeline: otio.schema.Timeline, folders) -> RelinkReport:
    """Look for each offline file under ``folders`` by its file name (exact, else ignoring case), then by its
    length: a candidate whose duration differs from the clip's media (its available range) is another file under
    the same name, and two or more equal candidates are a choice the person makes. Foreign (Windows) paths are
    matched by their file name too."""
    wanted: dict[str, list[str]] = {}
    for item in offline_media(timeline):
        if file_name(item.target_url):
            wanted.setdefault(file_name(item.target_url), []).append(item.target_url)
    candidates = _files_named(set(wanted), folders)
    lengths = _media_lengths(timeline)
    found, missing, unsure = {}, [], {}
    for name, urls in wanted.items():
        files = candidates.get(name) or candidates.get(name.lower(), [])
        for url in urls:
            if not files:
                missing.append(url)
                continue
            fitting = [f for f in files if _same_length(f, lengths.get(url))]
            if len(fitting) == 1:
                found[url] = fitting[0]
            elif fitting:
                unsure[url] = f"{len(fitting)} files fit: " + ", ".join(fitting)
            else:
                unsure[url] = (f"{', '.join(files)} " + ("is" if len(files) == 1 else "are") +
                               f" not {lengths[url]:.3f} s long like the clip's media")
    return RelinkReport(found, tuple(missing), unsure)


def _files_named(names: set[str], folders) -> dict[str, list[str]]:
    """name (and lower-cased name) -> files under ``folders`` with that name, in walk order."""
    lowered = {n.lower() for n in names}
    by_name: dict[str, list[str]] = {}
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                if name in names or name.lower() in lowered:
                    path = str((Path(root) / name).resolve())
                    key = name if name in names else name.lower()
                    if path not in by_name.setdefault(key, []):
                        by_name[key].append(path)
    return by_name


def _media_lengths(timeline: otio.schema.Timeline) -> dict[str, float]:
    lengths = {}
    for _clip, _key, reference in external_references(timeline):
        if reference.available_range is not None:
            lengths[reference.target_url] = reference.available_range.duration.to_seconds()
    return lengths


def _same_length(path: str, seconds: Optional[float]) -> bool:
    if seconds is None:
        return True
    from seine_editor.errors import MediaError
    from seine_editor.media.probe import probe

    try:
        info = probe(path)
    except MediaError:
        return False
    return info.kind == "image" or abs(info.duration_s - seconds) <= DURATION_TOLERANCE_S


def relink_folder(timeline: otio.schema.Timeline, folders) -> RelinkReport:
    """Relink every offline file found under ``folders`` (one folder or several); returns the report."""
    report = find_offline_media(timeline, [folders] if isinstance(folders, (str, os.PathLike)) else folders)
    for old, new in report.found.items():
        relink(timeline, old, new)
    return report
