"""What a media file is, as the rest of the editor sees it. Produced by `probe()`, consumed everywhere."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional


@dataclass(frozen=True)
class AudioStreamInfo:
    index: int  # stream index in the container
    codec: str
    sample_rate: int
    channels: int
    layout: str  # "mono", "stereo", "5.1", ...
    duration_s: float


@dataclass(frozen=True)
class MediaInfo:
    path: str
    kind: str  # "video", "audio" or "image"
    width: int  # display size: rotation and sample aspect ratio applied
    height: int
    coded_width: int
    coded_height: int
    fps: Optional[Fraction]  # exact rate; None for audio-only files and still images
    frame_count: int  # from the stream timestamps; 1 for a still image, 0 for audio-only
    duration_s: float
    rotation: int = 0  # degrees the picture is turned to be upright: 0, 90, 180 or 270
    sample_aspect: Fraction = Fraction(1)
    variable_frame_rate: bool = False
    codec: str = ""
    pix_fmt: str = ""
    bit_depth: int = 8
    has_alpha: bool = False
    start_timecode: Optional[str] = None  # "HH:MM:SS:FF" from the container or stream tags
    start_time_s: float = 0.0  # first video timestamp
    audio: tuple[AudioStreamInfo, ...] = field(default_factory=tuple)
    # how the picture's numbers are read (`media.colour`), named as ffprobe names them
    matrix: str = ""  # "bt709", "bt470bg", "bt2020nc", ...
    colour_range: str = ""  # "limited" or "full"
    primaries: str = ""  # "bt709", "bt2020", ...
    transfer: str = ""  # "bt709", "arib-std-b67" (HLG), "smpte2084" (PQ), ...
    hdr: bool = False  # HLG or PQ: tone-mapped onto the SDR timeline

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)

    @property
    def audio_rate(self) -> Optional[int]:
        return self.audio[0].sample_rate if self.audio else None
