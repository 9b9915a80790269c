"""Decode speed of FrameReader against the ffmpeg command line, measured in the same run.

For generated 1080p and 720p H.264 clips (GOP 12 and GOP 250, 2 B-frames) it prints:
- sequential decode rate of FrameReader (RGB24 arrays) and of two ffmpeg peers, with our ratio to each:
  `ffmpeg -i X -f null -` (decodes, converts nothing) and `ffmpeg -i X -pix_fmt rgb24 -f rawvideo -`
  into /dev/null (decodes and converts to RGB, the same work as ours);
- random-frame latency p50/p95 of FrameReader on the original and through a 540p proxy.
Each rate is the best of --repeat runs, so a busy shared machine skews the figures less.

Usage: python bench/decode.py [--frames N] [--random N] [--repeat N] [--ffmpeg PATH]
Targets: sequential >= 1.0x `ffmpeg -f null`; random-frame p95 <= 60 ms at 1080p through a proxy.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from seine_editor.media.proxy import make_proxy  # noqa: E402
from seine_editor.media.reader import FrameReader  # noqa: E402
from seine_editor.media.synthetic import write_coded_video  # noqa: E402

CASES = [(1920, 1080, 12), (1920, 1080, 250), (1280, 720, 12), (1280, 720, 250)]


def ffmpeg_fps(ffmpeg: str, path: Path, frames: int, rgb: bool) -> float:
    output = ["-pix_fmt", "rgb24", "-f", "rawvideo", "-"] if rgb else ["-f", "null", "-"]
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run([ffmpeg, "-v", "error", "-i", str(path), "-an", *output], check=True, stdout=sink)
    return frames / (time.perf_counter() - start)


def reader_fps(path: Path) -> float:
    start = time.perf_counter()
    with FrameReader(path, cache_bytes=0) as reader:
        count = sum(1 for _ in reader.frames())
    return count / (time.perf_counter() - start)


def best_of(repeat: int, measure) -> float:
    return max(measure() for _ in range(repeat))


def random_latency_ms(path: Path, count: int, proxy: Path | None = None) -> tuple[float, float]:
    with FrameReader(path, proxy=proxy, cache_bytes=0) as reader:
        order = random.Random(1).sample(range(len(reader)), min(count, len(reader)))
        reader.frame(0)  # open and warm the decoder outside the timing
        times = []
        for index in order:
            start = time.perf_counter()
            reader.frame(index)
            times.append((time.perf_counter() - start) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=240, help="frames per generated clip")
    parser.add_argument("--random", type=int, default=40, help="random reads per latency figure")
    parser.add_argument("--repeat", type=int, default=3, help="runs per rate; the best is kept")
    parser.add_argument("--ffmpeg", default=shutil.which("ffmpeg") or "/usr/bin/ffmpeg")
    args = parser.parse_args()
    header = (f"{'clip':<16}{'reader fps':>11}{'null fps':>10}{'ratio':>7}{'rgb24 fps':>10}{'ratio':>7}"
              f"{'orig p50/p95 ms':>18}{'proxy p50/p95 ms':>18}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for width, height, gop in CASES:
            clip = write_coded_video(folder / f"{height}p_gop{gop}.mp4", frames=args.frames, width=width,
                                     height=height, gop=gop, bframes=2, crf=23)
            proxy = make_proxy(clip, folder / "cache")
            ours = best_of(args.repeat, lambda: reader_fps(clip))
            null = best_of(args.repeat, lambda: ffmpeg_fps(args.ffmpeg, clip, args.frames, rgb=False))
            rgb = best_of(args.repeat, lambda: ffmpeg_fps(args.ffmpeg, clip, args.frames, rgb=True))
            original = random_latency_ms(clip, args.random)
            proxied = random_latency_ms(clip, args.random, proxy)
            print(f"{f'{height}p GOP {gop}':<16}{ours:>11.1f}{null:>10.1f}{ours / null:>6.2f}x{rgb:>10.1f}"
                  f"{ours / rgb:>6.2f}x{f'{original[0]:.1f}/{original[1]:.1f}':>18}"
                  f"{f'{proxied[0]:.1f}/{proxied[1]:.1f}':>18}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
