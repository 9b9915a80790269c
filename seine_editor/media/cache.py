"""The project cache folder: generated clips, proxies, thumbnails and frame indexes, addressed by content.

Layout under a project's cache folder::

    generated/   baked results of generative items
    proxies/     reduced-resolution, short-GOP copies of sources for preview
    thumbnails/  small stills for the media bin and the timeline
    indexes/     packet timestamp indexes of sources, so reopening a file does not rescan it

A source is addressed by `source_key` (path, size and modification time), which changes whenever the file
does; frames are addressed by `frames_digest` (their bytes). Every write is atomic: a temp file in the same
folder, flushed and fsynced, then renamed over the target, so a crash never leaves a half-written entry.
"""
from __future__ import annotations

import hashlib
import os
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
