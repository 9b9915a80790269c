"""Sound for the viewer: the timeline's audio mix pushed into a QtMultimedia `QAudioSink`, and the clock that
the picture follows while it plays.

`AudioFeed` mixes on its own worker thread (PyAV decoding and the mixer never run on the UI thread) a little
ahead of the device, as interleaved int16 at the project rate. `AudioPlayback` owns the output: on each viewer
tick it pushes what the device has room for, and reports how much audio the device has consumed, which is the
clock the viewer shows frames by. Without an audio device (offscreen, CI, a laptop without sound) playback
runs on the wall clock and a note says so; nothing fails.
"""
from __future__ import annotations

import queue
import threading
from typing import Callable, Optional, Protocol

import numpy as np
from PySide6 import QtCore, QtMultimedia

MixerFactory = Callable[[], object]  # -> render.audio.AudioMixer, built and used on the feed's worker thread
CHUNK_FRAMES = 2  # video frames of sound mixed per chunk
QUEUE_CHUNKS = 12  # how far the worker runs ahead of the device (half a second at 24 fps)
DEVICE_BUFFER_S = 0.2
NO_DEVICE_NOTE = "No audio output device: playing without sound"


def interleave_int16(mix: np.ndarray) -> bytes:
    """channels×samples float32 in [-1, 1] -> interleaved little-endian int16, what the sink plays."""
    scaled = np.clip(np.round(mix.T * 32767.0), -32768, 32767).astype("<i2")
    return scaled.tobytes()


class AudioFeed:
    """The mix of video frames [first_frame, end_frame) as int16 bytes, produced ahead on a worker thread."""

    def __init__(self, mixer_factory: MixerFactory, first_frame: int, end_frame: int, channels: int):
        self.first_frame, self.end_frame, self.channels = first_frame, end_frame, channels
        self.error: Optional[str] = None
        self._factory = mixer_factory
        self._chunks: queue.Queue[Optional[bytes]] = queue.Queue(QUEUE_CHUNKS)
        self._pending = b""
        self._done = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audio-feed", daemon=True)
        self._thread.start()

    @property
    def exhausted(self) -> bool:
        """Every sample of the range has been read."""
        return self._done and not self._pending

    def read(self, max_bytes: int) -> bytes:
        """Up to `max_bytes` (whole sample frames) of what is ready now; never blocks."""
        frame_bytes = 2 * self.channels
        while len(self._pending) < max_bytes and not self._done:
            try:
                chunk = self._chunks.get_nowait()
            except queue.Empty:
                break
            if chunk is None:
                self._done = True
            else:
                self._pending += chunk
        size = min(len(self._pending), max_bytes) // frame_bytes * frame_bytes
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        mixer = None
        try:
            mixer = self._factory()
            for start in range(self.first_frame, self.end_frame, CHUNK_FRAMES):
                end = min(start + CHUNK_FRAMES, self.end_frame)
                if not self._put(interleave_int16(mixer.mix_frames(start, end))):
                    return
        except Exception as error:  # a bad file must not kill playback: the picture goes on, silent
            self.error = f"{type(error).__name__}: {error}"
        finally:
            if mixer is not None:
                mixer.close()
        self._put(None)

    def _put(self, item: Optional[bytes]) -> bool:
        while not self._stop.is_set():
            try:
                self._chunks.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False


class AudioOutput(Protocol):
    """Where the feed goes: a device (or a recorder in tests)."""

    def bytes_free(self) -> int: ...

    def write(self, data: bytes) -> int: ...  # bytes taken

    def played_usecs(self) -> int: ...  # audio consumed since start: the playback clock

    def failed(self) -> bool: ...

    def close(self) -> None: ...


