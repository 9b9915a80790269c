"""generate(spec, ctx): exact source frames -> engine -> conform to the timeline -> intra-frame movie in the cache.

The spec is plain data (no OTIO, no Qt); the result names the baked file. Steps:

1. Read the exact source frames (upright, display aspect) with FrameReader: a transition's left clip's last shown
   frame and right clip's first shown frame; an extension's last frame and the context frames before it, taken at
   the engine's frame spacing (`context_indices`); an animation's still (or chosen frame).
2. Fingerprint engine + weights identity, every generation parameter, the source frames' content, and the target
   size, rate and duration. A movie already in the cache under that fingerprint is the result (no engine run) if
   it is the one that was written: it matches its seal (`media.cache`); a damaged one is made again, said once.
3. Bring each source onto the engine's canvas on its own (its `EngineInfo.canvas` rule: a model canvas for the
   source's aspect, stretched to it as the model was trained, or the timeline size, letterboxed) and run the engine
   with a step callback (progress, ETA) and the cancel flag.
4. Conform to exactly ``duration_frames`` at the timeline rate and size, stretched back to the sources' shape. A
   transition shows only what lies between its neighbours' frames (neither is held for a frame); an animation starts
   on its still.
   Sound, from an engine that makes it, follows the pictures' time map (a speed change, pitch following, so it
   stays in sync) and fills the item's duration exactly, silence where the engine's sound ends.
5. Write an intra-frame movie (ProRes, with its sound as 48 kHz PCM) named by the fingerprint, with provenance in
   its container tags, among them the parameters the engine resolved (preset, steps, scheduler, guidance), which a
   cache hit reads back.
"""
from __future__ import annotations

import hashlib
import json
import time
import math
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any, Mapping, Optional

import numpy as np

from engine.api import AnimateRequest, EngineInfo, ExtendRequest, GeneratedFrames, StepInfo, TransitionRequest
from engine.errors import EngineInputError, GenerationCancelled
from seine_editor.jobs.context import EtaClock, JobContext, Progress
from seine_editor.jobs.engines import EngineCache, EngineHost
from seine_editor.jobs.media_io import read_frames, source_stamp, write_movie
from seine_editor.errors import MediaError
from seine_editor.leftovers import generated_temporaries, remove_leftovers
from seine_editor.media.cache import frames_digest, generated_dir, intact, seal
from seine_editor.media.probe import probe

KINDS = ("transition", "extend", "animate")
FINGERPRINT_VERSION = 1
SOUND_RATE = 48000  # a generated movie's sound, whatever rate the engine made it at


@dataclass(frozen=True)
class SourceFrames:
    """Frames of one source file, by media frame index (exact; for a still image, 0)."""

    role: str  # "left", "right", "tail" (extend) or "still" (animate)
    path: str
    frames: tuple[int, ...]


@dataclass(frozen=True)
class GenerationParams:
    prompt: str = ""
    negative_prompt: str = ""
    seed: int = 0
    preset: Optional[str] = None  # None: the engine's default
    steps: Optional[int] = None
    guidance: Optional[float] = None
    scheduler: Optional[str] = None
    mode: Optional[str] = None  # transitions: "bridge" or "overlap" (the geometry, recorded for provenance)


@dataclass(frozen=True)
class GenerateSpec:
    kind: str  # "transition", "extend" or "animate"
    item_id: str
    sources: tuple[SourceFrames, ...]
    params: GenerationParams
    width: int  # timeline size and rate
    height: int
    fps: Fraction
    duration_frames: int
    cache_dir: str
    engine: str
    engine_options: Mapping[str, Any] = field(default_factory=dict)
    fit: str = "fit"
    model_size: Optional[tuple[int, int]] = None  # a model canvas (height, width); None: the engine's rule decides


