"""A file's audio as float32 (channels, samples) at the project's rate and layout.

`AudioReader` keeps one decoder open and serves reads that move forward (the mixer's pattern) by decoding
on, never re-opening or seeking per chunk; a read behind it or far ahead of it seeks once. Samples are
addressed in output samples from time 0 of the media: its first video frame (so picture and sound stay in
sync, as `FrameReader` counts frames from there), or its first audio sample when it has no pictures.
`read_audio` is the one-shot form for a span in seconds.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np

from seine_editor.errors import MediaError
from seine_editor.media.probe import main_video_stream, open_container

LAYOUTS = {1: "mono", 2: "stereo"}
SEEK_MARGIN_S = 0.5  # seek this far before a span: audio packets are long and the decoder needs a run-in
FAR_AHEAD_S = 1.0  # a read further ahead than this seeks instead of decoding through


class AudioReader:
    """Sequential, resampled reads of one audio stream of ``path``. Not thread-safe."""

    def __init__(self, path, *, rate: int, channels: int = 2, stream_index: Optional[int] = None):
        self.path = Path(path)
        if channels not in LAYOUTS:
            raise MediaError(self.path, f"{channels} audio channels asked for; 1 (mono) or 2 (stereo) are supported")
        if rate <= 0:
            raise MediaError(self.path, f"audio rate {rate} Hz is not valid; it must be positive")
        self.rate, self.channels = rate, channels
        self._container = open_container(self.path)
        audio = list(self._container.streams.audio)
        if stream_index is None:
            self._stream = audio[0] if audio else None
        else:
            self._stream = next((s for s in audio if s.index == stream_index), None)
            if self._stream is None:
                indexes = ", ".join(str(s.index) for s in audio) or "none"  # read before the streams are freed
                self._container.close()
                raise MediaError(self.path, f"stream {stream_index} is not an audio stream; the audio streams are "
                                 f"{indexes}")
        self._origin_s = _media_origin(self._container, self._stream)
        self._chunks: list[np.ndarray] = []
        self._chunks_start = 0  # output sample at the start of self._chunks[0]
        self._end = 0  # output sample one past the last decoded one
        self._floor = 0  # reads from here on need no seek
        self._exhausted = self._stream is None
        self._started = False  # whether the first decoded frame has set the position
        if self._stream is not None:
            self._frames = self._container.decode(self._stream)
            self._resampler = self._new_resampler()

    @property
    def has_audio(self) -> bool:
        return self._stream is not None

    def read(self, start: int, count: int) -> np.ndarray:
        """Samples [start, start + count) as (channels, count) float32; silence before or after the audio."""
        if start < 0 or count < 0:
            raise MediaError(self.path, f"audio samples {start} + {count} asked for; both must be >= 0")
        out = np.zeros((self.channels, count), np.float32)
        if self._stream is None or count == 0:
            return out
        if not self.serves(start):
            self._restart(start)
        while not self._exhausted and (not self._started or self._end < start + count):
            self._decode_next()
        self._copy_into(out, start)
        self._forget_before(start)
        return out

    def serves(self, start: int) -> bool:
        """Whether a read from ``start`` continues the current decode (no seek)."""
        if start < self._floor:
            return False
        if self._exhausted and self._started:
            return True  # past the end stays silence; before it, everything decoded is still held
        return start <= max(self._end, self._floor) + FAR_AHEAD_S * self.rate

    def close(self) -> None:
        self._container.close()

    def __enter__(self) -> "AudioReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _new_resampler(self) -> av.AudioResampler:
        return av.AudioResampler(format="fltp", layout=LAYOUTS[self.channels], rate=self.rate)

    def _restart(self, start: int) -> None:
        seek_s = start / self.rate - SEEK_MARGIN_S
        try:
            if seek_s > 0:
                target = int((seek_s + self._origin_s) / self._stream.time_base)
                self._container.seek(target, stream=self._stream, backward=True)
            else:
                self._container.seek(0)
        except av.FFmpegError:  # some files cannot seek: decode from the start instead
            self._reopen()
        self._frames = self._container.decode(self._stream)
        self._resampler = self._new_resampler()
        self._chunks, self._chunks_start, self._end = [], 0, 0
        self._floor, self._started, self._exhausted = start, False, False

    def _reopen(self) -> None:
        index = self._stream.index
        self._container.close()
        self._container = open_container(self.path)
        self._stream = self._container.streams[index]

    def _decode_next(self) -> None:
        try:
            frame = next(self._frames)
        except StopIteration:
            self._exhausted = True
            if self._started:
                self._append(self._resampler.resample(None))  # the resampler's last samples
            return
        except av.FFmpegError:
            self._exhausted = True  # damaged tail: what was decoded stays, the rest is silence
            return
        if not self._started:
            self._started = True
            self._chunks_start = self._end = self._frame_start(frame)
        self._append(self._resampler.resample(frame))

    def _append(self, frames: list) -> None:
        for chunk in frames:
            block = chunk.to_ndarray()
            self._chunks.append(block)
            self._end += block.shape[1]

    def _frame_start(self, frame: av.AudioFrame) -> int:
        if frame.pts is None or frame.time_base is None:
            return 0
        return int(round((float(frame.pts * frame.time_base) - self._origin_s) * self.rate))

    def _copy_into(self, out: np.ndarray, start: int) -> None:
        position = self._chunks_start
        for block in self._chunks:
            length = block.shape[1]
            begin, end = max(position, start), min(position + length, start + out.shape[1])
            if end > begin:
                out[:, begin - start:end - start] = block[:self.channels, begin - position:end - position]
            position += length

    def _forget_before(self, start: int) -> None:
        """Drop decoded blocks that end before ``start``: reads move forward."""
        while self._chunks and self._chunks_start + self._chunks[0].shape[1] <= start:
            self._chunks_start += self._chunks.pop(0).shape[1]
        self._floor = max(self._floor, start)


class AudioReaderPool:
    """Open `AudioReader`s by file for the mixer: a reader is reused while reads move forward, a second one
    serves a file heard at two places at once (a dissolve between two parts of one file), and the least
    recently used are closed beyond ``max_open``. Unreadable files and files without sound give None."""

    PER_FILE = 2

    def __init__(self, max_open: int = 8):
        self._max_open = max_open
        self._readers: list[tuple[tuple, AudioReader]] = []  # least recently used first
        self._silent: set[tuple] = set()

    def __call__(self, path: str, start: int, count: int, rate: int, channels: int) -> Optional[np.ndarray]:
        key = (str(path), rate, channels)
        if key in self._silent:
            return None
        reader = self._reader_for(key, start)
        return None if reader is None else reader.read(start, count)

    def close(self) -> None:
        while self._readers:
            self._readers.pop()[1].close()

    def _reader_for(self, key: tuple, start: int) -> Optional[AudioReader]:
        mine = [entry for entry in self._readers if entry[0] == key]
        entry = next((e for e in mine if e[1].serves(start)), None)
        if entry is None and len(mine) >= self.PER_FILE:
            entry = mine[0]  # the least recently used one seeks
        if entry is None:
            try:
                reader = AudioReader(key[0], rate=key[1], channels=key[2])
            except MediaError:
                reader = None  # missing or unreadable: silence (the picture shows the offline slate)
            if reader is None or not reader.has_audio:
                self._silent.add(key)
                if reader is not None:
                    reader.close()
                return None
            entry = (key, reader)
        else:
            self._readers.remove(entry)
        self._readers.append(entry)
        while len(self._readers) > self._max_open:
            self._readers.pop(0)[1].close()
        return entry[1]


def _media_origin(container, audio_stream) -> float:
    """Seconds of time 0 of the media: the first video timestamp, else the audio stream's first."""
    stream = main_video_stream(container) or audio_stream
    if stream is None or stream.start_time is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def read_audio(path, start_s: float, duration_s: float, *, rate: int, channels: int = 2,
               stream_index: Optional[int] = None) -> np.ndarray:
    """Audio from ``start_s`` (seconds from time 0 of the media) lasting ``duration_s``.

    Returns exactly round(duration_s * rate) samples per channel, resampled by libswresample to ``rate``
    and ``channels`` (1 or 2); anything past the end of the audio (or a file without audio) is silence."""
    path = Path(path)
    if rate <= 0 or start_s < 0 or duration_s < 0:  # the channel count is AudioReader's to check
        raise MediaError(path, f"audio span {start_s} s + {duration_s} s at {rate} Hz is not valid; "
                         "times must be >= 0 and the rate positive")
    with AudioReader(path, rate=rate, channels=channels, stream_index=stream_index) as reader:
        return reader.read(int(round(start_s * rate)), int(round(duration_s * rate)))


