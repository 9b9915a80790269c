"""OpenTimelineIO bundles: `.otioz` (a zip of content.otio and media/) and `.otiod` (the same as a folder).

A bundle's media is unpacked beside it (``story.otioz`` -> ``story.otioz-media/``), or into the user's cache when
that folder cannot be written, and its references resolve there. A bundle comes from elsewhere, so unpacking trusts
nothing in it: an entry with an absolute path or ``..`` (zip slip), a link, more than MAX_UNPACKED_BYTES in all, or
an entry compressed beyond MAX_COMPRESSION_RATIO (a zip bomb) is refused by name before anything is written, and
every write is checked to land inside the target folder and to stop at the size the entry declared."""
from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from seine_editor.errors import ProjectFileError

MAX_UNPACKED_BYTES = 64 * 1024 ** 3  # what a bundle may hold in all
MAX_COMPRESSION_RATIO = 200  # media hardly compresses; text and blank frames stay far below this
RATIO_CHECKED_FROM = 1024 ** 2  # small entries (content.otio) may compress well
CONTENT = "content.otio"
MEDIA = "media/"
_CHUNK = 1024 ** 2


def bundle_content(folder: Path) -> Path:
    """The content.otio of an `.otiod` folder."""
    content = folder / CONTENT
    if not content.is_file():
        raise ProjectFileError(folder, f"is a folder, not a timeline file or an .otiod bundle (no {CONTENT} in it)")
    return content


def default_unpack_folder(bundle: Path) -> Path:
    """Where a bundle's media goes: beside it if that folder can be written, else the user's cache."""
    beside = bundle.with_name(f"{bundle.name}-media")
    if os.access(bundle.parent, os.W_OK) or beside.is_dir():
        return beside
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seine-editor" / "bundles"
    return cache / hashlib.blake2b(str(bundle.resolve()).encode(), digest_size=8).hexdigest()


def read_content(bundle: zipfile.ZipFile, path: Path) -> bytes:
    check_entries(bundle, path)
    try:
        info = bundle.getinfo(CONTENT)
    except KeyError:
        raise ProjectFileError(path, f"the .otioz bundle has no {CONTENT}") from None
    return _read_entry(bundle, info, path)


def check_entries(bundle: zipfile.ZipFile, path: Path) -> None:
    """Refuse a bundle holding an entry that would land outside its folder, a link, or a zip bomb."""
    total = 0
    for info in bundle.infolist():
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or ".." in parts:
            raise ProjectFileError(path, f"bundle entry {name!r} points outside the bundle; refused")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ProjectFileError(path, f"bundle entry {name!r} is a link; bundles hold plain files only")
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise ProjectFileError(path, f"the bundle unpacks to more than {_size(MAX_UNPACKED_BYTES)}; refused at "
                                         f"entry {name!r}")
        if info.file_size >= RATIO_CHECKED_FROM and info.file_size > MAX_COMPRESSION_RATIO * max(1, info.compress_size):
            raise ProjectFileError(path, f"bundle entry {name!r} is compressed {info.file_size // max(1, info.compress_size)}"
                                         f":1, beyond the {MAX_COMPRESSION_RATIO}:1 a media file can be; refused")


def unpack_media(bundle: zipfile.ZipFile, path: Path, target: Path) -> None:
    """Write the bundle's media/ entries under ``target`` (entries already there at their size are kept)."""
    check_entries(bundle, path)
    root = target.resolve()
    for info in bundle.infolist():
        if not info.filename.startswith(MEDIA) or info.is_dir():
            continue
        destination = (target / info.filename).resolve()
        if root not in destination.parents:
            raise ProjectFileError(path, f"bundle entry {info.filename!r} points outside the bundle; refused")
        if destination.is_file() and not destination.is_symlink() and destination.stat().st_size == info.file_size:
            continue
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            temporary = destination.with_name(f".{destination.name}.part")
            with bundle.open(info) as source, open(temporary, "wb") as out:
                _copy_bounded(source, out, info, path)
            os.replace(temporary, destination)
        except OSError as error:
            raise ProjectFileError(path, f"cannot unpack {info.filename!r} into {target}: "
                                         f"{error.strerror or error}") from None
        finally:
            if temporary.exists():
                temporary.unlink()


def _read_entry(bundle: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    with bundle.open(info) as source:
        data = source.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise ProjectFileError(path, f"bundle entry {info.filename!r} holds more than the size it declares; refused")
    return data


def _copy_bounded(source, out, info: zipfile.ZipInfo, path: Path) -> None:
    written = 0
    while chunk := source.read(_CHUNK):
        written += len(chunk)
        if written > info.file_size:
            raise ProjectFileError(path, f"bundle entry {info.filename!r} holds more than the size it declares; "
                                         "refused")
        out.write(chunk)


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} bytes"
