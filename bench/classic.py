"""Morph speed: frames per second of MorphEngine.transition at 1280×720 and 1920×1080, against two peers run
on the same frames in the same run:

- ffmpeg's motion-compensated ``minterpolate`` filter making the same number of frames from the two stills;
- the same bidirectional warp with OpenCV Farneback flow computed at full resolution (the textbook morph).

Usage: ``python bench/classic.py [--frames 16] [--repeat 3]``. The target is ≥ 25 frames/s at 720p.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import TransitionRequest  # noqa: E402
from engine.classic import FlowField, MorphEngine, morph_frame  # noqa: E402


def scene_pair(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Two frames of a smooth textured scene: the camera pans 3% of the width and turns 2 degrees."""
    rng = np.random.default_rng(0)
    big = cv2.resize(rng.integers(0, 256, (height // 16, width // 16, 3), dtype=np.uint8),
                     (width + width // 8, height + height // 8), interpolation=cv2.INTER_CUBIC)
    first = big[: height, : width].copy()
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), 2.0, 1.0)
    turn[0, 2] -= width * 0.03
    last = cv2.warpAffine(big, turn, (width, height), borderMode=cv2.BORDER_REFLECT)
    return first, last


def best_of(repeat: int, action) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def farneback_full_resolution(first, last, frames: int) -> None:
    height, width = first.shape[:2]
    forward = FlowField.estimate(first, last, work_side=max(height, width), method="farneback")
    backward = FlowField.estimate(last, first, work_side=max(height, width), method="farneback")
    for index in range(1, frames - 1):
        morph_frame(first, last, forward, backward, index / (frames - 1))


def ffmpeg_minterpolate(first, last, frames: int, folder: Path) -> None:
    for index, image in enumerate((first, last)):
        cv2.imwrite(str(folder / f"{index}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    subprocess.run(["ffmpeg", "-v", "error", "-framerate", "1", "-i", str(folder / "%d.png"), "-vf",
                    f"minterpolate=fps={frames - 1}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir", "-frames:v",
                    str(frames), "-f", "null", "-"], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = MorphEngine()
    have_ffmpeg = shutil.which("ffmpeg") is not None
    print(f"morph transition of {args.frames} frames, best of {args.repeat}, cv2 threads {cv2.getNumThreads()}")
    for width, height in ((1280, 720), (1920, 1080)):
        first, last = scene_pair(width, height)
        ours = best_of(args.repeat, lambda: engine.transition(first, last, TransitionRequest(num_frames=args.frames)))
        farneback = best_of(args.repeat, lambda: farneback_full_resolution(first, last, args.frames))
        print(f"{width}x{height}: MorphEngine {args.frames / ours:7.1f} frames/s | full-res Farneback morph "
              f"{args.frames / farneback:6.1f} frames/s (ratio {farneback / ours:5.1f}x)", end="")
        if have_ffmpeg:
            with tempfile.TemporaryDirectory() as folder:
                peer = best_of(args.repeat, lambda: ffmpeg_minterpolate(first, last, args.frames, Path(folder)))
            print(f" | ffmpeg minterpolate {args.frames / peer:6.1f} frames/s (ratio {peer / ours:5.1f}x)")
        else:
            print(" | ffmpeg not found: minterpolate peer skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