def time_stretch(samples: np.ndarray, rate: int, speed: float) -> np.ndarray:
    """``samples`` (float32 channels×n, 1 or 2 channels) played ``speed`` times as fast at their own pitch:
    round(n / speed) samples, output sample k sounding what input sample k × speed did (within the stretcher's
    window; it sounds a transient up to about 20 ms early at half speed). libavfilter's `atempo` (WSOLA), chained for
    speeds outside the 0.5–2 it takes in one step."""
    if speed <= 0 or samples.shape[0] not in LAYOUTS:
        raise ValueError(f"time stretch needs a positive speed and 1 or 2 channels, got ×{speed}, "
                         f"{samples.shape[0]} channels")
    from av.filter import Graph

    layout = LAYOUTS[samples.shape[0]]
    graph = Graph()
    nodes = [graph.add_abuffer(format="fltp", sample_rate=rate, layout=layout, time_base=Fraction(1, rate))]
    nodes += [graph.add("atempo", f"tempo={step!r}") for step in _tempo_steps(float(speed))]
    nodes += [graph.add("aformat", "sample_fmts=fltp"), graph.add("abuffersink")]
    for a, b in zip(nodes, nodes[1:]):
        a.link_to(b)
    graph.configure()
    length = round(samples.shape[1] / speed)
    tail = np.zeros((samples.shape[0], rate // 5), np.float32)  # the stretcher holds back its last window
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(np.concatenate([samples, tail], axis=1), np.float32),
                                       format="fltp", layout=layout)
    frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
    graph.push(frame)
    graph.push(None)
    pieces = []
    while True:
        try:
            pieces.append(graph.pull().to_ndarray())
        except (av.EOFError, av.BlockingIOError):
            break
    out = np.zeros((samples.shape[0], length), np.float32)
    if pieces:
        stretched = np.concatenate(pieces, axis=1)[:, :length]
        out[:, :stretched.shape[1]] = stretched
    return out


def _tempo_steps(speed: float) -> list[float]:
    steps = []
    while speed > 2.0:
        steps.append(2.0)
        speed /= 2.0
    while speed < 0.5:
        steps.append(0.5)
        speed /= 0.5
    return steps + [speed]


def varispeed(samples: np.ndarray, rate: int, *, start_s: float, speed: float, out_rate: int, count: int,
              channels: int = 2) -> np.ndarray:
    """``count`` samples (float32 channels×count at ``out_rate``) of ``samples`` (channels×n at ``rate``) heard from
    ``start_s`` of them at ``speed``: a speed change with the pitch following, as a retimed clip sounds in any editor,
    so sound stays in sync with retimed pictures. Silence before their start and after their end."""
    if rate <= 0 or out_rate <= 0 or speed <= 0 or count < 0:
        raise ValueError(f"varispeed needs positive rates and speed, got {rate} Hz, {out_rate} Hz, ×{speed}")
    out = np.zeros((channels, count), np.float32)
    first = round(start_s * rate)
    data = samples[:, max(0, first):].astype(np.float32)
    lead = round(max(0, -first) / rate / speed * out_rate)  # output samples of silence before the sound starts
    if data.shape[1] == 0 or lead >= count:
        return out
    if data.shape[0] != channels:  # mono spread to both sides, or stereo folded to one
        data = np.repeat(data, channels, axis=0) if data.shape[0] == 1 else data.mean(axis=0, keepdims=True)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp", layout=LAYOUTS[channels])
    frame.sample_rate = max(1, round(rate * speed))  # heard at this rate, the sound plays ``speed`` times as fast
    resampler = av.AudioResampler(format="fltp", layout=LAYOUTS[channels], rate=out_rate)
    pieces = [piece.to_ndarray() for piece in resampler.resample(frame) + resampler.resample(None)]
    heard = np.concatenate(pieces, axis=1)[:, :count - lead] if pieces else np.zeros((channels, 0), np.float32)
    out[:, lead:lead + heard.shape[1]] = heard
    return out
