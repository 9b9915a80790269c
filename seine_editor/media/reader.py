"""`FrameReader`: the exact frame by index, from any file PyAV can decode (modelled on torchcodec's VideoDecoder).

Frame ``i`` is defined by the packet timestamps (see `index.py`), never by a float time: a read seeks to the
keyframe at or before frame ``i`` and decodes forward until the frame with frame ``i``'s timestamp comes out,
so random-order reads give exactly what sequential decoding gives, with B-frames and open GOPs. Reads that
move forward a little keep decoding without a seek, so playback is a straight decode (frame-threaded).

For a constant-rate file the frames are the slots of its rate grid; a rare gap (a dropped frame in an AVI)
holds the frame before it. For a variable-rate file every packet is a frame and `frame_at_time` places by
timestamp. Output is RGB uint8, upright, at display aspect; `size=` asks libav for a smaller picture.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Iterator, Optional, Union

import av
import numpy as np

from seine_editor.errors import MediaError
from seine_editor.media.colour import PictureConverter
from seine_editor.media.convert import to_upright_array
from seine_editor.media.info import MediaInfo
from seine_editor.media.probe import first_frame, main_video_stream, open_container, probe, source_index

DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
SEEK_RETRIES = 3


class FrameCache:
    """LRU of decoded arrays bounded by their total size in bytes. One cache may serve many readers (keys
    carry the file), so a budget holds however many files are open; it is safe to share across threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, key) -> Optional[np.ndarray]:
        with self._lock:
            array = self._items.get(key)
            if array is not None:
                self._items.move_to_end(key)
            return array

    def put(self, key, array: np.ndarray) -> None:
        with self._lock:
            if array.nbytes > self.max_bytes or key in self._items:
                return
            self._items[key] = array
            self._bytes += array.nbytes
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class FrameReader:
    """Exact frames of one media file. Not thread-safe: use one reader per thread.

    ``source``: a path or the `MediaInfo` of it. ``proxy``: a proxy made by `make_proxy` for this source;
    frames then come from the proxy (same frame numbers, smaller pictures) for preview and thumbnails.
    ``cache_dir``: a project cache folder where the timestamp index is kept between sessions.
    ``alpha``: RGBA output (opaque where the source has no alpha).
    ``frame_cache``: a `FrameCache` shared with other readers (one memory budget for all of them) instead
    of a cache of ``cache_bytes`` of its own."""

    def __init__(self, source: Union[str, Path, MediaInfo], *, proxy: Union[str, Path, None] = None,
                 cache_dir: Union[str, Path, None] = None, cache_bytes: int = DEFAULT_CACHE_BYTES,
                 alpha: bool = False, frame_cache: Optional[FrameCache] = None):
        self.info = source if isinstance(source, MediaInfo) else probe(source)
        self.path = Path(self.info.path)
        self.proxy_path = Path(proxy) if proxy is not None else None
        self.alpha = alpha
        self._cache_dir = cache_dir
        self._owns_cache = frame_cache is None
        self._frames = FrameCache(cache_bytes) if frame_cache is None else frame_cache
        self._converter = PictureConverter()  # keeps its swscale context and LUTs from frame to frame
        self._container = None
        self._decoder: Optional[Iterator[av.VideoFrame]] = None
        self._last_pts: Optional[int] = None
        self._last_decoded: Optional[tuple[int, av.VideoFrame]] = None  # (packet, picture)
        if self.info.kind == "audio":
            raise MediaError(self.path, "holds only audio; there are no pictures to read")
        # which file's pictures these are, in a cache shared with other readers (a changed file is another)
        self._cache_tag = (self.proxy_path or self.path, alpha, self.path.stat().st_mtime_ns)
        if self.info.kind == "image":
            self._still = self._decode_still()
            return
        self._open()

    # -- public API -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.info.frame_count

    @property
    def frame_count(self) -> int:
        return self.info.frame_count

    def frame(self, index: int, size: Optional[tuple[int, int]] = None, deep: bool = False) -> np.ndarray:
        """Frame ``index`` as (height, width, 3|4) uint8, or uint16 with ``deep`` (for outputs of more than 8
        bits). ``size`` = (width, height) for a smaller picture."""
        width, height = size or self.output_size
        if self.info.kind == "image":
            if index < 0:
                raise IndexError(f"{self.path}: frame {index} is negative")
            return self._still_at(width, height, deep)
        packet = self._packet_for(index)
        key = (self._cache_tag, packet, width, height, deep)
        array = self._frames.get(key)
        if array is None:
            array = to_upright_array(self._decoded(packet, index), width, height, self._rotation, self.alpha,
                                     self._converter, deep)
            array.setflags(write=False)
            self._frames.put(key, array)
        return array

    __getitem__ = frame

    def decoded_frame(self, index: int) -> av.VideoFrame:
        """Frame ``index`` as libav decoded it (coded size, pixel format and orientation, nothing converted),
        for writers that can take it as it is. The same exact frame `frame` would convert."""
        if self.info.kind == "image":
            raise MediaError(self.path, "is a still image; decoded frames are read from video files only")
        return self._decoded(self._packet_for(index), index)

    def frame_at_time(self, seconds: float, size: Optional[tuple[int, int]] = None) -> np.ndarray:
        """The frame showing at ``seconds`` from the first frame: the last frame whose timestamp is <= it."""
        return self.frame(self.index_at_time(seconds), size)

    def index_at_time(self, seconds: float) -> int:
        if self.info.kind == "image":
            return 0
        if seconds < 0 or seconds >= self.info.duration_s:
            raise IndexError(f"{self.path}: time {seconds:.3f} s is outside the media (0 to "
                             f"{self.info.duration_s:.3f} s)")
        if not self.info.variable_frame_rate:
            return min(self.frame_count - 1, int(seconds * self.info.fps + 1e-9))
        source = self._source_index
        return source.frame_at_pts(int(source.pts[0]) + int(seconds / source.time_base + 1e-6))

    def frames(self, start: int = 0, stop: Optional[int] = None,
               size: Optional[tuple[int, int]] = None) -> Iterator[np.ndarray]:
        """Frames ``start`` to ``stop`` (exclusive) in order, decoded in one forward pass."""
        stop = self.frame_count if stop is None else min(stop, self.frame_count)
        for index in range(start, stop):
            yield self.frame(index, size)

    @property
    def output_size(self) -> tuple[int, int]:
        """Default (width, height): the display size, or the proxy's picture size when reading a proxy."""
        return self._output_size if self.info.kind != "image" else (self.info.width, self.info.height)

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None
        self._decoder = None
        self._last_decoded = None
        if self._owns_cache:
            self._frames.clear()

    def __enter__(self) -> "FrameReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- opening ----------------------------------------------------------------------------------------
    def _open(self) -> None:
        self._source_index = source_index(self.path, self._cache_dir)
        decode_path = self.proxy_path or self.path
        self._container = open_container(decode_path)
        self._stream = main_video_stream(self._container)
        if self._stream is None:
            raise MediaError(decode_path, "has no video stream")
        self._stream.thread_type = "AUTO"
        self._index = (self._source_index if self.proxy_path is None
                       else source_index(self.proxy_path, self._cache_dir))
        if self.proxy_path is not None:
            if self._index.frame_count != self.frame_count:
                raise MediaError(self.proxy_path, f"proxy has {self._index.frame_count} frames but its source "
                                 f"{self.path} has {self.frame_count}; remake the proxy")
            picture = first_frame(self.proxy_path, self._container, self._stream)
            self._output_size, self._rotation = (picture.width, picture.height), 0
        else:
            self._output_size, self._rotation = (self.info.width, self.info.height), self.info.rotation
        self._ticks_per_frame = float(1 / (self.info.fps * self._source_index.time_base))

    # -- decoding ---------------------------------------------------------------------------------------
    def _packet_for(self, index: int) -> int:
        """Position in the decoded file's index of the picture shown as frame ``index``."""
        if not 0 <= index < self.frame_count:
            raise IndexError(f"{self.path}: frame {index} is out of range; the media has frames 0 to "
                             f"{self.frame_count - 1}")
        if self.proxy_path is not None or self.info.variable_frame_rate:
            return index
        source = self._source_index
        slot_pts = source.pts[0] + index * self._ticks_per_frame
        return int(np.searchsorted(source.pts, slot_pts + self._ticks_per_frame / 2, side="right")) - 1

    def _decoded(self, packet: int, index: int) -> av.VideoFrame:
        """The picture at ``packet``; the last one decoded is kept, so asking again does not decode again."""
        if self._last_decoded is not None and self._last_decoded[0] == packet:
            return self._last_decoded[1]
        frame = self._decode(packet, index)
        self._last_decoded = (packet, frame)
        return frame

    def _decode(self, packet: int, index: int) -> av.VideoFrame:
        target_pts = int(self._index.pts[packet])
        if self._follows_last(packet) or self._can_continue_to(target_pts):
            frame = self._decode_forward(target_pts)
            if frame is not None:
                return frame
        seek_pts: Optional[int] = self._index.seek_pts_for(packet)
        for _ in range(SEEK_RETRIES):
            self._seek(seek_pts)
            frame = self._decode_forward(target_pts)
            if frame is not None:
                return frame
            seek_pts = self._index.earlier_keyframe(seek_pts)  # the seek landed after the target
            if seek_pts is None:
                break
        raise MediaError(self.proxy_path or self.path, f"frame {index} cannot be decoded")

    def _follows_last(self, packet: int) -> bool:
        """Whether ``packet`` is the picture right after the last one decoded (playback): decode on."""
        return (self._decoder is not None and self._last_pts is not None and packet > 0
                and int(self._index.pts[packet - 1]) == self._last_pts)

    def _can_continue_to(self, target_pts: int) -> bool:
        """Whether decoding on from the current position reaches ``target_pts`` no later than a seek would."""
        if self._decoder is None or self._last_pts is None or target_pts <= self._last_pts:
            return False
        keys = self._index.keyframe_pts
        next_key = keys[np.searchsorted(keys, self._last_pts, side="right"):][:1]
        target_key = self._index.seek_pts_for(int(np.searchsorted(self._index.pts, target_pts)))
        return not next_key.size or target_key <= int(next_key[0])

    def _seek(self, pts: int) -> None:
        try:
            self._container.seek(pts, stream=self._stream, backward=True)
        except av.FFmpegError:
            self._rewind()  # some files (no cues, no index) cannot seek: decode from the start instead
        self._decoder = self._container.decode(self._stream)
        self._last_pts = None

    def _rewind(self) -> None:
        path = self.proxy_path or self.path
        self._container.close()
        self._container = open_container(path)
        self._stream = main_video_stream(self._container)
        self._stream.thread_type = "AUTO"

    def _decode_forward(self, target_pts: int) -> Optional[av.VideoFrame]:
        """Decode until the frame at ``target_pts``; None when the stream passes it or ends first."""
        try:
            for frame in self._decoder:
                if frame.pts is None:
                    continue
                if self._last_pts is None and frame.pts > target_pts:
                    return None  # the first picture after the seek is already too late
                self._last_pts = frame.pts
                if frame.pts == target_pts:
                    return frame
                if frame.pts > target_pts:
                    return None
        except av.FFmpegError:
            self._decoder = None  # damaged data: the next read seeks afresh
            return None
        self._decoder = None
        return None

    # -- still images -----------------------------------------------------------------------------------
    def _decode_still(self) -> av.VideoFrame:
        with open_container(self.path) as container:
            return first_frame(self.path, container, main_video_stream(container))

    def _still_at(self, width: int, height: int, deep: bool) -> np.ndarray:
        key = (self._cache_tag, 0, width, height, deep)
        array = self._frames.get(key)
        if array is None:
            array = to_upright_array(self._still, width, height, self.info.rotation, self.alpha, deep=deep)
            array.setflags(write=False)
            self._frames.put(key, array)
        return array


def open_reader(source, cache_dir=None, *, prefer_proxy: bool = True, **options) -> FrameReader:
    """A reader for preview and thumbnails: through the source's proxy in ``cache_dir`` when one exists.
    ``source``: a path or its `MediaInfo` (not probed again). Export opens `FrameReader(path)` directly so it
    always reads the original."""
    info = source if isinstance(source, MediaInfo) else probe(source)
    proxy = None
    if prefer_proxy and cache_dir is not None and info.kind == "video":
        from seine_editor.media.proxy import proxy_path_for

        candidate = proxy_path_for(info.path, cache_dir)
        proxy = candidate if candidate.exists() else None
    return FrameReader(info, proxy=proxy, cache_dir=cache_dir, **options)
