"""Coded test media, generated once per session with PyAV. Every frame's index is written in its pixels."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Optional, Sequence

import av
import numpy as np
import pytest

from seine_editor.media.synthetic import coded_frame, write_coded_image, write_coded_video
from seine_editor.media.writer import MediaWriter

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"
W, H = 160, 96


def encode_coded(path: Path, *, codec: str = "libx264", pix_fmt: str = "yuv420p", options: Optional[dict] = None,
                 pts: Optional[Sequence[int]] = None, frames: int = 24, time_base=Fraction(1, 24),
                 rate=Fraction(24), width: int = W, height: int = H, rotation_cw: int = 0,
                 sample_aspect: Optional[Fraction] = None, alpha: bool = False,
                 container_options: Optional[dict] = None) -> Path:
    """Encode coded frames with full control of timestamps, rotation, aspect and pixel format.

    With ``rotation_cw`` the stored picture is turned the other way and the display matrix says to turn it
    back, so a correct reader shows the coded frame upright. With ``sample_aspect`` the stored picture is
    squeezed horizontally, so a correct reader shows the coded frame at ``width`` x ``height``."""
    pts = list(range(frames)) if pts is None else list(pts)
    store_width = width if sample_aspect is None else int(width / sample_aspect)
    with av.open(str(path), "w", options=container_options or {}) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height = (height, store_width) if rotation_cw in (90, 270) else (store_width, height)
        stream.pix_fmt, stream.time_base, stream.codec_context.time_base = pix_fmt, time_base, time_base
        stream.options = options or {}
        if sample_aspect is not None:
            stream.codec_context.sample_aspect_ratio = sample_aspect
        if rotation_cw:
            stream.set_display_rotation(-rotation_cw)
        for index, timestamp in enumerate(pts):
            picture = coded_frame(index, width, height)
            if alpha:
                picture = np.dstack([picture, np.full((height, width), (index * 10) % 256, np.uint8)])
            picture = np.ascontiguousarray(np.rot90(picture, k=rotation_cw // 90))
            frame = av.VideoFrame.from_ndarray(picture, format="rgba" if alpha else "rgb24")
            if sample_aspect is not None:
                frame = frame.reformat(width=store_width, height=height)
            frame.pts = timestamp
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def bframes_long_gop(media_dir) -> Path:
    """H.264, 3 B-frames, GOP 250 (longer than the clip: one keyframe)."""
    return write_coded_video(media_dir / "bframes_gop250.mp4", frames=60, width=W, height=H, gop=250, bframes=3)


@pytest.fixture(scope="session")
def bframes_short_gop(media_dir) -> Path:
    """H.264, 2 B-frames, GOP 12, with a stereo AAC tone."""
    return write_coded_video(media_dir / "bframes_gop12.mp4", frames=48, width=W, height=H, gop=12, bframes=2,
                             audio_rate=44100)


@pytest.fixture(scope="session")
def open_gop(media_dir) -> Path:
    """H.264 open GOP: B-frames after a keyframe refer back across it."""
    options = {"g": "10", "bf": "3", "preset": "veryfast", "x264-params": "open-gop=1:scenecut=0:b-pyramid=0"}
    return encode_coded(media_dir / "open_gop.mkv", options=options, frames=40)


@pytest.fixture(scope="session")
def vfr_clip(media_dir) -> Path:
    """Variable frame rate: irregular steps in a 1/1000 time base."""
    steps = [40, 40, 50, 33, 80, 40, 41, 100, 40, 40, 66, 40]
    pts = np.concatenate([[0], np.cumsum(steps * 2)]).tolist()
    options = {"g": "6", "bf": "0", "preset": "ultrafast"}
    return encode_coded(media_dir / "vfr.mkv", options=options, pts=pts, time_base=Fraction(1, 1000),
                        rate=Fraction(25))


@pytest.fixture(scope="session")
def rotated_clip(media_dir) -> Path:
    """Stored turned on its side with a display matrix saying to turn it 90 degrees clockwise."""
    return encode_coded(media_dir / "rotated.mp4", options={"g": "8", "bf": "2"}, frames=16, rotation_cw=90)


@pytest.fixture(scope="session")
def anamorphic_clip(media_dir) -> Path:
    """Stored 80 wide with a 2:1 sample aspect ratio: shown 160 wide."""
    return encode_coded(media_dir / "anamorphic.mp4", options={"g": "8"}, frames=12, sample_aspect=Fraction(2))


@pytest.fixture(scope="session")
def prores_clip(media_dir) -> Path:
    """ProRes 422 HQ, 10-bit 4:2:2, with PCM audio, written by MediaWriter."""
    path = media_dir / "prores.mov"
    with MediaWriter(path, width=W, height=H, fps=Fraction(25), codec="prores", audio_rate=48000) as writer:
        for index in range(10):
            writer.write_frame(coded_frame(index, W, H))
        writer.write_audio(np.zeros((2, 48000 * 10 // 25), np.float32))
    return path


@pytest.fixture(scope="session")
def alpha_clip(media_dir) -> Path:
    """QuickTime Animation (qtrle) with an alpha channel of 10 x frame index."""
    return encode_coded(media_dir / "alpha.mov", codec="qtrle", pix_fmt="argb", frames=8, alpha=True)


@pytest.fixture(scope="session")
def audio_only(media_dir) -> Path:
    """Two seconds of a 1 kHz mono tone at 22050 Hz in a WAV file."""
    path = media_dir / "tone.wav"
    rate = 22050
    samples = (0.25 * np.sin(2 * np.pi * 1000 * np.arange(2 * rate) / rate)).astype(np.float32)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="fltp", layout="mono")
        frame.sample_rate, frame.pts = rate, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


@pytest.fixture(scope="session")
def still_png(media_dir) -> Path:
    return write_coded_image(media_dir / "still.png", width=W, height=H, index=77)


@pytest.fixture(scope="session")
def still_jpeg(media_dir) -> Path:
    return write_coded_image(media_dir / "still.jpg", width=W, height=H, index=300)


def corpus_file(relative: str) -> Path:
    path = CORPUS / relative
    if not path.exists():
        pytest.skip(f"shared corpus file {relative} is not present beside the repository")
    return path


@pytest.fixture(scope="session")
def encode():
    """`encode_coded`, for tests that need a clip of their own."""
    return encode_coded


@pytest.fixture(scope="session")
def corpus():
    """`corpus_file`: the path of a shared corpus file, or a skip when the corpus is not beside the repo."""
    return corpus_file
