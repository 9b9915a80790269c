"""`probe(path) -> MediaInfo`: what a file holds, read from its content (never from its name).

Frame count, duration and frame rate come from the packet timestamps, so a wrong header, a variable frame
rate or a truncated file are reported as they are. Every failure is a `MediaError` naming the file and the
reason in plain words; libav's own log is kept quiet.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import av.logging
import numpy as np

from seine_editor.errors import MediaError
from seine_editor.media.colour import ColourTags
from seine_editor.media.index import FrameIndex, scan_video_packets
from seine_editor.media.index_store import shared_index_store
from seine_editor.media.info import AudioStreamInfo, MediaInfo

MIN_SIDE = 2
MAX_PIXELS = 100_000_000
MAX_HELD_SHARE = 0.1  # at most this share of a constant-rate grid may be gaps (dropped frames)
DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 6: "5.1", 8: "7.1"}
# Containers whose single picture is a still image rather than a one-frame video.
IMAGE_FORMATS = ("image2", "image2pipe")
IMAGE_CODECS = ("png", "mjpeg", "webp", "bmp", "tiff", "jpeg2000", "targa", "sgi", "exr", "dpx", "qoi",
                "pam", "ppm", "pgm", "pbm", "jpegxl", "hdr", "psd")


def silence_libav() -> None:
    """Keep libav from flooding the terminal; our errors carry their own reasons."""
    av.logging.set_level(None)
    av.logging.set_libav_level(av.logging.PANIC)


def open_container(path: Path):
    """Open ``path`` for reading or raise MediaError with a plain reason."""
    check_file(path)
    silence_libav()
    try:
        return av.open(str(path), metadata_errors="ignore")
    except av.FFmpegError as error:
        raise MediaError(path, "not a video, audio or image file that can be read "
                         f"(FFmpeg: {_ffmpeg_reason(error)})") from None


def check_file(path: Path) -> None:
    if not path.exists():
        raise MediaError(path, "file not found")
    if path.is_dir():
        raise MediaError(path, "is a folder, not a media file")
    if path.stat().st_size == 0:
        raise MediaError(path, "file is empty (0 bytes)")


def probe(path) -> MediaInfo:
    """Describe the media file at ``path``. Raises MediaError when it cannot be used."""
    path = Path(path)
    with open_container(path) as container:
        video = main_video_stream(container)
        audio = tuple(_audio_stream_info(path, s) for s in container.streams.audio)
        if video is None:
            if not audio:
                raise MediaError(path, "contains no video, audio or image stream")
            return _audio_only_info(path, container, audio)
        _check_decoder(path, video)
        if _is_still_image(container, video):
            return _image_info(path, container, video)
        return _video_info(path, container, video, audio)


def main_video_stream(container):
    """The first video stream that is not a cover picture, or None."""
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _is_still_image(container, stream) -> bool:
    name = container.format.name
    return name in IMAGE_FORMATS or name.endswith("_pipe") or (
        stream.codec_context.name in IMAGE_CODECS and (stream.frames or 0) <= 1 and not stream.average_rate)


def _check_decoder(path: Path, stream) -> None:
    if stream.codec_context is None or not stream.codec_context.codec.name:
        raise MediaError(path, f"video codec {stream.codec.name if stream.codec else 'unknown'!s} "
                         "is not supported (no decoder available)")


def first_frame(path: Path, container, stream):
    """Decode the first picture of ``stream``, or raise MediaError saying why it cannot be decoded."""
    try:
        for frame in container.decode(stream):
            return frame
    except av.FFmpegError as error:
        raise MediaError(path, f"the {stream.codec_context.name} video stream cannot be decoded "
                         f"(FFmpeg: {_ffmpeg_reason(error)})") from None
    raise MediaError(path, f"the {stream.codec_context.name} video stream holds no decodable picture")


def display_geometry(width: int, height: int, rotation: int, sample_aspect: Fraction) -> tuple[int, int]:
    """Upright display size: the sample aspect ratio stretches the coded width, rotation swaps sides."""
    display_width = max(1, round(width * sample_aspect))
    if rotation in (90, 270):
        return height, display_width
    return display_width, height


def clockwise_rotation(frame) -> int:
    """Degrees clockwise the decoded picture must turn to be upright (display matrix or EXIF orientation)."""
    return int(round(-frame.rotation)) % 360 // 90 * 90


def _picture_facts(path: Path, container, stream) -> dict:
    frame = first_frame(path, container, stream)
    width, height = frame.width, frame.height
    if width < MIN_SIDE or height < MIN_SIDE or width * height > MAX_PIXELS:
        raise MediaError(path, f"picture size {width}x{height} is not supported; allowed sizes are from "
                         f"{MIN_SIDE}x{MIN_SIDE} up to {MAX_PIXELS // 1_000_000} megapixels")
    sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    sample_aspect = Fraction(sar) if sar and sar > 0 else Fraction(1)
    rotation = clockwise_rotation(frame)
    display_width, display_height = display_geometry(width, height, rotation, sample_aspect)
    pix_fmt = frame.format.name
    components = av.VideoFormat(pix_fmt).components
    colour = ColourTags.of(frame).describe()
    return dict(width=display_width, height=display_height, coded_width=width, coded_height=height,
                rotation=rotation, sample_aspect=sample_aspect, codec=codec_name(stream),
                pix_fmt=pix_fmt, bit_depth=max(c.bits for c in components),
                has_alpha=len(components) in (2, 4), matrix=colour["matrix"], colour_range=colour["range"],
                primaries=colour["primaries"], transfer=colour["transfer"], hdr=colour["hdr"])


def _image_info(path: Path, container, stream) -> MediaInfo:
    facts = _picture_facts(path, container, stream)
    return MediaInfo(path=str(path), kind="image", fps=None, frame_count=1, duration_s=0.0, **facts)


def _video_info(path: Path, container, stream, audio: tuple[AudioStreamInfo, ...]) -> MediaInfo:
    facts = _picture_facts(path, container, stream)
    index = source_index(path)
    if index.frame_count == 0:
        raise MediaError(path, f"the {facts['codec']} video stream has no frames")
    grid = frame_grid(index, stream)
    if grid.fps <= 0:
        raise MediaError(path, "the frame rate is 0 or cannot be determined from the timestamps")
    return MediaInfo(path=str(path), kind="video", fps=grid.fps, frame_count=grid.frame_count,
                     duration_s=media_duration(index, grid), variable_frame_rate=grid.variable,
                     start_timecode=start_timecode(container), start_time_s=index.seconds(int(index.pts[0])),
                     audio=audio, **facts)


def source_index(path, cache_dir=None) -> FrameIndex:
    """The frame index of the main video stream of ``path``, scanned once per version of the file in this
    process (probe and readers share it; see `index_store`) and kept in ``cache_dir`` when one is given."""
    return shared_index_store().get(path, scan_source, cache_dir)


def scan_source(path: Path) -> FrameIndex:
    """Demux every packet of the main video stream of ``path``; a damaged file is cut at its last good frame."""
    with open_container(path) as container:  # a fresh demuxer: rewinding by seeking fails on files without cues
        stream = main_video_stream(container)
        if stream is None:
            raise MediaError(path, "has no video stream")
        index = scan_video_packets(container, stream)
        if index.frame_count and not index.complete:
            index = decodable_part(path, container, stream, index)
    return index


def decodable_part(path: Path, container, stream, index: FrameIndex) -> FrameIndex:
    """For a damaged file: decode from the last keyframe and drop the frames after the last good one."""
    last_key = int(index.keyframe_pts[-1]) if index.keyframe_pts.size else int(index.pts[0])
    last_good: Optional[int] = None
    try:
        container.seek(last_key, stream=stream, backward=True)
        for frame in container.decode(stream):
            if frame.pts is not None:
                last_good = frame.pts if last_good is None else max(last_good, frame.pts)
    except av.FFmpegError:
        pass  # the damage itself; the frames before it are what the file really holds
    trimmed = index.trimmed(last_good if last_good is not None else last_key - 1)
    if trimmed.frame_count == 0:
        raise MediaError(path, "the file is damaged and holds no decodable frame")
    return trimmed


@dataclass(frozen=True)
class FrameGrid:
    """How frame numbers map to timestamps: a constant-rate grid (held frames fill rare gaps, as in AVI
    files with dropped frames) or, for a variable rate, one frame per packet."""
    fps: Fraction
    variable: bool
    frame_count: int


def frame_grid(index: FrameIndex, stream) -> FrameGrid:
    """Exact rate, whether it varies and the frame count, judged from the timestamps.

    A header rate (or the rate of the typical frame step) is accepted when every timestamp lies within one
    tick (or 2% of a frame) of that rate's grid and at most `MAX_HELD_SHARE` of the grid slots are gaps.
    Otherwise the rate is variable, the average rate is reported and each packet is a frame."""
    pts = index.pts
    if pts.size < 2:
        rate = stream.average_rate or stream.base_rate or stream.guessed_rate
        return FrameGrid(Fraction(rate) if rate else Fraction(0), False, int(pts.size))
    steps = np.diff(pts)
    median_step = Fraction(int(np.sort(steps)[steps.size // 2])) * index.time_base
    candidates = [stream.average_rate, stream.base_rate, stream.guessed_rate,
                  (1 / median_step).limit_denominator(1001) if median_step else None]
    for rate in candidates:
        if rate and rate > 0:
            slots = _grid_slots(pts, Fraction(rate), index.time_base)
            if slots is not None:
                return FrameGrid(Fraction(rate), False, slots)
    span = Fraction(int(pts[-1] - pts[0])) * index.time_base
    return FrameGrid((Fraction(pts.size - 1) / span).limit_denominator(1001), True, int(pts.size))


def _grid_slots(pts: np.ndarray, rate: Fraction, time_base: Fraction) -> Optional[int]:
    """Number of grid slots from the first to the last timestamp, or None when ``pts`` is not on the grid."""
    ticks_per_frame = float(1 / (rate * time_base))
    tolerance = max(1.0, 0.02 * ticks_per_frame)
    position = (pts - pts[0]) / ticks_per_frame
    slot = np.rint(position)
    if np.abs(position - slot).max() * ticks_per_frame > tolerance or np.unique(slot).size != pts.size:
        return None
    slots = int(slot[-1]) + 1
    return slots if slots - pts.size <= MAX_HELD_SHARE * slots else None


def media_duration(index: FrameIndex, grid: FrameGrid) -> float:
    """From the first frame's timestamp to the end of the last frame."""
    if not grid.variable:
        return float(grid.frame_count / grid.fps)
    last = index.last_duration if index.last_duration > 0 else 1 / (grid.fps * index.time_base)
    return float((int(index.pts[-1] - index.pts[0]) + Fraction(last)) * index.time_base)


