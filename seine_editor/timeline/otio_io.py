"""Open and save timeline files: `.otio`, `.otioz`, CMX3600 EDL, FCP7 XML and FCPX XML.

Every failure to read becomes `ProjectFileError(path, reason)` in plain words; OTIO and its adapters may
raise anything, so their calls are wrapped. `.otio` files are checked before OTIO parses them, because
OTIO's own messages do not name the schema or the place of a JSON error.

Media paths (`media_paths.py`, its names re-exported here): on save, files under the project's folder are
written relative to it (with the absolute path kept as a fallback hint); on open, relative paths are resolved
back to absolute ones. Missing media stays in the timeline as offline clips that `relink` / `relink_folder` repair.
"""
from __future__ import annotations

import json
import os
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Optional

import opentimelineio as otio

from seine_editor.errors import ProjectFileError
from seine_editor.leftovers import remove_leftovers, temporaries_of
from seine_editor.timeline.file_checks import MAX_DEPTH, check_regular_file, check_tree
from seine_editor.media.cache import default_file_mode
from seine_editor.timeline import bundles, generated
from seine_editor.timeline.media_paths import (OfflineMedia, external_references, media_path,  # noqa: F401
                                               find_offline_media, offline_media, relativise_media_paths, relink,
                                               relink_folder, resolve_media_paths)
from seine_editor.timeline.settings import (AUDIO_RATES, TimelineSettings, check_settings,  # noqa: F401 (re-exported)
                                             read_settings, write_settings)
from seine_editor.timeline.edl_sources import restore_incoming_sources
from seine_editor.timeline.media_ranges import fill_available_ranges
from seine_editor.timeline.sequence_settings import sequence_settings
from seine_editor.timeline.track_ranges import apply_track_ranges

BACKUP_COUNT = 5
DEFAULT_EDL_RATE = Fraction(24)
ADAPTER_LABELS = {"otio_json": "OpenTimelineIO", "otioz": "OpenTimelineIO zip", "cmx_3600": "CMX3600 EDL",
                  "fcp_xml": "FCP7 XML", "fcpx_xml": "FCPX XML"}
_EXTENSIONS = {".otio": "otio_json", ".otioz": "otioz", ".edl": "cmx_3600", ".xml": "fcp_xml",
               ".fcpxml": "fcpx_xml"}
# Schemas OTIO reads that its type map does not list: value types and legacy aliases.
_EXTRA_SCHEMAS = {"RationalTime": 1, "TimeRange": 1, "TimeTransform": 1, "V2d": 1, "Box2d": 1, "Color": 1,
                  "Sequence": 1, "Filler": 1, "SerializeableCollection": 1}
# Keys whose values may hold schemas of other tools: OTIO keeps them as UnknownSchema, and so do we.
_OPAQUE_KEYS = frozenset({"metadata", "effects"})


@dataclass(frozen=True)
class OpenedTimeline:
    """A timeline read from disk, with what the reader had to decide on the user's behalf."""
    timeline: otio.schema.Timeline
    path: Path
    format: str  # adapter name: "otio_json", "otioz", "cmx_3600", "fcp_xml", "fcpx_xml"
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------- open

