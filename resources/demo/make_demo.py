"""The demo project: four procedurally painted shots (dawn, sea, city at night, aurora), a dissolve and a
generative transition baked with the morph engine, so it plays and renders anywhere without weights.

    python -m resources.demo.make_demo [FOLDER] [--size 640x360] [--shot-frames 72]
    python resources/demo/make_demo.py [FOLDER]     # the same, run as a script
    seine-editor render FOLDER/demo.otio -o demo.mp4

`ensure_demo(folder)` is what the editor calls (through `seine_editor.demo`). It does no work when the
demo in ``folder`` is complete and made to the same spec, and rebuilds it otherwise. Completeness is a
manifest (demo.json: the spec and every file's size) written last: each file is written to a temp name and
renamed into place, so an interrupted build leaves no manifest, and the next call builds it again.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

DEMO_VERSION = 3  # 3: the shots' sound on A1, linked as the editor places it
MANIFEST = "demo.json"
PROJECT = "demo.otio"
PROMPT = "the sea turns into a city at night"


@dataclass(frozen=True)
class DemoSpec:
    """How big the demo is. The default is the one the editor opens; `small()` is for quick tests."""

    width: int = 640
    height: int = 360
    shot_frames: int = 72  # per shot, at 24 fps
    handle: int = 12  # extra frames at both ends of every shot file, for the dissolve
    bridge_frames: int = 16  # the generated transition
    audio_rate: int = 48000

    @classmethod
    def small(cls) -> "DemoSpec":
        return cls(width=160, height=96, shot_frames=12, handle=4, bridge_frames=4)

    @property
    def fps(self) -> Fraction:
        return Fraction(24)

    @property
    def dissolve_frames(self) -> int:
        return 2 * self.handle

    def check(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise ValueError(f"demo size {self.width}x{self.height}: width and height must be even and positive")
        if self.shot_frames < self.dissolve_frames or self.handle < 1 or self.bridge_frames < 1:
            raise ValueError(f"shots of {self.shot_frames} frames cannot hold a dissolve of {self.dissolve_frames}; "
                             "use shots at least twice the handle long and a handle and bridge of at least 1")


# ------------------------------------------------------------------------------------------ painting


def _gradient(top, bottom, width: int, height: int) -> np.ndarray:
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    column = (1 - ramp) * np.asarray(top, float) + ramp * np.asarray(bottom, float)
    return np.repeat(column, width, axis=1)


def _title(frame: np.ndarray, text: str, t: float, y: int) -> None:
    height, width = frame.shape[:2]
    alpha, scale, thickness = min(1.0, t * 3), 1.3 * height / 360, max(1, round(2 * height / 360))
    overlay = frame.copy()
    (w, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, thickness)
    cv2.putText(overlay, text, ((width - w) // 2, y), cv2.FONT_HERSHEY_DUPLEX, scale, (255, 250, 240), thickness,
                cv2.LINE_AA)
    cv2.addWeighted(overlay, alpha, frame, 1 - alpha, 0, dst=frame)


def dawn(t: float, width: int, height: int) -> np.ndarray:
    s = height / 360
    frame = _gradient((40 + 60 * t, 30, 90), (250, 150 + 40 * t, 80), width, height).astype(np.uint8)
    cv2.circle(frame, (width // 2, int(height * (0.9 - 0.35 * t))), round(46 * s), (255, 230, 150), -1, cv2.LINE_AA)
    cv2.rectangle(frame, (0, int(height * 0.78)), (width, height), (30, 20, 40), -1)
    _title(frame, "SEINE EDITOR", t, round(80 * s))
    return frame


def sea(t: float, width: int, height: int) -> np.ndarray:
    s = height / 360
    frame = _gradient((120, 190, 240), (10, 60, 130), width, height).astype(np.uint8)
    xs = np.arange(width)
    for row in range(8):
        base = height * 0.45 + row * 22 * s
        ys = base + 6 * s * np.sin(xs / ((40 + 6 * row) * s) + t * 6 + row)
        points = np.stack([xs, ys], axis=1).astype(np.int32)
        cv2.polylines(frame, [points], False, (200, 230, 255), max(1, round(2 * s)), cv2.LINE_AA)
    cv2.circle(frame, (int(width * (0.2 + 0.5 * t)), round(70 * s)), round(26 * s), (255, 255, 235), -1, cv2.LINE_AA)
    return frame


def city(t: float, width: int, height: int) -> np.ndarray:
    s = height / 360
    frame = _gradient((8, 8, 30), (40, 20, 70), width, height).astype(np.uint8)
    rng = np.random.default_rng(7)
    cv2.circle(frame, (int(width * (0.85 - 0.2 * t)), round(60 * s)), round(22 * s), (240, 240, 210), -1, cv2.LINE_AA)
    x = 0
    while x < width:
        w, h = round(int(rng.integers(40, 90)) * s), round(int(rng.integers(90, 260)) * s)
        cv2.rectangle(frame, (x, height - h), (x + w, height), (20, 22, 35), -1)
        for wy in range(height - h + round(10 * s), height - round(10 * s), max(2, round(18 * s))):
            for wx in range(x + round(8 * s), x + w - round(8 * s), max(2, round(14 * s))):
                if rng.random() < 0.45 + 0.2 * np.sin(t * 9 + wx * 0.3 / s + wy / s):
                    cv2.rectangle(frame, (wx, wy), (wx + round(6 * s), wy + round(9 * s)), (255, 210, 120), -1)
        x += w + max(1, round(4 * s))
    return frame


def aurora(t: float, width: int, height: int) -> np.ndarray:
    s = height / 360
    frame = _gradient((5, 10, 30), (10, 40, 50), width, height).astype(np.float32)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    for k, colour in enumerate(((60, 255, 160), (120, 120, 255))):
        centre = height * (0.35 + 0.1 * k) + 30 * s * np.sin(xx / (90 * s) + t * 4 + k * 2)
        band = np.exp(-((yy - centre) / (25 * s)) ** 2)[..., None]
        frame += band * np.asarray(colour, np.float32) * 0.7
    frame = np.clip(frame, 0, 255).astype(np.uint8)
    cv2.rectangle(frame, (0, int(height * 0.85)), (width, height), (5, 15, 10), -1)
    _title(frame, "THE END", max(0.0, t - 0.3), height - round(90 * s))
    return frame


SHOTS = (("Dawn", dawn, 220.0), ("Sea", sea, 262.0), ("City", city, 196.0), ("Aurora", aurora, 330.0))


def shot_frame(painter, index: int, spec: DemoSpec) -> np.ndarray:
    """Frame ``index`` of a shot file (handles included)."""
    return painter(min(1.0, max(0.0, (index - spec.handle) / spec.shot_frames)), spec.width, spec.height)


# ------------------------------------------------------------------------------------------ media


def _write_shot(path: Path, painter, tone_hz: float, spec: DemoSpec) -> None:
    """One shot with its handles and a soft chord; MediaWriter renames it into place when complete."""
    from seine_editor.media.writer import MediaWriter

    total = spec.shot_frames + 2 * spec.handle
    samples = int(total / spec.fps * spec.audio_rate)
    t = np.arange(samples) / spec.audio_rate
    pad = 0.08 * (np.sin(2 * np.pi * tone_hz * t) + 0.5 * np.sin(2 * np.pi * tone_hz * 1.5 * t))
    with MediaWriter(path, width=spec.width, height=spec.height, fps=spec.fps, codec="h264", preset="high",
                     audio_rate=spec.audio_rate) as writer:
        for index in range(total):
            writer.write_frame(shot_frame(painter, index, spec))
        writer.write_audio(np.stack([pad, pad]).astype(np.float32))


def _bake_morph(path: Path, first: np.ndarray, last: np.ndarray, spec: DemoSpec) -> str:
    """The transition made by the weight-free morph engine, written as ProRes; returns the engine identity."""
    from engine.api import TransitionRequest
    from engine.registry import load_engine
    from seine_editor.media.writer import MediaWriter

    engine = load_engine("morph")
    result = engine.transition(first, last, TransitionRequest(prompt=PROMPT, num_frames=spec.bridge_frames, seed=1))
    with MediaWriter(path, width=spec.width, height=spec.height, fps=spec.fps, codec="prores") as writer:
        for frame in result.frames:
            if frame.shape[:2] != (spec.height, spec.width):
                frame = cv2.resize(frame, (spec.width, spec.height), interpolation=cv2.INTER_AREA)
            writer.write_frame(frame)
    return engine.identity


# ------------------------------------------------------------------------------------------ project


def _timeline(paths: dict[str, Path], baked: Path, identity: str, spec: DemoSpec):
    """Dawn, dissolve, Sea, the generated bridge, City, Aurora on V1, their sound linked on A1: made with the
    editor's own edits, so the demo is what a person would have built in the window."""
    from seine_editor.media.probe import probe
    from seine_editor.timeline import otio_io
    from seine_editor.timeline.document import TimelineDocument

    document = TimelineDocument(rate=spec.fps)
    document.timeline.name = "Seine Editor demo"
    video = document.track_ids("video")[0]
    shots = {name: document.append_clip(probe(paths[name]), video, duration_frames=spec.shot_frames,
                                        source_start_frame=spec.handle, name=name).ids[0]
             for name in ("Dawn", "Sea", "City", "Aurora")}
    document.add_dissolve(shots["Dawn"], spec.handle, spec.handle)
    bridge = document.add_generative_transition(shots["Sea"], spec.bridge_frames, "bridge",
                                                {"prompt": PROMPT, "seed": 1, "engine": "morph"}).ids[0]
    document.rename_clip(bridge, "Sea to City")
    document.attach_generated_media(bridge, str(baked), provenance={"engine": "morph", "engine_identity": identity})
    otio_io.write_settings(document.timeline, otio_io.TimelineSettings(spec.width, spec.height, spec.fps,
                                                                       spec.audio_rate))
    return document.timeline