@dataclass(frozen=True)
class GenerateResult:
    item_id: str
    path: str
    fingerprint: str
    duration_frames: int
    engine: str
    engine_identity: str
    from_cache: bool
    info: Mapping[str, Any] = field(default_factory=dict)
    resolved: Mapping[str, Any] = field(default_factory=dict)  # preset, steps, scheduler, guidance actually used
    sound: bool = False  # the movie carries the engine's sound
    source_stamps: tuple = ()  # per source: its boundary frame's file, index, size, time and digest (`source_changes`)
    canvas: tuple = ()  # (width, height) of the project frame it was made for


def check_spec(spec: GenerateSpec) -> None:
    """Refuse a spec the job cannot honour, naming the value and what is allowed."""
    if spec.kind not in KINDS:
        raise EngineInputError(f"generation kind {spec.kind!r} is not one of {', '.join(KINDS)}")
    wanted = {"transition": ("left", "right"), "extend": ("tail",), "animate": ("still",)}[spec.kind]
    roles = tuple(s.role for s in spec.sources)
    if roles != wanted:
        raise EngineInputError(f"a {spec.kind} needs sources {', '.join(wanted)}, got {', '.join(roles) or 'none'}")
    for source in spec.sources:
        if not source.frames or (source.role != "tail" and len(source.frames) != 1) or min(source.frames) < 0:
            raise EngineInputError(f"{source.role} source {source.path}: frames {list(source.frames)} are not "
                                   f"allowed (one frame index ≥ 0; an extension takes one or more)")
    if spec.width < 2 or spec.height < 2:
        raise EngineInputError(f"target size {spec.width}×{spec.height} is too small (at least 2×2)")
    if Fraction(spec.fps) <= 0:
        raise EngineInputError(f"target rate {spec.fps} must be above 0")
    least = 2 if spec.kind == "transition" else 1
    if spec.duration_frames < least:
        raise EngineInputError(f"a {spec.kind} of {spec.duration_frames} frame(s) is not possible; "
                               f"it needs at least {least}")