def read_timeline(path: os.PathLike | str, rate: Optional[float | Fraction] = None,
                  extract_dir: Optional[os.PathLike | str] = None) -> OpenedTimeline:
    """Read any supported timeline file. `rate` is the EDL frame rate (EDLs carry none; default 24).
    `extract_dir` receives the media of an `.otioz` bundle (default: `bundles.default_unpack_folder`); an `.otiod`
    bundle is the folder itself."""
    path = Path(path)
    base = path.parent
    if path.is_dir():
        base, path = path, bundles.bundle_content(path)
    data = _read_bytes(path)
    fmt = detect_format(path, data)
    notes: list[str] = []
    if fmt == "otioz":
        extract_dir = Path(extract_dir) if extract_dir else bundles.default_unpack_folder(path)
        base = extract_dir
    if fmt == "otio_json":
        result = _timeline_from_json(path, data)
    elif fmt == "otioz":
        result = _read_otioz(path, extract_dir)
    else:
        result = _read_with_adapter(path, data, fmt, rate, notes)
    timeline = _first_timeline(path, result, notes)
    notes.extend(apply_track_ranges(timeline))
    stated = sequence_settings(timeline, fmt, data) if "settings" not in timeline.metadata.get("seine", {}) else None
    if stated is not None:
        write_settings(timeline, stated)
    if fmt not in ("otio_json", "otioz") and not timeline.tracks:
        raise ProjectFileError(path, f"the {ADAPTER_LABELS[fmt]} file holds no tracks that can be read")
    try:
        read_settings(timeline)
    except ValueError as exc:
        raise ProjectFileError(path, str(exc)) from None
    resolve_media_paths(timeline, base.resolve())
    fill_available_ranges(timeline)
    return OpenedTimeline(timeline, path, fmt, tuple(notes))


