"""Render speed against ffmpeg's CLI doing the same edit in the same run.

A 1080p30 timeline of 6 H.264 clips joined by 5 one-second dissolves is rendered by `seine-editor render`
(H.264 veryfast CRF 20 + AAC) and by ffmpeg (xfade + acrossfade, same encoder, preset and CRF). Prints
both wall times, the ratio (target <= 1.1) and our peak RSS.

    python bench/render.py               # 10 s clips (55 s timeline)
    python bench/render.py --seconds 30  # longer
"""
from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIPS, FPS, DISSOLVE_FRAMES, WIDTH, HEIGHT = 6, 30, 30, 1920, 1080


def make_clips(folder: Path, seconds: int, ffmpeg: str) -> list[Path]:
    paths = []
    for k in range(CLIPS):
        path = folder / f"clip{k}.mp4"
        subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}:duration={seconds}",
                        "-f", "lavfi", "-i", f"sine=frequency={300 + 80 * k}:sample_rate=48000:duration={seconds}",
                        "-vf", f"hue=h={k * 60}", "-c:v", "libx264", "-preset", "veryfast", "-crf", "18",
                        "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", str(path)], check=True)
        paths.append(path)
    return paths


def make_project(folder: Path, clips: list[Path], seconds: int) -> Path:
    """The xfade edit in OTIO terms: each dissolve eats half a second of handle on both sides."""
    import opentimelineio as otio

    from seine_editor.timeline import otio_io
    from seine_editor.timeline.time import to_range

    total, half = seconds * FPS, DISSOLVE_FRAMES // 2
    track = otio.schema.Track(name="V1")
    for k, path in enumerate(clips):
        start = 0 if k == 0 else half
        end = total if k == CLIPS - 1 else total - half
        if k:
            track.append(otio.schema.Transition(transition_type="SMPTE_Dissolve",
                                                in_offset=to_range(0, half, FPS).duration,
                                                out_offset=to_range(0, half, FPS).duration))
        track.append(otio.schema.Clip(name=f"clip{k}", source_range=to_range(start, end - start, FPS),
                                      media_reference=otio.schema.ExternalReference(
                                          target_url=str(path), available_range=to_range(0, total, FPS))))
    timeline = otio.schema.Timeline("bench", global_start_time=to_range(0, 0, FPS).start_time)
    timeline.tracks.append(track)
    otio_io.write_settings(timeline, otio_io.TimelineSettings(WIDTH, HEIGHT, FPS, 48000))
    project = folder / "bench.otio"
    otio_io.save_timeline(timeline, project)
    return project


def ffmpeg_command(ffmpeg: str, clips: list[Path], seconds: int, out: Path) -> list[str]:
    inputs = [arg for path in clips for arg in ("-i", str(path))]
    duration = DISSOLVE_FRAMES / FPS
    video, audio, last_v, last_a = [], [], "[0:v]", "[0:a]"
    for k in range(1, CLIPS):
        offset = k * (seconds - duration)
        video.append(f"{last_v}[{k}:v]xfade=transition=fade:duration={duration}:offset={offset}[v{k}]")
        audio.append(f"{last_a}[{k}:a]acrossfade=d={duration}[a{k}]")
        last_v, last_a = f"[v{k}]", f"[a{k}]"
    graph = ";".join(video + audio)
    return [ffmpeg, "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", last_v, "-map", last_a,
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac",
            str(out)]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each clip (default 10)")
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("ffmpeg is not installed: there is no peer to compare with", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="seine-bench-") as temp:
        folder = Path(temp)
        clips = make_clips(folder, args.seconds, ffmpeg)
        project = make_project(folder, clips, args.seconds)
        ours = timed([sys.executable, "-m", "seine_editor", "render", str(project), "-o", str(folder / "ours.mp4"),
                      "--preset", "standard", "--crf", "20"])
        our_rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # only our run so far
        theirs = timed(ffmpeg_command(ffmpeg, clips, args.seconds, folder / "ffmpeg.mp4"))
        frames = CLIPS * args.seconds * FPS - (CLIPS - 1) * DISSOLVE_FRAMES
    print(f"timeline: {CLIPS} clips x {args.seconds} s, {CLIPS - 1} dissolves, {frames} frames 1080p30")
    print(f"seine-editor render: {ours:7.2f} s  ({frames / ours:5.1f} fps)  peak RSS {our_rss_mib:.0f} MiB")
    print(f"ffmpeg xfade:        {theirs:7.2f} s  ({frames / theirs:5.1f} fps)")
    print(f"ratio (ours / ffmpeg): {ours / theirs:.2f}  (target <= 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
