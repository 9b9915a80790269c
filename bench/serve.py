"""What running the engine out of the editor's process costs, measured in the same run against the in-process peer.

1. Transport overhead per job: a 16-frame 512×320 transition of the crossfade engine (cheap, so the transport is
   what is measured) in process, in the local engine worker, on `seine-editor serve` (uvicorn, engine in the
   server's process, then behind its worker process) and on a one-replica Ray Serve farm. Each row is the median of
   --jobs runs after a warm-up; overhead = the median minus the in-process median.
2. Farm throughput: 8 items of the stripes test engine (one CPU core busy per step: --work-s × 6 steps) on 1 and on
   2 Ray Serve replicas, sent at once as `seine-editor generate --server` sends them; the ratio is items/s on 2 over
   items/s on 1.

Usage: python bench/serve.py [--jobs N] [--work-s S] [--no-ray]
Targets: overhead <= 50 ms per 16-frame job (<= 3 % of a 2-second GPU draft); 2 replicas >= 1.7x the items/s of 1.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from engine import TransitionRequest, load_engine, registry  # noqa: E402
from engine.service.http_client import HttpEngineClient  # noqa: E402
from engine.service.protocol import Limits  # noqa: E402
from engine.service.worker import LocalWorker  # noqa: E402

HEIGHT, WIDTH, FRAMES, ITEMS = 320, 512, 16, 8
STRIPES = ("engine.testing_engines", "StripesEngine")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def median_job_s(engine, first, last, jobs: int) -> float:
    engine.transition(first, last, TransitionRequest(num_frames=FRAMES))  # warm-up: loads, connects, compiles
    times = []
    for _ in range(jobs):
        started = time.perf_counter()
        engine.transition(first, last, TransitionRequest(num_frames=FRAMES))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


class Uvicorn:
    """`seine-editor serve` in a subprocess on 127.0.0.1, stopped on exit."""

    def __init__(self, *flags: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([sys.executable, "-m", "seine_editor", "serve", "--engine", "crossfade",
                                         "--port", str(self.port), *flags], cwd=ROOT, stderr=subprocess.DEVNULL)

    def __enter__(self) -> HttpEngineClient:
        client = HttpEngineClient(self.url)
        deadline = time.monotonic() + 60
        while True:
            try:
                client.health()
                return client
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)


def overheads(jobs: int, ray_farm) -> list[tuple[str, float]]:
    rng = np.random.default_rng(0)
    first, last = (rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8) for _ in range(2))
    rows = [("in process", median_job_s(load_engine("crossfade"), first, last, jobs))]
    worker = LocalWorker()
    try:
        rows.append(("local worker", median_job_s(worker.get("crossfade"), first, last, jobs)))
    finally:
        worker.close()
    with Uvicorn("--in-process") as client:
        rows.append(("HTTP (uvicorn)", median_job_s(client.engine("crossfade"), first, last, jobs)))
    with Uvicorn() as client:
        rows.append(("HTTP + server's worker", median_job_s(client.engine("crossfade"), first, last, jobs)))
    if ray_farm is not None:
        url = ray_farm("crossfade", {}, 1)
        rows.append(("Ray Serve, 1 replica", median_job_s(HttpEngineClient(url).engine("crossfade"), first, last,
                                                          jobs)))
    return rows


def items_per_s(url: str, work_s: float) -> float:
    engine = HttpEngineClient(url).engine("stripes")
    first, last = np.zeros((48, 48, 3), np.uint8), np.full((48, 48, 3), 200, np.uint8)
    engine.transition(first, last, TransitionRequest(num_frames=6, preset="slow"))  # every replica warm
    started = time.perf_counter()
    with ThreadPoolExecutor(ITEMS) as pool:
        list(pool.map(lambda seed: engine.transition(first, last, TransitionRequest(num_frames=6, seed=seed,
                                                                                     preset="slow")),
                      range(ITEMS)))
    return ITEMS / (time.perf_counter() - started)


def ray_farm_maker():
    """Deploy on a local Ray (2 CPUs); returns ``deploy(engine, options, replicas) -> url``."""
    import ray

    from engine.service.ray_app import run_on_ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    port = free_port()

    def deploy(name: str, options: dict, replicas: int) -> str:
        run_on_ray(name, options, replicas=replicas, host="127.0.0.1", port=port, token=None, limits=Limits(),
                   queue_size=8)
        return f"http://127.0.0.1:{port}"
    return deploy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=15, help="timed jobs per row (median)")
    parser.add_argument("--work-s", type=float, default=0.25, help="one core's work per step of a farm item")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray Serve rows")
    args = parser.parse_args()
    registry.register("stripes", *STRIPES)
    farm = None if args.no_ray else ray_farm_maker()
    try:
        rows = overheads(args.jobs, farm)
        base = rows[0][1]
        print(f"# transport overhead, {FRAMES}-frame {WIDTH}x{HEIGHT} crossfade transition, median of {args.jobs}")
        print(f"{'where':<26}{'ms/job':>10}{'overhead ms':>14}")
        for where, seconds in rows:
            print(f"{where:<26}{seconds * 1e3:>10.1f}{(seconds - base) * 1e3:>14.1f}")
        if farm is not None:
            one = items_per_s(farm("stripes", {"work_s": args.work_s}, 1), args.work_s)
            two = items_per_s(farm("stripes", {"work_s": args.work_s}, 2), args.work_s)
            print(f"# farm throughput, {ITEMS} items of 6 steps x {args.work_s} s of one core")
            print(f"1 replica: {one:.2f} items/s; 2 replicas: {two:.2f} items/s; ratio {two / one:.2f}x "
                  f"(target >= 1.7x)")
    finally:
        if farm is not None:
            import ray
            from ray import serve

            serve.shutdown()
            ray.shutdown()


if __name__ == "__main__":
    main()
