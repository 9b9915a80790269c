"""Proxies: small, short-GOP H.264 copies of sources for smooth preview and instant scrubbing.

A proxy holds one picture per frame of its source (held frames of a gappy file included), upright and at
display aspect, with no B-frames and a keyframe every `PROXY_GOP` frames, so any frame decodes from at most
that many pictures. Frame ``i`` of a proxy is frame ``i`` of its source; timing always comes from the source.
Export never uses proxies.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from seine_editor.errors import MediaError
from seine_editor.media import cache
from seine_editor.media.colour import COLOUR_VERSION
from seine_editor.media.convert import fit_size
from seine_editor.media.info import MediaInfo
from seine_editor.media.probe import probe
from seine_editor.media.writer import MediaWriter

PROXY_GOP = 6
PROXY_CRF = 23
LONG_GOP_CODECS = ("h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mpeg2video")
FULL_HD_PIXELS = 1920 * 1080


def needs_proxy(info: MediaInfo) -> bool:
    """Whether previewing ``info`` benefits from a proxy: larger than 1080p or an inter-frame (long-GOP) codec."""
    if info.kind != "video":
        return False
    return info.coded_width * info.coded_height > FULL_HD_PIXELS or info.codec in LONG_GOP_CODECS


def proxy_path_for(source, cache_dir) -> Path:
    """Where the proxy of ``source`` lives in the project cache: keyed by path, size and mtime, and by the colour
    conversion its pictures went through (a proxy made by an older one is made again)."""
    return cache.proxies_dir(cache_dir) / f"{cache.source_key(source)}-c{COLOUR_VERSION}.mp4"


def proxy_size(info: MediaInfo, max_height: int) -> tuple[int, int]:
    """Display aspect kept, no taller than ``max_height`` (never enlarged), even sides for yuv420p."""
    width, height = fit_size(info.width, info.height, max_height=min(max_height, info.height))
    return max(2, width - width % 2), max(2, height - height % 2)


def make_proxy(source, cache_dir, *, max_height: int = 540,
               on_progress: Optional[Callable[[int, int], None]] = None,
               cancelled: Optional[Callable[[], bool]] = None) -> Optional[Path]:
    """Write the proxy of ``source`` into ``cache_dir/proxies`` and return its path.

    An existing proxy is reused. ``on_progress(done, total)`` is called every few frames; when ``cancelled()``
    turns true the partial proxy is removed and None is returned. The file appears only when complete."""
    from seine_editor.media.reader import FrameReader

    info = source if isinstance(source, MediaInfo) else probe(source)
    if info.kind != "video":
        raise MediaError(info.path, f"a proxy is made for video files; this is {info.kind}")
    target = proxy_path_for(info.path, cache_dir)
    if target.exists():
        return target
    width, height = proxy_size(info, max_height)
    writer = MediaWriter(target, width=width, height=height, fps=info.fps, codec="h264", preset="draft",
                         crf=PROXY_CRF, metadata={"seine_proxy_of": Path(info.path).name},
                         encoder_options={"g": str(PROXY_GOP), "bf": "0", "x264-params": "scenecut=0"})
    with writer, FrameReader(info, cache_dir=cache_dir, cache_bytes=0) as reader:
        for index in range(info.frame_count):
            if cancelled is not None and cancelled():
                writer.abort()
                return None
            writer.write_frame(reader.frame(index, size=(width, height)))
            if on_progress is not None and (index % 10 == 9 or index == info.frame_count - 1):
                on_progress(index + 1, info.frame_count)
    return target