def start_timecode(container) -> Optional[str]:
    """Source timecode from the container tags or any stream's (QuickTime tmcd tracks included)."""
    for tags in [container.metadata] + [s.metadata for s in container.streams]:
        value = tags.get("timecode")
        if value:
            return value
    return None


def _audio_stream_info(path: Path, stream) -> AudioStreamInfo:
    context = stream.codec_context
    if stream.duration is not None and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    else:
        duration = float(stream.container.duration or 0) / av.time_base
    layout = context.layout.name if context.layout else ""
    if not layout or layout.endswith("channels"):
        layout = DEFAULT_LAYOUTS.get(context.channels, layout or f"{context.channels} channels")
    return AudioStreamInfo(index=stream.index, codec=codec_name(stream), sample_rate=context.sample_rate or 0,
                           channels=context.channels, layout=layout, duration_s=duration)


def _audio_only_info(path: Path, container, audio: tuple[AudioStreamInfo, ...]) -> MediaInfo:
    if not audio[0].sample_rate:
        raise MediaError(path, f"the {audio[0].codec} audio stream has no sample rate")
    duration = audio[0].duration_s or _scanned_audio_duration(container, container.streams.audio[0])
    return MediaInfo(path=str(path), kind="audio", width=0, height=0, coded_width=0, coded_height=0,
                     fps=None, frame_count=0, duration_s=duration, codec=audio[0].codec,
                     start_timecode=start_timecode(container), audio=audio)


def _scanned_audio_duration(container, stream) -> float:
    end = 0
    try:
        for packet in container.demux(stream):
            if packet.pts is not None:
                end = max(end, packet.pts + (packet.duration or 0))
    except av.FFmpegError:
        pass  # a damaged tail: the duration up to the damage
    return float(end * stream.time_base)


def codec_name(stream) -> str:
    """The format's name for the codec ("av1", "mp3"), not the decoder library's ("libdav1d")."""
    return stream.codec_context.codec.canonical_name or stream.codec_context.name


def _ffmpeg_reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)