class SinkOutput:
    """A `QAudioSink` in push mode."""

    def __init__(self, device: QtMultimedia.QAudioDevice, fmt: QtMultimedia.QAudioFormat):
        self._sink = QtMultimedia.QAudioSink(device, fmt)
        self._sink.setBufferSize(int(fmt.bytesForDuration(int(DEVICE_BUFFER_S * 1e6))))
        self._io = self._sink.start()

    def bytes_free(self) -> int:
        return self._sink.bytesFree()

    def write(self, data: bytes) -> int:
        return max(0, int(self._io.write(data))) if self._io is not None else 0

    def played_usecs(self) -> int:
        return int(self._sink.processedUSecs())

    def failed(self) -> bool:
        return self._io is None or self._sink.error() != QtMultimedia.QtAudio.Error.NoError

    def close(self) -> None:
        self._sink.stop()
        self._sink.deleteLater()


def open_default_output(rate: int, channels: int) -> tuple[Optional[AudioOutput], str]:
    """The system's default output at this rate (int16), or None and the reason to show."""
    device = QtMultimedia.QMediaDevices.defaultAudioOutput()
    if device.isNull():
        return None, NO_DEVICE_NOTE
    fmt = QtMultimedia.QAudioFormat()
    fmt.setSampleRate(rate)
    fmt.setChannelCount(channels)
    fmt.setSampleFormat(QtMultimedia.QAudioFormat.Int16)
    if not device.isFormatSupported(fmt):
        return None, f"{device.description()} cannot play {rate} Hz {channels}-channel audio: playing without sound"
    output = SinkOutput(device, fmt)
    if output.failed():
        output.close()
        return None, f"{device.description()} could not be opened: playing without sound"
    return output, ""


class AudioPlayback(QtCore.QObject):
    """The viewer's sound: start at a frame, pump on every tick, read the clock, stop."""

    note = QtCore.Signal(str)  # a line for the status bar (no device, a mixing failure)

    def __init__(self, parent: Optional[QtCore.QObject] = None):
        super().__init__(parent)
        self.output_factory: Callable[[int, int], tuple[Optional[AudioOutput], str]] = open_default_output
        self.rate, self.channels = 48000, 2
        self._mixer_factory: Optional[MixerFactory] = None
        self._feed: Optional[AudioFeed] = None
        self._output: Optional[AudioOutput] = None
        self._noted = ""

    @property
    def active(self) -> bool:
        """Sound is playing and the picture should follow `clock_usecs`."""
        return self._output is not None

    def set_mixer(self, factory: Optional[MixerFactory], rate: int) -> None:
        """A new timeline state: the mix it plays from the next `start`."""
        self._mixer_factory, self.rate = factory, int(rate)

    def start(self, first_frame: int, end_frame: int) -> bool:
        """Play the mix from `first_frame`; False (silent, wall clock) when there is nothing to play it on."""
        self.stop()
        if self._mixer_factory is None or first_frame >= end_frame:
            return False
        output, reason = self.output_factory(self.rate, self.channels)
        if output is None:
            self._tell(reason)
            return False
        self._feed = AudioFeed(self._mixer_factory, first_frame, end_frame, self.channels)
        self._output = output
        self.pump()
        return True

    def pump(self) -> None:
        """Give the device what it has room for (called on every viewer tick)."""
        if self._output is None or self._feed is None:
            return
        if self._output.failed():
            self._tell("The audio device stopped: playing without sound")
            self.stop()
            return
        free = self._output.bytes_free()
        if free > 0:
            data = self._feed.read(free)
            if data:
                self._output.write(data)
        if self._feed.error:
            self._tell(f"Sound could not be mixed ({self._feed.error}); playing without it")
            self.stop()

    def clock_usecs(self) -> int:
        return self._output.played_usecs() if self._output is not None else 0

    def stop(self) -> None:
        feed, output, self._feed, self._output = self._feed, self._output, None, None
        if feed is not None:
            feed.close()
        if output is not None:
            output.close()

    def _tell(self, text: str) -> None:
        if text and text != self._noted:  # once per reason, not once per tick
            self._noted = text
            self.note.emit(text)
