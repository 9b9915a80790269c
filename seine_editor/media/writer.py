"""`MediaWriter`: stream RGB frames (and float audio) into a video file or a PNG sequence.

Used by the renderer and by generation jobs. The file appears only when it is complete: everything is written
under a temp name beside the target and renamed on `close()`; `abort()` (or an exception inside a ``with``
block) removes the temp file and leaves any earlier file at the target untouched.

Codecs (``codec=``):

- ``"h264"`` (libx264, .mp4/.mov/.mkv): ``preset`` "draft" (ultrafast, CRF 26), "standard" (veryfast, CRF 20)
  or "high" (medium, CRF 17); ``crf`` overrides. yuv420p by default, so width and height must be even.
- ``"prores"`` (prores_ks profile 3 = 422 HQ, yuv422p10le, .mov) with PCM audio by default.
- ``"mjpeg"`` (.mov/.mkv), all-intra, quality from ``crf`` (2 best .. 31).
- ``"png"``: a PNG sequence; ``path`` is a folder that will hold ``frame_000000.png``, ... (no audio).

``encoder_options`` are passed to the encoder on top of the preset's (e.g. ``{"g": "6", "bf": "0"}``).

Frames are (height, width, 3) uint8 RGB ((height, width, 4) RGBA for pixel formats with alpha) in the working
space: BT.709 primaries and transfer, tagged so. Pictures 720 lines or taller are encoded with the BT.709 matrix,
smaller ones with BT.601's, in limited range, and tagged with the matrix they use. MP4 and MOV files have their
index at the front (faststart).
Audio is float32 (channels, samples) in -1..1 at ``audio_rate``.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, VideoReformatter

from seine_editor.errors import MediaError, OutputLocationError
from seine_editor.leftovers import remove_leftovers, temporaries_of
from seine_editor.output_location import cannot_write, check_file_target, check_folder_target
from seine_editor.media.cache import default_file_mode
from seine_editor.media.colour import HD_HEIGHT, UNSPECIFIED, ColourTags
from seine_editor.media.probe import silence_libav

H264_PRESETS = {"draft": ("ultrafast", 26), "standard": ("veryfast", 20), "high": ("medium", 17)}
CRF_RANGES = {"h264": (0, 51), "mjpeg": (2, 31)}  # the quality factors libx264 and the JPEG encoder take
PNG_FRAME = re.compile(r"frame_\d{6}\.png")  # what a PNG sequence holds
CONTAINERS = {"h264": (".mp4", ".mov", ".mkv"), "prores": (".mov", ".mkv"), "mjpeg": (".mov", ".mkv"),
              "png": ("",)}
AUDIO_CODECS = ("aac", "pcm_s16le")
BT709, BT601, LIMITED_RANGE = 1, 6, 1  # AVCOL_SPC_BT709 / AVCOL_SPC_SMPTE170M, AVCOL_RANGE_MPEG
BT470BG = 5  # AVCOL_SPC_BT470BG (BT.601 625 lines)


@dataclass(frozen=True)
class VideoSettings:
    """The encoder choices one codec name stands for."""
    encoder: str
    pix_fmt: str
    options: dict


def check_crf(codec: str, crf: Optional[int]) -> None:
    """ValueError naming ``crf`` and the range ``codec`` takes (None: the preset's own)."""
    if crf is None:
        return
    if codec not in CRF_RANGES:
        raise ValueError(f"crf {crf} is not allowed for {codec}, which has no quality factor")
    low, high = CRF_RANGES[codec]
    if isinstance(crf, bool) or not isinstance(crf, int) or not low <= crf <= high:
        raise ValueError(f"crf {crf!r} is not allowed for {codec}: use a whole number from {low} to {high} "
                         "(lower is better)")


def video_settings(codec: str, preset: str, crf: Optional[int], pix_fmt: Optional[str]) -> VideoSettings:
    check_crf(codec, crf)
    if codec == "h264":
        if preset not in H264_PRESETS:
            raise ValueError(f"H.264 preset {preset!r} is not one of {', '.join(H264_PRESETS)}")
        x264_preset, default_crf = H264_PRESETS[preset]
        return VideoSettings("libx264", pix_fmt or "yuv420p",
                             {"preset": x264_preset, "crf": str(default_crf if crf is None else crf)})
    if codec == "prores":
        return VideoSettings("prores_ks", pix_fmt or "yuv422p10le", {"profile": "3", "vendor": "apl0"})
    if codec == "mjpeg":
        quality = 3 if crf is None else crf
        return VideoSettings("mjpeg", pix_fmt or "yuvj422p", {"q:v": str(quality), "qmin": str(quality),
                                                             "qmax": str(quality)})
    if codec == "png":
        return VideoSettings("png", pix_fmt or "rgb24", {})
    raise ValueError(f"codec {codec!r} is not one of {', '.join(CONTAINERS)}")


class MediaWriter:
    """Write frames and audio to ``path``; see the module docstring for codecs and formats."""

    def __init__(self, path, *, width: int, height: int, fps, codec: str = "h264", preset: str = "standard",
                 crf: Optional[int] = None, pix_fmt: Optional[str] = None, audio_rate: Optional[int] = None,
                 audio_channels: int = 2, audio_codec: Optional[str] = None, metadata: Optional[dict] = None,
                 start_timecode: Optional[str] = None, encoder_options: Optional[dict] = None):
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.fps = Fraction(fps)
        self.codec = codec
        self.frames_written = 0
        self.samples_written = 0
        self._closed = False
        self._reformatter = VideoReformatter()  # keeps its swscale context from frame to frame
        try:
            self.settings = video_settings(codec, preset, crf, pix_fmt)
            self.settings.options.update(encoder_options or {})
        except ValueError as error:
            raise MediaError(self.path, str(error)) from None
        self._check_arguments(audio_rate, audio_channels, audio_codec)
        self._check_location()
        silence_libav()
        self._temp = self._make_temp()
        try:
            self._container = self._open_container(metadata or {})
            self._video = self._add_video_stream(start_timecode)
            self._audio = self._add_audio_stream(audio_rate, audio_channels, audio_codec)
        except (av.FFmpegError, ValueError) as error:
            self._remove_temp()
            raise MediaError(self.path, f"cannot start writing {codec}: {_reason(error)}") from None

    # -- setup ------------------------------------------------------------------------------------------
    def _check_arguments(self, audio_rate, audio_channels, audio_codec) -> None:
        suffix = self.path.suffix.lower()
        if suffix not in CONTAINERS[self.codec]:
            allowed = "a folder (no suffix)" if self.codec == "png" else ", ".join(CONTAINERS[self.codec])
            raise MediaError(self.path, f"{self.codec} is written to {allowed}, not {suffix or 'a folder'}")
        if self.width < 2 or self.height < 2:
            raise MediaError(self.path, f"frame size {self.width}x{self.height} is too small (at least 2x2)")
        layout = av.VideoFormat(self.settings.pix_fmt)
        if (layout.chroma_width(64) < 64 and self.width % 2) or (layout.chroma_height(64) < 64 and self.height % 2):
            raise MediaError(self.path, f"frame size {self.width}x{self.height} is odd, but {self.settings.pix_fmt} "
                             "needs an even width and height; pad or crop by one pixel")
        if self.fps <= 0:
            raise MediaError(self.path, f"frame rate {self.fps} must be positive")
        if audio_rate is not None:
            if self.codec == "png":
                raise MediaError(self.path, "a PNG sequence cannot hold audio; write the audio to its own file")
            if audio_codec is not None and audio_codec not in AUDIO_CODECS:
                raise MediaError(self.path, f"audio codec {audio_codec!r} is not one of {', '.join(AUDIO_CODECS)}")
            if audio_channels not in (1, 2) or audio_rate <= 0:
                raise MediaError(self.path, f"audio of {audio_channels} channels at {audio_rate} Hz is not "
                                 "supported; use 1 or 2 channels at a positive rate")

    def _check_location(self) -> None:
        """Refuse, before writing anything, a target that cannot take this output or would lose what is there:
        a movie is a file, a PNG sequence a folder that is new, empty or an earlier sequence (its files replaced)."""
        if self.codec == "png":
            check_folder_target(self.path, PNG_FRAME)
        else:
            check_file_target(self.path, CONTAINERS[self.codec])

    def _make_temp(self) -> Path:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(self.path.parent, temporaries_of(self.path.name) if self.codec == "png"
                             else temporaries_of(self.path.stem, self.path.suffix))  # of killed renders
            if self.codec == "png":
                folder = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", dir=self.path.parent))
                folder.chmod(default_file_mode() | 0o111)
                return folder
            fd, name = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=self.path.suffix,
                                        dir=self.path.parent)
            os.close(fd)
            os.chmod(name, default_file_mode())
            return Path(name)
        except OSError as error:
            raise cannot_write(self.path, error, self.path.parent) from None

    def _open_container(self, metadata: dict):
        if self.codec == "png":
            container = av.open(str(self._temp / "frame_%06d.png"), "w", format="image2",
                                options={"start_number": "0"})
        else:
            # the index before the media (faststart), so a browser plays an .mp4 before all of it has arrived
            options = {"movflags": "use_metadata_tags+faststart"} if self.path.suffix.lower() in (".mp4", ".mov") \
                else {}
            container = av.open(str(self._temp), "w", options=options)
        for key, value in metadata.items():
            container.metadata[str(key)] = str(value)
        return container

    def _add_video_stream(self, start_timecode: Optional[str]):
        stream = self._container.add_stream(self.settings.encoder, rate=self.fps)
        stream.width, stream.height, stream.pix_fmt = self.width, self.height, self.settings.pix_fmt
        stream.time_base = 1 / self.fps
        stream.options = dict(self.settings.options)
        stream.codec_context.thread_count = 0
        if not av.VideoFormat(self.settings.pix_fmt).is_rgb and self.codec != "mjpeg":
            self._colorspace = Colorspace.ITU709 if self.height >= HD_HEIGHT else Colorspace.ITU601
            context = stream.codec_context
            context.colorspace = BT709 if self.height >= HD_HEIGHT else BT601  # the matrix the frames are encoded in
            context.color_primaries, context.color_trc = BT709, BT709  # the working space's, whatever the size
            context.color_range = LIMITED_RANGE
        else:
            self._colorspace = None
        if start_timecode:
            stream.metadata["timecode"] = start_timecode
        return stream

    def _add_audio_stream(self, rate: Optional[int], channels: int, codec: Optional[str]):
        if rate is None:
            return None
        codec = codec or ("pcm_s16le" if self.codec == "prores" else "aac")
        stream = self._container.add_stream(codec, rate=rate)
        stream.layout = "stereo" if channels == 2 else "mono"
        stream.time_base = Fraction(1, rate)
        self._audio_format = stream.codec_context.format.name
        return stream

    # -- writing ----------------------------------------------------------------------------------------
    @property
    def deep(self) -> bool:
        """Whether this file holds more than 8 bits a sample (ProRes: 10), so frames are best given as uint16."""
        return max(c.bits for c in av.VideoFormat(self.settings.pix_fmt).components) > 8

    def write_frame(self, rgb: np.ndarray) -> None:
        """Append one frame: (height, width, 3) RGB, or (height, width, 4) RGBA; uint8, or uint16 (full 0..65535
        scale) for files of more than 8 bits."""
        self._check_open()
        if rgb.dtype not in (np.uint8, np.uint16) or rgb.ndim != 3 or rgb.shape[:2] != (self.height, self.width) \
                or rgb.shape[2] not in (3, 4):
            raise MediaError(self.path, f"frame {self.frames_written} is {rgb.dtype} {tuple(rgb.shape)}; "
                             f"expected uint8 or uint16 ({self.height}, {self.width}, 3 or 4)")
        formats = ("rgb24", "rgba") if rgb.dtype == np.uint8 else ("rgb48le", "rgba64le")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format=formats[rgb.shape[2] == 4])
        if self._colorspace is not None:
            frame = self._reformatter.reformat(frame, format=self.settings.pix_fmt,
                                               dst_colorspace=self._colorspace, dst_color_range=ColorRange.MPEG)
        frame.pts = self.frames_written
        self._encode(self._video, frame)
        self.frames_written += 1

    def accepts_decoded(self, frame: av.VideoFrame) -> bool:
        """Whether a decoded picture can be encoded as it is, with no conversion: the size, pixel format,
        colour matrix and (limited) range this file is written in, and SDR in BT.709-like primaries (a wide-gamut
        or HDR picture needs `media.colour`'s conversion). Anything else goes through `write_frame`."""
        if self._colorspace is None or (frame.width, frame.height) != (self.width, self.height) \
                or frame.format.name != self.settings.pix_fmt or frame.color_range == ColorRange.JPEG \
                or ColourTags.of(frame).method is not None:
            return False
        if frame.colorspace == UNSPECIFIED:
            return True  # read by its height, as this file is written: the same size, so the same matrix
        return frame.colorspace in ((BT709,) if self.height >= HD_HEIGHT else (BT470BG, BT601))

    def write_decoded(self, frame: av.VideoFrame) -> None:
        """Append a decoded picture that `accepts_decoded`; the writer takes it (it sets its timestamp)."""
        self._check_open()
        if not self.accepts_decoded(frame):
            raise MediaError(self.path, f"frame {self.frames_written} is {frame.format.name} {frame.width}x"
                             f"{frame.height}; this file takes {self.settings.pix_fmt} {self.width}x{self.height}"
                             " in its colours as it is (use write_frame to convert)")
        frame.pts, frame.time_base = self.frames_written, 1 / self.fps  # the encoder's time base
        frame.pict_type = av.video.frame.PictureType.NONE  # the encoder chooses frame types, not the source's GOP
        self._encode(self._video, frame)
        self.frames_written += 1

    def write_audio(self, samples: np.ndarray) -> None:
        """Append audio: float32 (channels, samples) in -1..1."""
        self._check_open()
        if self._audio is None:
            raise MediaError(self.path, "this writer was opened without audio (give audio_rate=...)")
        channels = self._audio.codec_context.channels
        if samples.ndim != 2 or samples.shape[0] != channels:
            raise MediaError(self.path, f"audio block has shape {tuple(samples.shape)}; expected ({channels}, n)")
        block = np.clip(samples, -1.0, 1.0).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block), format="fltp",
                                           layout=self._audio.layout.name)
        frame.sample_rate = self._audio.codec_context.sample_rate
        frame.pts = self.samples_written
        self._encode(self._audio, frame)
        self.samples_written += block.shape[1]

    def _encode(self, stream, frame) -> None:
        try:
            for packet in stream.encode(frame):
                self._container.mux(packet)
        except (av.FFmpegError, ValueError, OSError) as error:
            self.abort()
            kind = OutputLocationError if isinstance(error, OSError) else MediaError  # a full disk, not a codec
            raise kind(self.path, f"writing failed: {_reason(error)}") from None

    # -- finishing --------------------------------------------------------------------------------------
    def close(self) -> Path:
        """Flush the encoders, finish the file and move it into place. Returns the final path."""
        if self._closed:
            return self.path
        if self.frames_written == 0:
            self.abort()
            raise MediaError(self.path, "no frames were written; nothing was saved")
        for stream in (self._video, self._audio):
            if stream is not None:
                self._encode(stream, None)
        try:
            self._container.close()
        except (av.FFmpegError, OSError) as error:
            self.abort()
            kind = OutputLocationError if isinstance(error, OSError) else MediaError
            raise kind(self.path, f"finishing the file failed: {_reason(error)}") from None
        self._closed = True
        try:
            self._move_into_place()
        except OSError as error:
            self._remove_temp()
            raise OutputLocationError(self.path, f"cannot be put in place: {_reason(error)}") from None
        return self.path

    def abort(self) -> None:
        """Stop and remove everything written so far; a file already at the target stays as it was."""
        if self._closed:
            return
        self._closed = True
        try:
            self._container.close()
        except (av.FFmpegError, OSError, AttributeError):
            pass  # the container may be half-built; its temp file is removed below either way
        self._remove_temp()

    def _move_into_place(self) -> None:
        if self.codec != "png":
            os.replace(self._temp, self.path)
            return
        if self.path.exists():
            old = self.path.with_name(f".{self.path.name}.old")
            os.replace(self.path, old)
            os.replace(self._temp, self.path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self._temp, self.path)

    def _remove_temp(self) -> None:
        if self._temp.is_dir():
            shutil.rmtree(self._temp, ignore_errors=True)
        elif self._temp.exists():
            self._temp.unlink()

    def _check_open(self) -> None:
        if self._closed:
            raise MediaError(self.path, "the writer is already closed")

    def __enter__(self) -> "MediaWriter":
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _reason(error: Exception) -> str:
    return getattr(error, "strerror", None) or str(error)
