"""The demo project: four procedurally painted shots (dawn, sea, city at night, aurora), a dissolve and a
generative transition baked with the morph engine, so it plays and renders anywhere without weights.

    python resources/demo/make_demo.py          # makes resources/demo/media/ and resources/demo/demo.otio
    seine-editor render resources/demo/demo.otio -o demo.mp4
"""
from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT, FPS, SHOT_FRAMES, AUDIO_RATE = 640, 360, Fraction(24), 72, 48000
HANDLE = 12  # extra frames at both ends of every shot, for the dissolve


def _gradient(top, bottom) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, HEIGHT)[:, None, None]
    column = (1 - ramp) * np.asarray(top, float) + ramp * np.asarray(bottom, float)
    return np.repeat(column, WIDTH, axis=1)


def _title(frame: np.ndarray, text: str, t: float, y: int) -> None:
    alpha = min(1.0, t * 3)
    overlay = frame.copy()
    scale = 1.3
    (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, 2)
    cv2.putText(overlay, text, ((WIDTH - w) // 2, y), cv2.FONT_HERSHEY_DUPLEX, scale, (255, 250, 240), 2, cv2.LINE_AA)
    cv2.addWeighted(overlay, alpha, frame, 1 - alpha, 0, dst=frame)


def dawn(t: float) -> np.ndarray:
    frame = _gradient((40 + 60 * t, 30, 90), (250, 150 + 40 * t, 80)).astype(np.uint8)
    cv2.circle(frame, (WIDTH // 2, int(HEIGHT * (0.9 - 0.35 * t))), 46, (255, 230, 150), -1, cv2.LINE_AA)
    cv2.rectangle(frame, (0, int(HEIGHT * 0.78)), (WIDTH, HEIGHT), (30, 20, 40), -1)
    _title(frame, "SEINE EDITOR", t, 80)
    return frame


def sea(t: float) -> np.ndarray:
    frame = _gradient((120, 190, 240), (10, 60, 130)).astype(np.uint8)
    xs = np.arange(WIDTH)
    for row in range(8):
        base = HEIGHT * 0.45 + row * 22
        ys = base + 6 * np.sin(xs / (40 + 6 * row) + t * 6 + row)
        points = np.stack([xs, ys], axis=1).astype(np.int32)
        cv2.polylines(frame, [points], False, (200, 230, 255), 2, cv2.LINE_AA)
    cv2.circle(frame, (int(WIDTH * (0.2 + 0.5 * t)), 70), 26, (255, 255, 235), -1, cv2.LINE_AA)
    return frame


def city(t: float) -> np.ndarray:
    frame = _gradient((8, 8, 30), (40, 20, 70)).astype(np.uint8)
    rng = np.random.default_rng(7)
    cv2.circle(frame, (int(WIDTH * (0.85 - 0.2 * t)), 60), 22, (240, 240, 210), -1, cv2.LINE_AA)
    x = 0
    while x < WIDTH:
        w, h = int(rng.integers(40, 90)), int(rng.integers(90, 260))
        cv2.rectangle(frame, (x, HEIGHT - h), (x + w, HEIGHT), (20, 22, 35), -1)
        for wy in range(HEIGHT - h + 10, HEIGHT - 10, 18):
            for wx in range(x + 8, x + w - 8, 14):
                if rng.random() < 0.45 + 0.2 * np.sin(t * 9 + wx * 0.3 + wy):
                    cv2.rectangle(frame, (wx, wy), (wx + 6, wy + 9), (255, 210, 120), -1)
        x += w + 4
    return frame


def aurora(t: float) -> np.ndarray:
    frame = _gradient((5, 10, 30), (10, 40, 50)).astype(np.float32)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    for k, colour in enumerate(((60, 255, 160), (120, 120, 255))):
        centre = HEIGHT * (0.35 + 0.1 * k) + 30 * np.sin(xx / 90 + t * 4 + k * 2)
        band = np.exp(-((yy - centre) / 25) ** 2)[..., None]
        frame += band * np.asarray(colour, np.float32) * 0.7
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    cv2.rectangle(frame, (0, int(HEIGHT * 0.85)), (WIDTH, HEIGHT), (5, 15, 10), -1)
    _title(frame, "THE END", max(0.0, t - 0.3), HEIGHT - 90)
    return frame


SHOTS = (("Dawn", dawn, 220.0), ("Sea", sea, 262.0), ("City", city, 196.0), ("Aurora", aurora, 330.0))


def shot_frame(painter, index: int) -> np.ndarray:
    """Frame ``index`` of a shot file (handles included)."""
    return painter(min(1.0, max(0.0, (index - HANDLE) / SHOT_FRAMES)))


def _write_shot(path: Path, painter, tone_hz: float) -> None:
    from seine_editor.media.writer import MediaWriter

    total = SHOT_FRAMES + 2 * HANDLE
    samples = int(total / FPS * AUDIO_RATE)
    t = np.arange(samples) / AUDIO_RATE
    pad = 0.08 * (np.sin(2 * np.pi * tone_hz * t) + 0.5 * np.sin(2 * np.pi * tone_hz * 1.5 * t))
    with MediaWriter(path, width=WIDTH, height=HEIGHT, fps=FPS, codec="h264", preset="high",
                     audio_rate=AUDIO_RATE) as writer:
        for index in range(total):
            writer.write_frame(shot_frame(painter, index))
        writer.write_audio(np.stack([pad, pad]).astype(np.float32))


def _bake_morph(path: Path, first: np.ndarray, last: np.ndarray, frames: int) -> dict:
    from engine.api import TransitionRequest
    from engine.registry import load_engine
    from seine_editor.media.writer import MediaWriter

    engine = load_engine("morph")
    result = engine.transition(first, last, TransitionRequest(prompt="the sea turns into a city at night",
                                                              num_frames=frames, seed=1))
    with MediaWriter(path, width=WIDTH, height=HEIGHT, fps=FPS, codec="prores") as writer:
        for frame in result.frames:
            writer.write_frame(cv2.resize(frame, (WIDTH, HEIGHT)) if frame.shape[:2] != (HEIGHT, WIDTH) else frame)
    return {"engine": engine.name, "identity": engine.identity}


def ensure_demo(folder=None) -> Path:
    """Make the demo media and project in ``folder`` (default: beside this file) unless already there."""
    import opentimelineio as otio

    from seine_editor.timeline import generated, meta, otio_io
    from seine_editor.timeline.time import to_range

    folder = Path(folder) if folder else Path(__file__).resolve().parent
    project = folder / "demo.otio"
    if project.exists():
        return project
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, painter, tone in SHOTS:
        paths[name] = media / f"{name.lower()}.mp4"
        if not paths[name].exists():
            _write_shot(paths[name], painter, tone)
    track = otio.schema.Track(name="V1")
    available = to_range(0, SHOT_FRAMES + 2 * HANDLE, FPS)

    def shot(name):
        reference = otio.schema.ExternalReference(target_url=str(paths[name]), available_range=available)
        return otio.schema.Clip(name=name, media_reference=reference, source_range=to_range(HANDLE, SHOT_FRAMES, FPS))

    bridge_frames = 16
    params = generated.normalize_params(generated.TRANSITION, {"prompt": "the sea turns into a city at night",
                                                               "seed": 1, "engine": "morph"})
    last_sea, first_city = HANDLE + SHOT_FRAMES - 1, HANDLE
    bridge = generated.make_placeholder(generated.TRANSITION, bridge_frames, FPS, params, [
        generated.source("left", None, str(paths["Sea"]), last_sea),
        generated.source("right", None, str(paths["City"]), first_city)], name="Sea to City")
    baked = media / "GEN_transition_Sea_to_City_v1.mov"
    identity = _bake_morph(baked, shot_frame(sea, last_sea), shot_frame(city, first_city), bridge_frames)
    generated.attach_take(bridge, str(baked), bridge_frames, FPS)
    meta.update(bridge, engine_identity=identity["identity"])
    for child in (shot("Dawn"), otio.schema.Transition(transition_type="SMPTE_Dissolve",
                                                        in_offset=to_range(0, 12, FPS).duration,
                                                        out_offset=to_range(0, 12, FPS).duration),
                  shot("Sea"), bridge, shot("City"), shot("Aurora")):
        track.append(child)
    timeline = otio.schema.Timeline("Seine Editor demo", global_start_time=to_range(0, 0, FPS).start_time)
    timeline.tracks.append(track)
    otio_io.write_settings(timeline, otio_io.TimelineSettings(WIDTH, HEIGHT, FPS, AUDIO_RATE))
    otio_io.save_timeline(timeline, project)
    return project


if __name__ == "__main__":
    print(ensure_demo(sys.argv[1] if len(sys.argv) > 1 else None))
