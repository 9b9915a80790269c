"""The project cache folder: generated clips, proxies, thumbnails and frame indexes, addressed by content.

Layout under a project's cache folder::

    generated/   baked results of generative items
    proxies/     reduced-resolution, short-GOP copies of sources for preview
    thumbnails/  small stills for the media bin and the timeline
    indexes/     packet timestamp indexes of sources, so reopening a file does not rescan it

A source is addressed by `source_key` (path, size and modification time), which changes whenever the file
does; frames are addressed by `frames_digest` (their bytes). Every write is atomic: a temp file in the same
folder, flushed and fsynced, then renamed over the target, so a crash never leaves a half-written entry. A generated
entry is also sealed (its size and hash beside it) and checked against its seal before it is reused, so an entry a
copy, a disk or a person damaged is made again rather than shown; copies go file by file, atomically.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

SUBFOLDERS = ("generated", "proxies", "thumbnails", "indexes")


def cache_subdir(cache_dir, kind: str) -> Path:
    """``cache_dir/kind``, created on first use. ``kind`` is one of `SUBFOLDERS`."""
    if kind not in SUBFOLDERS:
        raise ValueError(f"cache folder kind {kind!r} is not one of {', '.join(SUBFOLDERS)}")
    folder = Path(cache_dir) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def generated_dir(cache_dir) -> Path:
    return cache_subdir(cache_dir, "generated")


def proxies_dir(cache_dir) -> Path:
    return cache_subdir(cache_dir, "proxies")


def thumbnails_dir(cache_dir) -> Path:
    return cache_subdir(cache_dir, "thumbnails")


def indexes_dir(cache_dir) -> Path:
    return cache_subdir(cache_dir, "indexes")


def source_key(path) -> str:
    """Stable 20-hex-digit key of a source file: its resolved path, size and modification time (ns).
    Editing or replacing the file gives a new key, so stale proxies and indexes are never reused."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    text = f"{resolved}\0{stat.st_size}\0{stat.st_mtime_ns}"
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()


def frames_digest(frames: np.ndarray) -> str:
    """Content hash of an array of frames (any shape, dtype included), for generated results."""
    array = np.ascontiguousarray(frames)
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{array.dtype.str}{array.shape}".encode())
    digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


@contextmanager
def atomic_path(target, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path beside ``target``; on success it is renamed onto ``target``, on error removed.
    The temp name keeps the target's suffix so muxers that pick a format from it still work."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix or target.suffix,
                                     dir=target.parent)
    os.close(fd)
    temp = Path(temp_name)
    os.chmod(temp, default_file_mode())
    try:
        yield temp
        _fsync_file(temp)
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()


def atomic_write_bytes(target, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as temp:
        temp.write_bytes(data)
    return Path(target)


def default_file_mode() -> int:
    """Permissions a plainly created file gets (mkstemp makes private 0600 files)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_file(path: Path) -> None:
    if path.is_file():
        with open(path, "rb+") as handle:
            os.fsync(handle.fileno())


# -- sealed entries: a generated result is trusted only if it is what was written ---------------------------------

SEAL_SUFFIX = ".seal"  # beside each generated entry: its size and content hash, written after it


def file_digest(path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def seal_path(entry) -> Path:
    entry = Path(entry)
    return entry.with_name(entry.name + SEAL_SUFFIX)


def seal(entry) -> Path:
    """Record ``entry``'s size and content hash beside it (atomically), after the entry itself is in place."""
    entry = Path(entry)
    record = {"size": entry.stat().st_size, "blake2b": file_digest(entry)}
    return atomic_write_bytes(seal_path(entry), json.dumps(record).encode())


def intact(entry) -> bool | None:
    """True when ``entry`` matches its seal, False when it does not (truncated, changed, its seal unreadable), None
    when it has no seal (an entry written before seals existed, or not a cache entry)."""
    entry, record_path = Path(entry), seal_path(entry)
    if not record_path.exists():
        return None
    try:
        record = json.loads(record_path.read_text())
        return entry.stat().st_size == record["size"] and file_digest(entry) == record["blake2b"]
    except (OSError, ValueError, KeyError, TypeError):
        return False


def copy_entry(source, target) -> Path:
    """Copy one file atomically (a temp file beside ``target``, fsynced, renamed), its seal along with it."""
    with atomic_path(target) as temp:
        shutil.copyfile(source, temp)
    if seal_path(source).exists():
        with atomic_path(seal_path(target)) as temp:
            shutil.copyfile(seal_path(source), temp)
    return Path(target)


def copy_tree(source, target, leave: tuple[str, ...] = ()) -> None:
    """Copy a cache folder file by file with `copy_entry` (subfolders named in ``leave`` left behind), so a full
    disk or a kill mid-copy leaves no entry half-written under its final name."""
    source, target = Path(source), Path(target)
    for folder, names, files in os.walk(source):
        here = Path(folder)
        if here == source:
            names[:] = [n for n in names if n not in leave]
        for name in files:
            if name.endswith(SEAL_SUFFIX) or name.startswith("."):
                continue  # seals travel with their entries; dot files are temporaries
            copy_entry(here / name, target / here.relative_to(source) / name)
