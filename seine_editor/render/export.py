"""`export(spec, ctx)`: render a timeline to a movie or PNG sequence, streaming frames and sound to the
writer with progress and cancellation. The output appears under its final name only when complete.

Formats: "mp4" (H.264 + AAC; presets draft/standard/high = x264 ultrafast/veryfast/medium, CRF),
"mov" (ProRes 422 HQ + PCM), "png" (a folder of frame_000000.png, ...). Pictures are composited on a
second thread while the encoder works, through a short queue, so memory stays bounded. A plain cut of a
source already in the output's size and pixel format goes to the encoder as decoded, without the round
trip through RGB (two colour conversions per frame saved, and no rounding on the way).
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Protocol

import numpy as np

from seine_editor.errors import ExportError, MediaError, OfflineMediaError, OutputLocationError
from seine_editor.media.reader import FrameCache
from seine_editor.media.writer import check_crf
from seine_editor.render.audio import AudioMixer
from seine_editor.render.compositor import Compositor, PlaceholderProvider
from seine_editor.render.plan import RenderPlan, plan_of
from seine_editor.render.source_check import unusable_sources

FORMATS = {"mp4": "h264", "mov": "prores", "png": "png"}
PRESETS = ("draft", "standard", "high")
AUDIO_BLOCK_FRAMES = 24  # sound is mixed a second or so at a time, in exact frame spans
QUEUE_FRAMES = 6
# Export reads every source frame once, in order: a small cache of its own (dissolve sides, boundary frames
# of placeholders) keeps a render's memory low and leaves the viewer's shared cache alone.
EXPORT_CACHE_BYTES = 32 * 1024 * 1024
DEFAULT_SIZE = (1920, 1080)


class ExportSpecError(ExportError):
    """The spec asks for what export cannot do (format, preset, frame range, size): the caller's input is
    wrong, not the render; the command line answers it with the bad-input exit code."""


class ExportContext(Protocol):
    """What export needs from its caller (the jobs layer adapts its JobContext to this)."""

    def progress(self, done_frames: int, total_frames: int) -> None: ...

    def cancelled(self) -> bool: ...


@dataclass
class ExportSpec:
    snapshot: object  # RenderSnapshot, OTIO Timeline or RenderPlan
    output: Path
    format: Optional[str] = None  # "mp4", "mov", "png"; None: from the output's suffix (no suffix: png)
    preset: str = "standard"
    crf: Optional[int] = None
    in_frame: Optional[int] = None  # first timeline frame
    out_frame: Optional[int] = None  # one past the last
    size: Optional[tuple[int, int]] = None  # (width, height); None: the project's
    allow_offline: bool = False
    audio_rate: int = 48000
    placeholder: Optional[PlaceholderProvider] = None


@dataclass(frozen=True)
class ExportResult:
    path: Optional[Path]  # None when cancelled
    frames: int
    seconds: float
    cancelled: bool = False


def export_format(spec: ExportSpec) -> str:
    fmt = spec.format or (Path(spec.output).suffix.lower().lstrip(".") or "png")
    if fmt not in FORMATS:
        raise ExportSpecError(f"{spec.output}: cannot render to {fmt!r}; use .mp4 (H.264), .mov (ProRes) or a "
                          "folder (PNG sequence)")
    return fmt


def project_size(plan: RenderPlan) -> tuple[int, int]:
    """The timeline's resolution from its metadata, else DEFAULT_SIZE."""
    settings = plan.metadata.get("settings") or {}
    if settings.get("width") and settings.get("height"):
        return int(settings["width"]), int(settings["height"])
    return DEFAULT_SIZE