def fingerprint(spec: GenerateSpec, engine_identity: str, source_digests: list[str]) -> str:
    """Everything that decides the pixels of the result, and nothing else (not the item id or file paths)."""
    fps = Fraction(spec.fps)
    canonical = {
        "v": FINGERPRINT_VERSION, "kind": spec.kind, "engine": spec.engine, "identity": engine_identity,
        "params": asdict(spec.params), "sources": [[s.role, d] for s, d in zip(spec.sources, source_digests)],
        "size": [spec.width, spec.height], "fps": f"{fps.numerator}/{fps.denominator}",
        "duration_frames": spec.duration_frames, "fit": spec.fit,
        "model_size": list(spec.model_size) if spec.model_size else None,
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cached_result_path(cache_dir, fingerprint_hex: str) -> Path:
    return generated_dir(cache_dir) / f"{fingerprint_hex}.mov"


def generate(spec: GenerateSpec, ctx: JobContext, engines: Optional[EngineHost] = None) -> GenerateResult:
    """Run one generative request end to end (see the module docstring). Raises GenerationCancelled when
    ``ctx.cancelled()`` turns true; nothing is written then."""
    check_spec(spec)
    ctx.report(Progress(0.0, f"loading the {spec.engine} engine"))
    engine = (engines or EngineCache()).get(spec.engine, spec.engine_options)
    ctx.report(Progress(0.02, "reading source frames"))
    spec = replace(spec, sources=tuple(_with_context(source, engine.info, spec.fps) for source in spec.sources))
    sources = [read_frames(s.path, s.frames) for s in spec.sources]
    _raise_if_cancelled(ctx, "after reading the source frames")
    key = fingerprint(spec, engine.identity, [frames_digest(frames) for frames in sources])
    stamps = _source_stamps(spec, sources)
    target = cached_result_path(spec.cache_dir, key)
    damaged = target.exists() and not _trusted(target, spec)
    if target.exists() and not damaged:
        ctx.report(Progress(1.0, "already generated: reused from the cache", 0.0))
        return GenerateResult(spec.item_id, str(target), key, spec.duration_frames, spec.engine, engine.identity,
                              True, {"cached": True}, _resolved_of_movie(target, spec), probe(target).has_audio,
                              stamps, (spec.width, spec.height))
    if damaged:
        ctx.report(Progress(0.05, f"the cached result {target.name} is damaged: making it again"))
    started = time.monotonic()
    remove_leftovers(target.parent, generated_temporaries())  # movies of jobs that were killed mid-write
    generated = _run_engine(engine, spec, sources, ctx)
    _raise_if_cancelled(ctx, "after the engine run")
    ctx.report(Progress(0.9, "fitting frames to the timeline"))
    frames = _conform(generated, spec, sources, engine.info)
    sound = _conform_sound(generated, spec)
    _raise_if_cancelled(ctx, "before writing")
    ctx.report(Progress(0.95, "writing the result"))
    resolved = resolved_params(spec, generated)
    write_movie(target, frames, spec.fps, _provenance(spec, engine.identity, key, resolved),
                cancelled=ctx.cancelled, sound=sound, sound_rate=SOUND_RATE)
    seal(target)
    ctx.report(Progress(1.0, "done", 0.0))
    info = {"cached": False, "seconds": round(time.monotonic() - started, 3), "engine_info": generated.info}
    if damaged:
        info["replaced_damaged_cache"] = True
    return GenerateResult(spec.item_id, str(target), key, spec.duration_frames, spec.engine, engine.identity,
                          False, info, resolved, sound is not None, stamps, (spec.width, spec.height))


def _source_stamps(spec: GenerateSpec, sources: list[np.ndarray]) -> tuple:
    """What the take records of each source: its boundary frame (an extension's tail: the clip's last frame)."""
    return tuple(source_stamp(s.path, s.frames[-1], frames_digest(frames[-1:]))
                 for s, frames in zip(spec.sources, sources))


def _trusted(entry: Path, spec: GenerateSpec) -> bool:
    """Whether a cached movie is the one that was written: it matches its seal. One written before seals existed
    is trusted once it decodes to the item's length, and sealed then."""
    state = intact(entry)
    if state is not None:
        return state
    try:
        if probe(entry).frame_count != spec.duration_frames:
            return False
    except MediaError:
        return False
    seal(entry)
    return True


def resolved_params(spec: GenerateSpec, generated: GeneratedFrames) -> dict[str, Any]:
    """What the engine actually ran with. A diffusion engine reports its preset's sampler, steps and guidance
    (explicit params win over the preset); a classic engine makes one step per frame and has no scheduler or
    guidance."""
    used = generated.info.get("params", {})
    return {"preset": used.get("preset", spec.params.preset), "steps": used.get("num_inference_steps") or
            len(generated.frames), "scheduler": used.get("sampler"), "guidance": used.get("guidance_scale")}


def _resolved_of_movie(path: Path, spec: GenerateSpec) -> dict[str, Any]:
    """The resolved parameters a cached movie was made with (its comment tag); the spec's own for a movie
    written before they were recorded."""
    import av

    fallback = {"preset": spec.params.preset, "steps": spec.params.steps, "scheduler": spec.params.scheduler,
                "guidance": spec.params.guidance}
    try:
        with av.open(str(path)) as container:
            comment = container.metadata.get("comment", "{}")
        return dict(json.loads(comment).get("resolved") or fallback)
    except (av.FFmpegError, OSError, ValueError, AttributeError):  # unreadable or foreign tags: the request's own
        return fallback


def _raise_if_cancelled(ctx: JobContext, when: str) -> None:
    if ctx.cancelled():
        raise GenerationCancelled(f"generation cancelled {when}")


def context_indices(last: int, media_fps: Fraction, engine_fps: Fraction, count: int) -> tuple[int, ...]:
    """The ``count`` media frames ending at ``last`` that lie one engine frame apart (1/8 s for SEINE), nearest
    frame each (half up), never before frame 0: the model then sees motion at its own rate and continues it at the
    source's speed once its frames are retimed to the timeline."""
    step = Fraction(media_fps) / Fraction(engine_fps)
    return tuple(max(0, math.floor(last - k * step + Fraction(1, 2))) for k in range(count - 1, -1, -1))


def _with_context(source: SourceFrames, info: EngineInfo, timeline_fps: Fraction) -> SourceFrames:
    """An extension's tail as the frames its engine is conditioned on: its last frame and the context before it,
    one engine frame apart (the timeline's frame for an engine working at the timeline's rate)."""
    if source.role != "tail":
        return source
    media_fps = probe(source.path).fps or timeline_fps  # a still: its one frame, repeated
    engine_fps = Fraction(info.fps).limit_denominator(1001) if info.fps else Fraction(timeline_fps)
    return replace(source, frames=context_indices(source.frames[-1], media_fps, engine_fps, info.context_frames))


def _canvas(spec: GenerateSpec, info: EngineInfo, sample: np.ndarray) -> tuple[int, int]:
    """(height, width) the engine works at: the project's canvas for a model engine when it names one, else the
    engine's rule for the source (a model size for its aspect, or the timeline size)."""
    rule = info.canvas
    if spec.model_size and rule.fixed:
        size = int(spec.model_size[0]), int(spec.model_size[1])
        rule.check(size)
        return size
    return tuple(rule.canvas_for(sample.shape[:2], (spec.height, spec.width)))


def _request_frames(spec: GenerateSpec, info: EngineInfo) -> int:
    """How many frames to ask the engine for: the timeline frames directly when it makes any count; an extension's
    new frames for its duration at the engine's rate; else the frames spanning the item at the engine's rate (a
    transition's neighbours included), on the engine's frame grid (its native clip for a fixed-length engine)."""
    if info.native_frames is None:  # a transition asks for its two neighbours too: the conform drops them
        return spec.duration_frames + 2 if spec.kind == "transition" else spec.duration_frames
    engine_fps = Fraction(info.fps).limit_denominator(1001)
    if spec.kind == "extend":
        return max(1, round(Fraction(spec.duration_frames) / Fraction(spec.fps) * engine_fps))
    intervals = spec.duration_frames + 1 if spec.kind == "transition" else spec.duration_frames - 1
    return info.frames_for(1 + math.ceil(Fraction(intervals) / Fraction(spec.fps) * engine_fps))


def _run_engine(engine: Any, spec: GenerateSpec, sources: list[np.ndarray], ctx: JobContext) -> GeneratedFrames:
    from engine.conform import place, stretch

    info = engine.info
    if spec.kind not in info.modes:
        raise EngineInputError(f"the {info.label} engine cannot make a {spec.kind}; it makes: {', '.join(info.modes)}")
    canvas = _canvas(spec, info, sources[0][0])
    to_canvas = (lambda frame: stretch(frame, canvas)) if info.canvas.stretch else \
        (lambda frame: place(frame, canvas, spec.fit))
    placed = [np.stack([to_canvas(frame) for frame in frames]) for frames in sources]  # each end on its own
    p = spec.params
    common = dict(prompt=p.prompt, negative_prompt=p.negative_prompt, seed=p.seed,
                  source_name=PurePath(spec.sources[0].path).name,
                  num_frames=_request_frames(spec, info), size=canvas, num_inference_steps=p.steps,
                  scheduler=p.scheduler, guidance_scale=p.guidance, preset=p.preset)
    clock = EtaClock(0.05, 0.9)

    def on_step(step: StepInfo) -> None:
        ctx.report(clock.progress(step.step, step.total, f"{spec.engine} {step.stage} {step.step}/{step.total}"))

    hooks = dict(on_step=on_step, cancelled=ctx.cancelled)
    ctx.report(Progress(0.05, f"generating with {spec.engine}"))
    if spec.kind == "transition":
        return engine.transition(placed[0][0], placed[1][0], TransitionRequest(**common), **hooks)
    if spec.kind == "extend":
        return engine.extend(placed[0], ExtendRequest(**common, num_known=len(placed[0])), **hooks)
    return engine.animate(placed[0][0], AnimateRequest(**common), **hooks)


def _conform(generated: GeneratedFrames, spec: GenerateSpec, sources: list[np.ndarray],
             info: EngineInfo) -> np.ndarray:
    """Exactly ``duration_frames`` frames at the timeline size, placed as the renderer places the sources (a
    stretched canvas back at their aspect, changing from the first source's to the last's). A transition eases from
    and into its neighbours' true frames without showing them; an extension continues from its clip's last frame
    (one engine frame before its first new one, so the first frame it shows is one timeline frame after it); an
    animation starts on the still."""
    from engine.conform import conform, place, stretch

    size = (spec.height, spec.width)
    frames, last = generated.frames, None
    first = place(sources[0][-1], size, spec.fit)
    if spec.kind == "transition":
        last = place(sources[1][0], size, spec.fit)
    if spec.kind == "extend":
        canvas = frames.shape[1:3]
        seam = stretch(sources[0][-1], canvas) if info.canvas.stretch else place(sources[0][-1], canvas, spec.fit)
        frames = np.concatenate([seam[None], frames])
    ends = (sources[0][-1], sources[-1][0])  # the pictures the output starts and ends beside
    aspects = tuple(end.shape[1] / end.shape[0] for end in ends) if info.canvas.stretch else None
    return conform(frames, src_fps=generated.fps, dst_fps=float(spec.fps), num_frames=spec.duration_frames,
                   size=size, fit=spec.fit, first=first, last=last, aspects=aspects,
                   open_ends=(spec.kind != "animate", spec.kind == "transition"))


def _conform_sound(generated: GeneratedFrames, spec: GenerateSpec) -> Optional[np.ndarray]:
    """The engine's sound under the conformed pictures: each moment of the item hears the moment of the generated
    clip its picture shows (the conform's time map), for exactly the item's duration at SOUND_RATE. An extension's
    sound starts with its first new frame, which the map places one frame after the clip's last."""
    from engine.conform import time_map
    from seine_editor.media.audio import varispeed
    from seine_editor.render.audio import frame_sample

    if generated.sound is None:
        return None
    seam = 1 if spec.kind == "extend" else 0  # the clip's last frame, put before an extension's frames to conform
    open_ends = (spec.kind != "animate", spec.kind == "transition")
    first, span = time_map(len(generated.frames) + seam, spec.duration_frames, open_ends)
    fps = Fraction(spec.fps)
    return varispeed(generated.sound, generated.sound_rate, start_s=(first - seam) / generated.fps,
                     speed=span * float(fps) / generated.fps, out_rate=SOUND_RATE,
                     count=frame_sample(spec.duration_frames, SOUND_RATE, fps))


def _provenance(spec: GenerateSpec, identity: str, key: str, resolved: Mapping[str, Any]) -> dict[str, str]:
    """Container tags that say where the movie came from, readable by any player (`ffprobe`, `seine-editor probe`)."""
    sources = [{"role": s.role, "path": s.path, "frames": list(s.frames)} for s in spec.sources]
    return {
        "title": f"seine {spec.kind} {spec.item_id}",
        "comment": json.dumps({"engine": spec.engine, "identity": identity, "fingerprint": key,
                               "params": asdict(spec.params), "resolved": dict(resolved), "sources": sources},
                              sort_keys=True),
        "encoder": f"seine-editor ({spec.engine})",
        "seine_fingerprint": key,
        "seine_engine": identity,
    }
