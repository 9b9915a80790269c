"""Frame index of a video stream, built from packet timestamps (never from header fields).

Frame ``i`` of a stream is the packet with the ``i``-th smallest presentation timestamp. The index holds
those timestamps in presentation order and the timestamps of the keyframes, which is all a reader needs to
seek to the keyframe at or before any frame and decode forward to it, B-frames and open GOPs included.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np

INDEX_VERSION = 1


@dataclass(frozen=True)
class FrameIndex:
    time_base: Fraction
    pts: np.ndarray  # int64, presentation timestamps in presentation order (strictly increasing)
    keyframe_pts: np.ndarray  # int64, presentation timestamps of keyframes, increasing
    last_duration: int  # duration of the last frame in time_base units (0 when unknown)
    complete: bool = True  # False when demuxing stopped at damage (a truncated or corrupt file)

    @property
    def frame_count(self) -> int:
        return int(self.pts.size)

    def seconds(self, pts: int) -> float:
        return float(pts * self.time_base)

    def frame_at_pts(self, pts: int) -> int:
        """Index of the last frame whose timestamp is <= ``pts`` (clamped to 0)."""
        return max(0, int(np.searchsorted(self.pts, pts, side="right")) - 1)

    def seek_pts_for(self, frame_index: int) -> int:
        """Timestamp of the keyframe at or before frame ``frame_index`` (the first frame if none)."""
        target = int(self.pts[frame_index])
        position = int(np.searchsorted(self.keyframe_pts, target, side="right"))
        return int(self.keyframe_pts[position - 1]) if position else int(self.pts[0])

    def earlier_keyframe(self, pts: int) -> Optional[int]:
        """The keyframe timestamp before ``pts``, for retrying a seek that landed too late."""
        position = int(np.searchsorted(self.keyframe_pts, pts, side="left"))
        return int(self.keyframe_pts[position - 1]) if position else None

    def trimmed(self, max_pts: int) -> "FrameIndex":
        """The index without frames after ``max_pts`` (a damaged tail)."""
        keep = self.pts <= max_pts
        return FrameIndex(self.time_base, self.pts[keep], self.keyframe_pts[self.keyframe_pts <= max_pts],
                          self.last_duration, self.complete)

    def to_json(self) -> str:
        return json.dumps({"version": INDEX_VERSION, "time_base": [self.time_base.numerator,
                           self.time_base.denominator], "pts": self.pts.tolist(),
                           "keyframe_pts": self.keyframe_pts.tolist(), "last_duration": self.last_duration,
                           "complete": self.complete})

    @classmethod
    def from_json(cls, text: str) -> Optional["FrameIndex"]:
        """The index stored in ``text``, or None when it was written by another index version."""
        data = json.loads(text)
        if data.get("version") != INDEX_VERSION:
            return None
        return cls(Fraction(*data["time_base"]), np.asarray(data["pts"], np.int64),
                   np.asarray(data["keyframe_pts"], np.int64), int(data["last_duration"]),
                   bool(data["complete"]))


def scan_video_packets(container, stream) -> FrameIndex:
    """Demux every packet of ``stream`` (no decoding) and index their timestamps.

    Stops quietly at damage: a truncated file yields the packets before the cut and ``complete=False``."""
    pts_list: list[int] = []
    key_list: list[int] = []
    last_duration = 0
    complete = True
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the flush packet at the end of the stream
                continue
            if packet.is_corrupt:
                complete = False
            timestamp = packet.pts if packet.pts is not None else packet.dts
            if timestamp is None:
                continue
            pts_list.append(timestamp)
            if packet.is_keyframe:
                key_list.append(timestamp)
            last_duration = packet.duration or 0
    except (av.FFmpegError, OSError):
        complete = False
    pts = np.unique(np.asarray(pts_list, np.int64))
    keys = np.unique(np.asarray(key_list, np.int64))
    return FrameIndex(Fraction(stream.time_base), pts, keys, int(last_duration), complete)


def load_index(path: Path) -> Optional[FrameIndex]:
    try:
        return FrameIndex.from_json(path.read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a missing or unreadable cache entry is rebuilt, never fatal
