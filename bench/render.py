"""Render speed and memory against ffmpeg's CLI doing the same edit in the same run.

A 1080p30 timeline of H.264 clips joined by one-second dissolves is rendered by `seine-editor render`
(H.264 veryfast CRF 20 + AAC) and by ffmpeg (xfade + acrossfade, same encoder, preset and CRF; in chunks of
six clips, as its xfade chain holds every input at once). Prints wall and CPU time per frame and their
ratio (target <= 1.1), our peak RSS (target <= 1 GiB) and our RSS sampled through the render, with its
growth per timeline minute after the first quarter (flat means bounded). CPU time is the steadier figure
on a shared machine.

    python bench/render.py                # 6 clips of 10 s (55 s timeline)
    python bench/render.py --seconds 30   # 6 longer clips
    python bench/render.py --minutes 10   # a 10-minute timeline: clips of --seconds cycling over 6 sources
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

SOURCES, FPS, DISSOLVE_FRAMES, WIDTH, HEIGHT = 6, 30, 30, 1920, 1080
RSS_TARGET_MIB, RATIO_TARGET = 1024, 1.10


def make_sources(folder: Path, seconds: int, ffmpeg: str) -> list[Path]:
    paths = []
    for k in range(SOURCES):
        path = folder / f"source{k}.mp4"
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
        end = total if k == len(clips) - 1 else total - half
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
    for k in range(1, len(clips)):
        offset = k * (seconds - duration)
        video.append(f"{last_v}[{k}:v]xfade=transition=fade:duration={duration}:offset={offset}[v{k}]")
        audio.append(f"{last_a}[{k}:a]acrossfade=d={duration}[a{k}]")
        last_v, last_a = f"[v{k}]", f"[a{k}]"
    graph = ";".join(video + audio)
    return [ffmpeg, "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", last_v, "-map", last_a,
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-c:a", "aac",
            str(out)]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _memory_mib(pid: int) -> tuple[float, float] | None:
    """(current RSS, peak RSS so far) of a running process, from /proc (Linux)."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return None  # not started yet, already gone, or not Linux


def run_measured(command: list[str], sample_s: float = 0.5) -> tuple[float, float, list[tuple[float, float]], float]:
    """(wall seconds, CPU seconds, [(seconds since start, RSS MiB), ...], peak RSS MiB) of one command."""
    cpu, started = _children_cpu(), time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    samples, peak = [], 0.0
    while process.poll() is None:
        memory = _memory_mib(process.pid)
        if memory is not None:
            samples.append((time.perf_counter() - started, memory[0]))
            peak = max(peak, memory[1])
        time.sleep(sample_s)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return time.perf_counter() - started, _children_cpu() - cpu, samples, peak


def rss_growth_mib_per_minute(samples: list[tuple[float, float]], wall: float, timeline_s: float) -> float:
    """Least-squares slope of RSS after the first quarter of the run, per minute of timeline rendered."""
    tail = [(t, rss) for t, rss in samples if t >= wall / 4]
    if len(tail) < 2:
        return 0.0
    mean_t = sum(t for t, _ in tail) / len(tail)
    mean_r = sum(r for _, r in tail) / len(tail)
    slope = sum((t - mean_t) * (r - mean_r) for t, r in tail) / max(1e-9, sum((t - mean_t) ** 2 for t, _ in tail))
    return slope * wall / (timeline_s / 60)  # MiB per wall second -> MiB per timeline minute


