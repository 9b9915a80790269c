"""Editor window speed, offscreen, each figure beside a peer measured in the same run.

1. Timeline view with 1000 clips: time to build the scene, per full repaint and per scroll step (a viewport
   grab each), against the same view showing 1000 plain QGraphicsRectItems (the cheapest scene Qt can draw).
2. Viewer playback of a 1080p30 timeline with a one-second dissolve, through 540p proxies, for 5 s: frames
   shown and dropped, against the compositor's own `frame(n)` rate on the same frames without any UI; then the same
   playback while a generation job keeps one core busy, its engine in the local worker process (the default) and in
   the editor's process, against the drops without a job.

    QT_QPA_PLATFORM=offscreen python bench/ui.py [--clips 1000] [--seconds 5]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6 import QtCore, QtWidgets  # noqa: E402

FPS, WIDTH, HEIGHT, DISSOLVE = 30, 1920, 1080, 30


def _per_call(fn, repeats: int) -> float:
    fn()  # warm: first paint builds item caches
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def _paint_costs(view: QtWidgets.QGraphicsView, repeats: int = 20) -> tuple[float, float]:
    """(seconds per full repaint, seconds per scroll step of a tenth of the viewport)."""
    app = QtWidgets.QApplication.instance()
    repaint = _per_call(lambda: view.viewport().grab(), repeats)
    bar = view.horizontalScrollBar()
    step = max(1, view.viewport().width() // 10)

    def scroll():
        bar.setValue(bar.value() + step if bar.value() + step < bar.maximum() else 0)
        app.processEvents()
        view.viewport().grab()
    return repaint, _per_call(scroll, repeats)


def bench_timeline(folder: Path, clips: int) -> None:
    import opentimelineio as otio

    from seine_editor.media.synthetic import write_coded_video
    from seine_editor.project.project import Project
    from seine_editor.timeline.time import to_range
    from seine_editor.widgets.media_tasks import MediaTasks
    from seine_editor.widgets.timeline_view import TimelineView

    media = write_coded_video(folder / "clip.mp4", frames=48, width=320, height=180, fps=Fraction(24))
    track = otio.schema.Track(name="V1")
    for i in range(clips):
        reference = otio.schema.ExternalReference(target_url=str(media), available_range=to_range(0, 48, 24))
        track.append(otio.schema.Clip(name=f"clip {i}", media_reference=reference,
                                      source_range=to_range(i % 12, 24 + i % 24, 24)))
    timeline = otio.schema.Timeline("bench")
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(folder / "many.otio"))
    project = Project.open(str(folder / "many.otio"))
    info = project.document.info()
    tasks = MediaTasks(cache_dir=project.cache_dir)
    view = TimelineView(thumbnails=tasks)
    view.resize(1600, 400)
    view.show()
    start = time.perf_counter()
    view.set_timeline(info)
    build = time.perf_counter() - start
    view.set_zoom(3.0, 0)
    for _ in range(3):  # let the visible filmstrips' thumbnails arrive, as a person would see them
        view.viewport().grab()
        tasks.wait_idle(20000)
        QtWidgets.QApplication.processEvents()
    repaint, scroll = _paint_costs(view)
    peer_build, peer_repaint, peer_scroll = _plain_peer(view, info)
    view.zoom_to_fit()  # every clip on screen at once: the heaviest repaint
    fit_repaint = _per_call(lambda: view.viewport().grab(), 10)
    peer_fit = _plain_peer(view, info)[1]
    print(f"timeline, {clips} clips, {view.viewport().width()}x{view.viewport().height()} viewport")
    print(f"  build scene     {build * 1e3:8.1f} ms   plain rects {peer_build * 1e3:8.1f} ms   "
          f"ratio {build / peer_build:5.2f}")
    print(f"  full repaint    {repaint * 1e3:8.2f} ms   plain rects {peer_repaint * 1e3:8.2f} ms   "
          f"ratio {repaint / peer_repaint:5.2f}")
    print(f"  repaint, fit    {fit_repaint * 1e3:8.2f} ms   plain rects {peer_fit * 1e3:8.2f} ms   "
          f"ratio {fit_repaint / peer_fit:5.2f}   (all {clips} clips visible)")
    print(f"  scroll step     {scroll * 1e3:8.2f} ms   plain rects {peer_scroll * 1e3:8.2f} ms   "
          f"ratio {scroll / peer_scroll:5.2f}")
    view.close()
    tasks.shutdown()
    project.close()


def _plain_peer(like: QtWidgets.QGraphicsView, info) -> tuple[float, float, float]:
    view = QtWidgets.QGraphicsView()
    view.setScene(QtWidgets.QGraphicsScene(view))
    view.resize(like.size())
    view.setAlignment(QtCore.Qt.AlignLeft | QtCore.Qt.AlignTop)
    view.show()
    ppf = like.geometry_.px_per_frame
    start = time.perf_counter()
    for clip in info.clips():
        view.scene().addRect(clip.start_frame * ppf, 30, clip.duration_frames * ppf, 62)
    build = time.perf_counter() - start
    repaint, scroll = _paint_costs(view)
    view.close()
    return build, repaint, scroll


def _dissolve_project(folder: Path):
    """Two 1080p30 long-GOP shots with a one-second dissolve, proxies made; the playback starts before it."""
    from seine_editor.media.proxy import make_proxy
    from seine_editor.media.synthetic import write_coded_video
    from seine_editor.project.project import Project
    from seine_editor.timeline.otio_io import TimelineSettings

    shots = [write_coded_video(folder / f"shot_{k}.mp4", frames=6 * FPS, width=WIDTH, height=HEIGHT,
                               fps=Fraction(FPS), gop=60, bframes=2, crf=28, tint=tint)
             for k, tint in (("a", (200, 60, 40)), ("b", (40, 60, 200)))]
    project = Project.new(TimelineSettings(width=WIDTH, height=HEIGHT, fps=Fraction(FPS)))
    v1 = project.document.track_ids("video")[0]
    first = project.add_clip(str(shots[0]), v1, 0, duration_frames=4 * FPS)[0]
    project.add_clip(str(shots[1]), v1, 4 * FPS, source_start_frame=FPS)
    project.add_dissolve(first, DISSOLVE // 2, DISSOLVE // 2)
    for shot in shots:
        make_proxy(shot, project.cache_dir)
    return project


def bench_playback(folder: Path, seconds: float) -> None:
    from seine_editor.render.compositor import Compositor
    from seine_editor.widgets.main_window import MainWindow, preview_size

    project = _dissolve_project(folder)
    start_frame = 2 * FPS
    size = preview_size(WIDTH, HEIGHT)
    frames = int(seconds * FPS)
    with Compositor(project.document.render_snapshot(), size=size, use_proxies=True,
                    cache_dir=project.cache_dir) as compositor:
        compositor.frame(start_frame)
        started = time.perf_counter()
        for n in range(start_frame, start_frame + frames):
            compositor.frame(n)
        raw_fps = frames / (time.perf_counter() - started)
    window = MainWindow(settings_scope=str(folder / "settings.ini"), interactive=False)
    window.bin.proxies_enabled = False  # made above; the viewer plays them from the cache
    window.set_project(project)
    window.resize(1440, 900)
    window.show()
    print(f"viewer, 1080p{FPS} timeline with a {DISSOLVE}-frame dissolve, {size[0]}x{size[1]} preview from "
          f"proxies, {seconds:g} s from frame {start_frame}")
    shown, dropped = _play(window, start_frame, seconds)
    ui_fps = shown / seconds
    print(f"  frames shown    {shown:5d}   dropped {dropped:5d}   ({ui_fps:5.1f} fps shown, {FPS} due)")
    print(f"  raw compositor  {raw_fps:6.1f} fps (frame(n) without UI)   ratio UI/raw {ui_fps / raw_fps:5.2f}   "
          f"(UI is capped at the timeline rate: headroom {raw_fps / FPS:.1f}x)")
    for host in ("worker", "in-process"):
        job = _busy_generation(project, host, seconds)
        shown_job, dropped_job = _play(window, start_frame, seconds)
        state = project.generation.item_state(job).state
        print(f"  during a generation job, engine {'in the worker process' if host == 'worker' else 'in process'}"
              f" ({state}): shown {shown_job:5d}   dropped {dropped_job:5d}   (without a job: dropped {dropped})")
        project.generation.cancel(job)
    window.shutdown()
    window.close()


def _play(window, start_frame: int, seconds: float) -> tuple[int, int]:
    """(frames shown, frames dropped) playing ``seconds`` from ``start_frame``."""
    viewer = window.viewer
    viewer.seek(start_frame)
    viewer.source.wait_idle(20000)
    app = QtWidgets.QApplication.instance()
    viewer.frames_shown = viewer.frames_dropped = 0
    viewer.play()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline and viewer.playing:
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)
    viewer.stop()
    return viewer.frames_shown, viewer.frames_dropped


def _busy_generation(project, host: str, seconds: float) -> str:
    """An extension of the last clip whose engine keeps one core busy for longer than the playback (the stripes
    test engine, `work_s` per step), running where ``host`` says; returns its item id once it runs."""
    from engine import registry
    from seine_editor.project.generation import EngineSettings

    registry.register("stripes", "engine.testing_engines", "StripesEngine")
    steps = 40
    project.generation.set_engine_settings(EngineSettings.for_engine("stripes", work_s=2 * seconds / steps,
                                                                     host=host), persist=False)
    shots = [c for c in project.document.info().track(project.document.track_ids("video")[0]).clips
             if c.generative is None]
    last = shots[-1]
    item = project.generation.extend_clip(last.id, FPS, params={"steps": steps, "seed": int(time.time())})
    deadline = time.perf_counter() + 30
    while project.generation.item_state(item).state != "running" and time.perf_counter() < deadline:
        QtWidgets.QApplication.instance().processEvents(QtCore.QEventLoop.AllEvents, 20)
    return item


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    from seine_editor.app import create_application

    create_application([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        bench_timeline(Path(tmp), args.clips)
        bench_playback(Path(tmp), args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