def _read_bytes(path: Path) -> bytes:
    check_regular_file(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ProjectFileError(path, "no such file") from None
    except IsADirectoryError:
        raise ProjectFileError(path, "is a folder, not a timeline file") from None
    except OSError as exc:
        raise ProjectFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        raise ProjectFileError(path, "the file is empty")
    return data


def detect_format(path: Path, data: bytes) -> str:
    """Adapter name from the file's content; the extension decides only when the content is not telling."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data[:4] == b"PK\x03\x04":
        return "otioz"
    if head.startswith(b"{"):
        return "otio_json"
    if head.startswith(b"<"):
        lowered = head.lower()
        if b"<xmeml" in lowered:
            return "fcp_xml"
        if b"<fcpxml" in lowered:
            return "fcpx_xml"
        raise ProjectFileError(path, "is XML but neither FCP7 XML (<xmeml>) nor FCPX XML (<fcpxml>)")
    text = head.decode("utf-8", "replace").lstrip()
    if text.startswith("TITLE:") or _looks_like_edl_event(text):
        return "cmx_3600"
    by_extension = _EXTENSIONS.get(path.suffix.lower())
    if by_extension is None:
        allowed = ", ".join(sorted(_EXTENSIONS))
        raise ProjectFileError(path, f"is not a timeline file this editor reads ({allowed})")
    return by_extension


def _looks_like_edl_event(text: str) -> bool:
    first = text.split(None, 1)[0] if text.split() else ""
    return first.isdigit() and len(first) >= 3 and text.count(":") >= 12


def _timeline_from_json(path: Path, data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectFileError(path, f"not an OpenTimelineIO file: binary data at byte {exc.start}, "
                                     "not JSON text") from None
    try:
        tree = json.loads(text)
    except RecursionError:
        raise ProjectFileError(path, f"nests deeper than {MAX_DEPTH} levels; a timeline needs far fewer") from None
    except json.JSONDecodeError as exc:
        # OTIO's reader also accepts tokens Python's does not ("Inf"); only then is the file valid.
        return _parse_with_otio(path, text, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}")
    top = tree.get("OTIO_SCHEMA") if isinstance(tree, dict) else None
    if not isinstance(top, str):
        kind = "an object without OTIO_SCHEMA" if isinstance(tree, dict) else f"a JSON {type(tree).__name__}"
        raise ProjectFileError(path, f"not an OpenTimelineIO file (the top level is {kind})")
    if top.split(".")[0] not in ("Timeline", "SerializableCollection", "SerializeableCollection"):
        raise ProjectFileError(path, f"not an OpenTimelineIO timeline (top-level schema is {top})")
    check_tree(path, tree, schema_check(path), _OPAQUE_KEYS)
    return _parse_with_otio(path, text, None)


def _parse_with_otio(path: Path, text: str, json_error: Optional[str]):
    try:
        return otio.adapters.read_from_string(text, "otio_json")
    except Exception as exc:  # OTIO raises ValueError, OTIOError and others for bad fields
        raise ProjectFileError(path, json_error or f"not a valid OpenTimelineIO file: {exc}") from None


def schema_check(path: Path) -> Callable[[str, Callable[[], str]], None]:
    """For `check_tree`: refuse schemas this OpenTimelineIO cannot read, naming them and where, before OTIO sees
    the file."""
    known = {**otio.core.type_version_map(), **_EXTRA_SCHEMAS}

    def check(label: str, where: Callable[[], str]) -> None:
        name, _, version = label.rpartition(".")
        if not name or not version.isdigit():
            raise ProjectFileError(path, f"malformed schema label '{label}' at {where()}")
        if name not in known:
            raise ProjectFileError(path, f"uses schema {label} that OpenTimelineIO {otio.__version__} does not "
                                         f"know (at {where()})")
        if int(version) > known[name]:
            raise ProjectFileError(path, f"written by a newer OpenTimelineIO ({label}; this editor reads up to "
                                         f"{name}.{known[name]})")
    return check


def _read_otioz(path: Path, extract_dir: Optional[os.PathLike | str]):
    try:
        with zipfile.ZipFile(path) as bundle:
            content = bundles.read_content(bundle, path)
            bundles.unpack_media(bundle, path, Path(extract_dir))
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProjectFileError(path, f"damaged .otioz bundle: {exc}") from None
    return _timeline_from_json(path, content)


def _read_with_adapter(path: Path, data: bytes, fmt: str, rate, notes: list[str]):
    label = ADAPTER_LABELS[fmt]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectFileError(path, f"not a {label} file: binary data at byte {exc.start}") from None
    options = {}
    if fmt == "cmx_3600":
        edl_rate = Fraction(rate) if rate is not None else DEFAULT_EDL_RATE
        if edl_rate <= 0:
            raise ProjectFileError(path, f"frame rate {rate} is not allowed (must be above 0)")
        options["rate"] = float(edl_rate)
        if rate is None:
            notes.append(f"EDLs carry no frame rate: read at {_rate_text(edl_rate)} fps")
    try:
        result = otio.adapters.read_from_string(text, fmt, **options)
    except Exception as exc:  # adapters raise any exception type for malformed input
        detail = str(exc).strip() or type(exc).__name__
        if fmt == "cmx_3600":
            raise ProjectFileError(path, f"cannot be read as a {label} at {_rate_text(edl_rate)} fps: {detail} "
                                         "(EDLs carry no rate: choose the one it was cut at)") from None
        raise ProjectFileError(path, f"cannot be read as {label}: {detail}") from None
    if fmt == "cmx_3600":
        restore_incoming_sources(result, text)
    return result


def _first_timeline(path: Path, result, notes: list[str]) -> otio.schema.Timeline:
    if isinstance(result, otio.schema.Timeline):
        return result
    timelines = ([item for item in result if isinstance(item, otio.schema.Timeline)]
                 if isinstance(result, otio.schema.SerializableCollection) else [])
    if not timelines:
        raise ProjectFileError(path, f"holds no timeline (found {result.schema_name()})")
    if len(timelines) > 1:
        notes.append(f"the file holds {len(timelines)} timelines: opened the first, '{timelines[0].name}'")
    return timelines[0]


def _rate_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{float(rate):.3f}"


# ---------------------------------------------------------------------------------------------- save

def timeline_to_json(timeline: otio.schema.Timeline, project_path: os.PathLike | str) -> str:
    """The file text of `timeline` saved at `project_path`: media under its folder made relative."""
    copy = timeline.deepcopy()
    relativise_media_paths(copy, Path(project_path).resolve().parent)
    return otio.adapters.write_to_string(copy, "otio_json", indent=4) + "\n"


def save_timeline(timeline: otio.schema.Timeline, path: os.PathLike | str, backups: int = BACKUP_COUNT) -> None:
    """Write `.otio` atomically and keep the previous `backups` versions as `name.otio.1` (newest) ...."""
    path = Path(path)
    if path.suffix.lower() != ".otio":
        raise ProjectFileError(path, "projects are saved as .otio (use export for other formats)")
    try:
        text = timeline_to_json(timeline, path)
    except Exception as exc:  # OTIO serialisation of foreign metadata can fail in many ways
        raise ProjectFileError(path, f"cannot be written: {exc}") from None
    write_atomically(path, text.encode("utf-8"), backups)


def write_atomically(path: Path, data: bytes, backups: int = BACKUP_COUNT,
                     write: Callable[[int, bytes], object] = os.write) -> None:
    """Temp file in the same folder, fsync, rotate backups, rename over, fsync the folder.
    A failure at any point leaves the previous file and its backups as they were. The file gets the mode
    of the one it replaces, or a new file's usual mode (0666 less the umask), not mkstemp's private 0600."""
    folder = path.parent if str(path.parent) else Path(".")
    remove_leftovers(folder, temporaries_of(path.name, ".tmp"))  # of saves that were killed mid-write
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ProjectFileError(path, f"cannot be written: {exc.strerror or exc}") from None
    try:
        try:
            os.chmod(temp_name, _saved_file_mode(path))
            view = memoryview(data)
            while view:
                view = view[write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if path.exists() and path.read_bytes() != data:
            _rotate_backups(path, backups)
        os.replace(temp_name, path)
        _fsync_folder(folder)
    except OSError as exc:
        Path(temp_name).unlink(missing_ok=True)
        raise ProjectFileError(path, f"cannot be written: {exc.strerror or exc}") from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _saved_file_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return default_file_mode()


def backup_paths(path: Path, backups: int = BACKUP_COUNT) -> list[Path]:
    """`name.otio.1` (newest) ... `name.otio.N` (oldest)."""
    return [path.with_name(f"{path.name}.{n}") for n in range(1, backups + 1)]


def _rotate_backups(path: Path, backups: int) -> None:
    if backups <= 0:
        return
    names = backup_paths(path, backups)
    for older, newer in zip(reversed(names[1:]), reversed(names[:-1])):
        if newer.exists():
            os.replace(newer, older)
    names[0].unlink(missing_ok=True)
    try:
        os.link(path, names[0])  # the old inode survives as .1 while the new file replaces path
    except OSError:
        names[0].write_bytes(path.read_bytes())


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some platforms cannot open folders; the rename is still atomic
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------- summary

@dataclass(frozen=True)
class TimelineSummary:
    """Counts that describe a timeline, nested stacks included."""
    video_tracks: int
    audio_tracks: int
    clips: int
    gaps: int
    transitions: int
    nested_stacks: int
    markers: int
    effects: int
    generative_items: int
    media_references: dict[str, int]
    duration: otio.opentime.RationalTime


def summarise(timeline: otio.schema.Timeline) -> TimelineSummary:
    items = list(timeline.tracks.find_children())
    kinds = [track.kind for track in timeline.tracks]
    clips = [item for item in items if isinstance(item, otio.schema.Clip)]
    references: dict[str, int] = {}
    for clip in clips:
        name = clip.media_reference.schema_name()
        references[name] = references.get(name, 0) + 1
    return TimelineSummary(
        video_tracks=kinds.count(otio.schema.TrackKind.Video),
        audio_tracks=kinds.count(otio.schema.TrackKind.Audio),
        clips=len(clips),
        gaps=sum(isinstance(item, otio.schema.Gap) for item in items),
        transitions=sum(isinstance(item, otio.schema.Transition) for item in items),
        nested_stacks=sum(isinstance(item, otio.schema.Stack) for item in items),
        markers=sum(len(item.markers) for item in [timeline.tracks, *items] if hasattr(item, "markers")),
        effects=sum(len(item.effects) for item in [timeline.tracks, *items] if hasattr(item, "effects")),
        generative_items=sum(generated.is_generative(clip) for clip in clips),
        media_references=references,
        duration=timeline.duration(),
    )