def report_ours(frames: int, ours: tuple, timeline_s: float, target_min: float) -> None:
    wall, cpu, samples, peak_mib = ours
    print(f"seine-editor render: {wall:7.1f} s  ({frames / wall:5.1f} fps)  CPU {1000 * cpu / frames:5.1f} ms/frame  "
          f"peak RSS {peak_mib:.0f} MiB", flush=True)
    marks = [samples[min(len(samples) - 1, int(len(samples) * q))] for q in (0.1, 0.25, 0.5, 0.75)] + samples[-1:]
    print("our RSS through the render: " + "  ".join(f"{100 * t / wall:3.0f}%: {rss:.0f} MiB" for t, rss in marks))
    growth = rss_growth_mib_per_minute(samples, wall, timeline_s)
    projected = peak_mib + max(0.0, growth) * max(0.0, target_min - timeline_s / 60)
    print(f"RSS growth after the first quarter: {growth:+.1f} MiB per timeline minute; projected peak for a "
          f"{target_min:.0f}-minute timeline: {projected:.0f} MiB (target <= {RSS_TARGET_MIB} MiB)", flush=True)


def run_peer(ffmpeg: str, clips: list[Path], seconds: int, folder: Path) -> tuple[int, float, float, float]:
    """ffmpeg doing the edit in chunks of at most SOURCES clips (its xfade chain reads every input at once and
    queues their frames, which takes gigabytes on long timelines). Returns (frames, wall, CPU, peak MiB)."""
    frames, wall, cpu, peak = 0, 0.0, 0.0, 0.0
    for first in range(0, len(clips), SOURCES):
        chunk = clips[first:first + SOURCES]
        chunk_wall, chunk_cpu, _, chunk_peak = run_measured(ffmpeg_command(ffmpeg, chunk, seconds,
                                                                           folder / "ffmpeg.mp4"))
        frames += len(chunk) * seconds * FPS - (len(chunk) - 1) * DISSOLVE_FRAMES
        wall, cpu, peak = wall + chunk_wall, cpu + chunk_cpu, max(peak, chunk_peak)
    return frames, wall, cpu, peak


def report_ratio(frames: int, ours: tuple, peer: tuple) -> None:
    wall, cpu = ours[0] / frames, ours[1] / frames
    peer_frames, peer_wall, peer_cpu, peer_peak = peer
    print(f"ffmpeg xfade:        {peer_wall:7.1f} s  ({peer_frames / peer_wall:5.1f} fps)  CPU "
          f"{1000 * peer_cpu / peer_frames:5.1f} ms/frame  peak RSS {peer_peak:.0f} MiB  ({peer_frames} frames)")
    print(f"ratio per frame (ours / ffmpeg): wall {wall / (peer_wall / peer_frames):.2f}  "
          f"CPU {cpu / (peer_cpu / peer_frames):.2f}  (target <= {RATIO_TARGET})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="length of each clip (default 10)")
    parser.add_argument("--minutes", type=float, help="timeline length; clips cycle over 6 sources")
    args = parser.parse_args()
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        print("ffmpeg is not installed: there is no peer to compare with", file=sys.stderr)
        return 1
    dissolve_s = DISSOLVE_FRAMES / FPS
    count = SOURCES if args.minutes is None else max(2, round((args.minutes * 60 - dissolve_s) /
                                                               (args.seconds - dissolve_s)))
    with tempfile.TemporaryDirectory(prefix="seine-bench-") as temp:
        folder = Path(temp)
        sources = make_sources(folder, args.seconds, ffmpeg)
        clips = [sources[k % SOURCES] for k in range(count)]
        project = make_project(folder, clips, args.seconds)
        frames = count * args.seconds * FPS - (count - 1) * DISSOLVE_FRAMES
        timeline_s = frames / FPS
        print(f"timeline: {count} clips x {args.seconds} s ({SOURCES} sources), {count - 1} dissolves, {frames} "
              f"frames ({timeline_s / 60:.1f} min) 1080p30", flush=True)
        ours = run_measured([sys.executable, "-m", "seine_editor", "render", str(project), "-o",
                             str(folder / "ours.mp4"), "--preset", "standard", "--crf", "20"])
        report_ours(frames, ours, timeline_s, max(10.0, args.minutes or 0))
        report_ratio(frames, ours, run_peer(ffmpeg, clips, args.seconds, folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
