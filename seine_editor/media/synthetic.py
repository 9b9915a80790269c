"""Procedural media whose pixels say which frame they are.

Every frame carries its own index as 16 black/white bars across the top half (bit k of the index is bar k,
least significant on the left) and a solid tint below that names the source. The code survives lossy encoding,
resizing and letterboxing, so tests, benchmarks and the demo can check exactly which source frame lands where.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Sequence

import numpy as np

INDEX_BITS = 16


def coded_frame(index: int, width: int, height: int, tint: Sequence[int] = (200, 60, 40)) -> np.ndarray:
    """RGB uint8 frame whose top half encodes ``index`` in binary bars and whose bottom half is ``tint``."""
    if not 0 <= index < 2 ** INDEX_BITS:
        raise ValueError(f"frame index {index} does not fit in {INDEX_BITS} bits")
    frame = np.empty((height, width, 3), np.uint8)
    frame[height // 2:] = np.asarray(tint, np.uint8)
    edges = np.linspace(0, width, INDEX_BITS + 1).round().astype(int)
    for bit in range(INDEX_BITS):
        frame[: height // 2, edges[bit]:edges[bit + 1]] = 255 if index >> bit & 1 else 0
    return frame


def read_frame_index(frame: np.ndarray, box: tuple[int, int, int, int] | None = None) -> int:
    """Decode the index of a coded frame. ``box`` = (x, y, width, height) of the picture inside ``frame``
    (for letterboxed or pillarboxed placement); the whole frame by default."""
    x0, y0, w, h = box or (0, 0, frame.shape[1], frame.shape[0])
    edges = np.linspace(x0, x0 + w, INDEX_BITS + 1)
    row = frame[y0 + h // 4, :, :].astype(np.int32).mean(axis=-1)
    value = 0
    for bit in range(INDEX_BITS):
        centre = int((edges[bit] + edges[bit + 1]) / 2)
        if row[centre] > 127:
            value |= 1 << bit
    return value


def read_tint(frame: np.ndarray, box: tuple[int, int, int, int] | None = None) -> tuple[int, int, int]:
    """Mean colour of the tint half of a coded frame."""
    x0, y0, w, h = box or (0, 0, frame.shape[1], frame.shape[0])
    patch = frame[y0 + h * 5 // 8: y0 + h * 7 // 8, x0 + w // 4: x0 + w * 3 // 4]
    return tuple(int(round(c)) for c in patch.reshape(-1, 3).mean(axis=0))


def write_coded_video(path, *, frames: int = 48, width: int = 320, height: int = 240, fps=Fraction(24),
                      tint: Sequence[int] = (200, 60, 40), codec: str = "libx264", pix_fmt: str = "yuv420p",
                      gop: int = 12, bframes: int = 2, crf: int = 18, audio_rate: int | None = None,
                      audio_channels: int = 2, tone_hz: float = 440.0, first_index: int = 0,
                      metadata: dict | None = None) -> Path:
    """Write a coded clip with PyAV. With ``audio_rate`` it carries a sine tone of the same duration."""
    import av

    path = Path(path)
    fps = Fraction(fps).limit_denominator(1001)
    with av.open(str(path), "w") as container:
        for key, value in (metadata or {}).items():
            container.metadata[key] = str(value)
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.time_base = 1 / fps
        if codec in ("libx264", "libx265"):
            stream.options = {"crf": str(crf), "g": str(gop), "bf": str(bframes), "preset": "ultrafast",
                              "x264-params" if codec == "libx264" else "x265-params": "scenecut=0"}
        else:
            stream.options = {"g": str(gop)}
        astream = None
        if audio_rate:
            astream = container.add_stream("aac", rate=audio_rate)
            astream.layout = "stereo" if audio_channels == 2 else "mono"
        for i in range(frames):
            image = coded_frame(first_index + i, width, height, tint)
            vf = av.VideoFrame.from_ndarray(image, format="rgb24")
            vf.pts = i
            for packet in stream.encode(vf):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if astream is not None:
            total = int(round(frames / fps * audio_rate))
            t = np.arange(total) / audio_rate
            tone = (0.5 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
            chunk = 1024
            for start in range(0, total, chunk):
                block = np.tile(tone[start:start + chunk], (audio_channels, 1))
                af = av.AudioFrame.from_ndarray(block, format="fltp", layout=astream.layout.name)
                af.sample_rate, af.pts = audio_rate, start
                for packet in astream.encode(af):
                    container.mux(packet)
            for packet in astream.encode():
                container.mux(packet)
    return path


def write_coded_image(path, *, width: int = 320, height: int = 240, index: int = 0,
                      tint: Sequence[int] = (40, 160, 90)) -> Path:
    """Write one coded frame as an image file (format from the suffix: .png, .jpg, ...)."""
    import av

    path = Path(path)
    frame = av.VideoFrame.from_ndarray(coded_frame(index, width, height, tint), format="rgb24")
    frame.to_image().save(path)
    return path


# Colour charts and tagged encodes (these call the ffmpeg command line, for its zscale filter) ---------------------

# The 24 patches of the X-Rite ColorChecker in sRGB / BT.709, row by row
COLOR_CHECKER = (
    (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177), (103, 189, 170),
    (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108), (157, 188, 64), (224, 163, 46),
    (56, 61, 150), (70, 148, 73), (175, 54, 60), (231, 199, 31), (187, 86, 149), (8, 133, 161),
    (243, 243, 242), (200, 200, 200), (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52))
CHART_PATCH = 48  # pixels a side


def chart_image(patch: int = CHART_PATCH) -> np.ndarray:
    """The ColorChecker as a 6×4 grid of ``patch``-pixel squares, RGB uint8."""
    colours = np.asarray(COLOR_CHECKER, np.uint8).reshape(4, 6, 3)
    return np.repeat(np.repeat(colours, patch, axis=0), patch, axis=1)


def patch_means(frame: np.ndarray, patch: int = CHART_PATCH) -> np.ndarray:
    """The mean colour (24×3 float) of the middle half of each chart patch of ``frame``."""
    lo, hi = patch // 4, patch - patch // 4
    return np.array([frame[row * patch + lo:row * patch + hi, col * patch + lo:col * patch + hi].reshape(-1, 3)
                     .mean(axis=0) for row in range(4) for col in range(6)])


def write_tagged_video(path, source, *, transfer: str = "bt709", primaries: str = "bt709", matrix: str = "bt709",
                       full_range: bool = False, frames: int = 2, fps: int = 25, ffmpeg: str = "ffmpeg",
                       bitrate_kbps: int | None = None) -> Path:
    """``source`` (an SDR BT.709 RGB uint8 picture, repeated, or an ffmpeg lavfi source such as
    ``"testsrc2=size=1920x1080"``) as a 10-bit HEVC clip whose pictures ffmpeg's zscale has brought into
    ``primaries`` and ``transfer`` (HDR ones place SDR white at the HDR reference white, 203 cd/m²) and encoded with
    ``matrix`` in limited or full range, the stream tagged with all four; x265's own rate control unless
    ``bitrate_kbps`` is given."""
    import subprocess

    zrange = "full" if full_range else "limited"
    chain = (f"format=gbrp,zscale=tin=bt709:pin=bt709:min=gbr:rin=full:t={transfer}:p={primaries}:m={matrix}"
             f":r={zrange}:npl=203,format=yuv420p10le")
    params = f"log-level=error:colorprim={primaries}:transfer={transfer}:colormatrix={matrix}:range={zrange}"
    if bitrate_kbps:
        params += f":bitrate={bitrate_kbps}:vbv-maxrate={bitrate_kbps * 6 // 5}:vbv-bufsize={bitrate_kbps * 2}"
    if isinstance(source, str):
        inputs, data = ["-f", "lavfi", "-i", source], None
    else:
        height, width = source.shape[:2]
        inputs = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-"]
        data = np.ascontiguousarray(source, np.uint8).tobytes() * frames
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *inputs, "-vf", chain, "-r", str(fps),
               "-c:v", "libx265", "-x265-params", params, "-frames:v", str(frames), str(path)]
    subprocess.run(command, input=data, check=True, capture_output=True, timeout=300)
    return Path(path)