def export(spec: ExportSpec, ctx: ExportContext) -> ExportResult:
    fmt = export_format(spec)
    plan = plan_of(spec.snapshot)
    first, end = _frame_range(spec, plan)
    unusable = unusable_sources(plan)
    if unusable and not spec.allow_offline:
        raise OfflineMediaError([u.path for u in unusable], [u.reason for u in unusable])
    if spec.preset not in PRESETS:
        raise ExportSpecError(f"preset {spec.preset!r} is not one of {', '.join(PRESETS)}")
    try:
        check_crf(FORMATS[fmt], spec.crf)
    except ValueError as error:
        raise ExportSpecError(f"{spec.output}: {error}") from None
    size = spec.size or project_size(plan)
    started = time.monotonic()
    writer = _open_writer(spec, fmt, plan, size)
    compositor = Compositor(plan, size=size, placeholder=spec.placeholder,
                            frame_cache=FrameCache(EXPORT_CACHE_BYTES), deep=writer.deep)
    mixer = AudioMixer(plan, rate=spec.audio_rate) if fmt != "png" else None
    try:
        done = _stream(writer, compositor, mixer, first, end, ctx)
        known = {u.path for u in unusable}  # allowed offline at the start: what the person agreed to
        lost = {path: reason for path, reason in compositor.offline.items() if path not in known}
    except OutputLocationError as error:
        writer.abort()
        raise ExportSpecError(str(error)) from None
    except MediaError as error:
        writer.abort()
        raise ExportError(f"{spec.output}: encoding failed: {error.reason}") from None
    except BaseException:
        writer.abort()
        raise
    finally:
        compositor.close()
        if mixer is not None:
            mixer.close()
    if done < end - first:
        writer.abort()
        return ExportResult(None, done, time.monotonic() - started, cancelled=True)
    if lost and not spec.allow_offline:  # a source went away or broke mid-render: its frames would be slates
        writer.abort()
        path, reason = next(iter(sorted(lost.items())))
        raise ExportError(f"{spec.output}: not written: {path} could not be read during the render ({reason})")
    try:
        path = writer.close()
    except OutputLocationError as error:
        raise ExportSpecError(str(error)) from None
    except MediaError as error:
        raise ExportError(f"{spec.output}: finishing the file failed: {error.reason}") from None
    return ExportResult(path, done, time.monotonic() - started)


def _frame_range(spec: ExportSpec, plan: RenderPlan) -> tuple[int, int]:
    total = plan.duration_frames
    if total <= 0:
        raise ExportError(f"{spec.output}: the timeline is empty; there is nothing to render")
    first = 0 if spec.in_frame is None else spec.in_frame
    end = total if spec.out_frame is None else spec.out_frame
    if not 0 <= first < end <= total:
        raise ExportSpecError(f"range in={first} out={end} is not inside the timeline: frames 0 to {total} "
                          "(in < out) are allowed")
    return first, end


def _open_writer(spec: ExportSpec, fmt: str, plan: RenderPlan, size: tuple[int, int]):
    from seine_editor.media.writer import MediaWriter

    width, height = size
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ExportSpecError(f"output size {width}x{height} is not allowed; width and height must be even and positive")
    try:
        return MediaWriter(spec.output, width=width, height=height, fps=plan.rate, codec=FORMATS[fmt],
                           preset=spec.preset, crf=spec.crf, audio_rate=None if fmt == "png" else spec.audio_rate,
                           metadata={"encoder_app": "Seine Editor"})
    except OutputLocationError as error:
        raise ExportSpecError(str(error)) from None
    except MediaError as error:
        raise ExportError(f"{spec.output}: {error.reason}") from None


def _stream(writer, compositor: Compositor, mixer: Optional[AudioMixer], first: int, end: int,
            ctx: ExportContext) -> int:
    """Write frames [first, end) and their sound; returns how many frames were written (fewer: cancelled)."""
    frames: queue.Queue = queue.Queue(maxsize=QUEUE_FRAMES)
    stop = threading.Event()
    producer = threading.Thread(target=_produce, args=(compositor, writer.accepts_decoded, first, end, frames, stop),
                                name="export-compositor", daemon=True)
    producer.start()
    total, done = end - first, 0
    try:
        while done < total:
            if ctx.cancelled():
                break
            item = frames.get()
            if isinstance(item, BaseException):
                raise item
            if mixer is not None and done % AUDIO_BLOCK_FRAMES == 0:
                writer.write_audio(mixer.mix_frames(first + done, min(end, first + done + AUDIO_BLOCK_FRAMES)))
            if isinstance(item, np.ndarray):
                writer.write_frame(item)
            else:
                writer.write_decoded(item)
            done += 1
            ctx.progress(done, total)
    finally:
        stop.set()
        while producer.is_alive():  # unblock a producer waiting on a full queue
            try:
                frames.get_nowait()
            except queue.Empty:
                producer.join(0.05)
    return done


def _produce(compositor: Compositor, accepts_decoded: Callable, first: int, end: int, frames: queue.Queue,
             stop: threading.Event) -> None:
    """Pictures for frames [first, end) in order: a plain cut's decoded source picture when the encoder takes
    it as it is (no RGB round trip: two colour conversions saved), else the composited RGB frame."""
    try:
        for n in range(first, end):
            if stop.is_set():
                return
            decoded = compositor.decoded_frame(n)
            frames.put(decoded if decoded is not None and accepts_decoded(decoded) else compositor.frame(n))
    except Exception as error:  # handed to the writing thread, which raises it there
        frames.put(error)