def _manifest(folder: Path, spec: DemoSpec, files: list[Path]) -> dict:
    return {"version": DEMO_VERSION, "spec": asdict(spec),
            "files": {str(path.relative_to(folder)): path.stat().st_size for path in files}}


def is_complete(folder, spec: DemoSpec = DemoSpec()) -> bool:
    """Whether ``folder`` holds a whole demo made to ``spec``: its manifest matches and every file it lists
    is there at its recorded size."""
    folder = Path(folder)
    try:
        recorded = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("version") != DEMO_VERSION \
            or recorded.get("spec") != asdict(spec) or not isinstance(recorded.get("files"), dict):
        return False
    for name, size in recorded["files"].items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != size:
            return False
    return PROJECT in recorded["files"]


def build_demo(folder, spec: DemoSpec = DemoSpec()) -> Path:
    """Make every file of the demo in ``folder`` (replacing what is there) and write the manifest last."""
    from seine_editor.media.cache import atomic_write_bytes
    from seine_editor.timeline import otio_io

    spec.check()
    folder = Path(folder)
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)  # from here until the end the demo counts as half-made
    paths = {name: media / f"{name.lower()}.mp4" for name, _, _ in SHOTS}
    for name, painter, tone in SHOTS:
        _write_shot(paths[name], painter, tone, spec)
    baked = media / "GEN_transition_Sea_to_City_v1.mov"
    last_sea, first_city = spec.handle + spec.shot_frames - 1, spec.handle
    identity = _bake_morph(baked, shot_frame(sea, last_sea, spec), shot_frame(city, first_city, spec), spec)
    project = folder / PROJECT
    otio_io.save_timeline(_timeline(paths, baked, identity, spec), project, backups=0)
    manifest = _manifest(folder, spec, [*paths.values(), baked, project])
    atomic_write_bytes(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    return project


def ensure_demo(folder=None, spec: DemoSpec = DemoSpec()) -> Path:
    """The demo project in ``folder`` (default: beside this file), built unless already whole."""
    folder = Path(folder) if folder else Path(__file__).resolve().parent
    if is_complete(folder, spec):
        return folder / PROJECT
    return build_demo(folder, spec)


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT (e.g. 640x360)") from None
    return width, height


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Make the Seine Editor demo project (once; later runs reuse it).")
    parser.add_argument("folder", nargs="?", help="where to make it (default: beside this script)")
    parser.add_argument("--size", type=_parse_size, default=(DemoSpec.width, DemoSpec.height), help="WIDTHxHEIGHT")
    parser.add_argument("--shot-frames", type=int, default=DemoSpec.shot_frames, help="frames per shot at 24 fps")
    args = parser.parse_args(argv)
    spec = DemoSpec(width=args.size[0], height=args.size[1], shot_frames=args.shot_frames)
    try:
        spec.check()
    except ValueError as error:
        print(f"make_demo: {error}", file=sys.stderr)
        return 2
    print(ensure_demo(args.folder, spec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
