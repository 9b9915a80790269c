"""`read_audio`: a span of a file's audio as float32 (channels, samples) at the project's rate and layout."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import av
import numpy as np

from seine_editor.errors import MediaError
from seine_editor.media.probe import open_container

LAYOUTS = {1: "mono", 2: "stereo"}
SEEK_MARGIN_S = 0.5  # seek this far before the span: audio packets are long and the decoder needs a run-in


def read_audio(path, start_s: float, duration_s: float, *, rate: int, channels: int = 2,
               stream_index: Optional[int] = None) -> np.ndarray:
    """Audio from ``start_s`` (seconds from the start of the file) lasting ``duration_s``.

    Returns exactly round(duration_s * rate) samples per channel, resampled by libswresample to ``rate``
    and ``channels`` (1 or 2); anything past the end of the audio (or a file without audio) is silence."""
    path = Path(path)
    if channels not in LAYOUTS:
        raise MediaError(path, f"{channels} audio channels asked for; 1 (mono) or 2 (stereo) are supported")
    if rate <= 0 or start_s < 0 or duration_s < 0:
        raise MediaError(path, f"audio span {start_s} s + {duration_s} s at {rate} Hz is not valid; "
                         "times must be >= 0 and the rate positive")
    total = int(round(duration_s * rate))
    out = np.zeros((channels, total), np.float32)
    if total == 0:
        return out
    with open_container(path) as container:
        streams = container.streams.audio
        if not streams:
            return out
        stream = streams[0] if stream_index is None else container.streams[stream_index]
        _fill(container, stream, out, int(round(start_s * rate)), rate)
    return out


def _fill(container, stream, out: np.ndarray, first_sample: int, rate: int) -> None:
    """Decode, resample and copy into ``out`` the samples from ``first_sample`` (at ``rate``) on."""
    resampler = av.AudioResampler(format="fltp", layout=LAYOUTS[out.shape[0]], rate=rate)
    origin = _stream_origin(stream)
    seek_s = first_sample / rate - SEEK_MARGIN_S
    if seek_s > 0:
        container.seek(int((seek_s + origin) / stream.time_base), stream=stream, backward=True)
    position: Optional[int] = None  # output-rate sample number of the next resampled sample
    try:
        for frame in container.decode(stream):
            if position is None:
                position = _frame_start(frame, origin, rate)
            for chunk in resampler.resample(frame):
                position = _copy(chunk.to_ndarray(), position, first_sample, out)
            if position >= first_sample + out.shape[1]:
                return
        if position is not None:
            for chunk in resampler.resample(None):
                position = _copy(chunk.to_ndarray(), position, first_sample, out)
    except av.FFmpegError:
        return  # damaged tail: what was decoded stays, the rest is silence


def _stream_origin(stream) -> float:
    """Seconds of the stream's first timestamp, which is time 0 of the file's audio."""
    return float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0


def _frame_start(frame, origin: float, rate: int) -> int:
    if frame.pts is None or frame.time_base is None:
        return 0
    return int(round((float(frame.pts * frame.time_base) - origin) * rate))


def _copy(block: np.ndarray, position: int, first_sample: int, out: np.ndarray) -> int:
    """Copy the part of ``block`` (starting at sample ``position``) that falls inside ``out``."""
    length = block.shape[1]
    begin = max(position, first_sample)
    end = min(position + length, first_sample + out.shape[1])
    if end > begin:
        out[:, begin - first_sample:end - first_sample] = block[:, begin - position:end - position]
    return position + length
