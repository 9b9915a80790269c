"""What an edit costs on a long timeline, from intent to what the window shows, beside a full rebuild in the same run.

A project of N clips per track on two tracks (video, and each clip's linked sound), opened as the editor opens a
file. For each edit (split, trim, move, ripple delete, undo, a paste of 100 clips):

- headless: the document edit through the project (undo stack included) plus the views it feeds: `info()` and
  `render_snapshot()`;
- window: the same intent in the editor window, offscreen, until the timeline view has finished repainting, and
  until every view has settled (the viewer included, ``--window``);
- reference: `build_info` + `build_render_snapshot` from scratch on the same timeline, in the same run.

Also: the cost of appending clip N at N = 10 and at the end; opening a saved project; the window's memory over
edit + undo pairs (``--window``).

    QT_QPA_PLATFORM=offscreen python bench/edit.py [--clips 100 1000 5000] [--repeats 15] [--window]
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_project_file(folder: Path, clips: int) -> Path:
    """N clips of one coded file on V1, each linked to its sound on A1, saved as an .otio."""
    import opentimelineio as otio

    from seine_editor.media.synthetic import write_coded_video
    from seine_editor.timeline import meta, otio_io
    from seine_editor.timeline.time import to_range

    media = folder / "clip.mp4"
    if not media.exists():
        write_coded_video(media, frames=48, width=160, height=96, audio_rate=48000)
    timeline = otio.schema.Timeline("bench")
    video, audio = otio.schema.Track("V1"), otio.schema.Track("A1", kind=otio.schema.TrackKind.Audio)
    for i in range(clips):
        for track, kind in ((video, "video"), (audio, "audio")):
            reference = otio.schema.ExternalReference(str(media), to_range(0, 48, 24))
            clip = otio.schema.Clip(f"clip {i}", reference, to_range(i % 12, 24 + i % 12, 24))
            meta.update(clip, id=meta.new_id(), media_kind=kind, link=f"g{i}", media_rate="24/1")
            track.append(clip)
    timeline.tracks.extend([video, audio])
    otio_io.write_settings(timeline, otio_io.TimelineSettings(320, 180))
    path = folder / f"bench_{clips}.otio"
    otio_io.save_timeline(timeline, path)
    return path


def edits(project, repeats: int):
    """(name, do) pairs; each `do(k)` makes the k-th edit of its kind somewhere along the timeline."""
    video = project.document.track_ids("video")[0]

    def clip_at(k):
        clips = project.info().track(video).clips
        return clips[(k * 7919) % len(clips)]

    def split(k):
        clip = clip_at(k)
        project.split_clip(clip.id, clip.start_frame + clip.duration_frames // 2)

    def trim(k):
        project.trim_clip(clip_at(k).id, "tail", -1)

    def move(k):
        clip = clip_at(k)
        project.move_clips([clip.id], 0 if clip.start_frame == 0 else -1)

    def ripple_delete(k):
        project.delete_clips([clip_at(k).id], ripple=True)

    def undo(k):
        project.undo_stack.undo()

    def paste(k):  # as the window pastes: one edit of 100 placements
        source = project.info().track(video).clips[:100]
        end = project.info().track(video).duration_frames
        project.add_clips([{"media": clip.media_path, "track_id": video, "at_frame": end + clip.start_frame,
                            "source_start_frame": clip.source_start_frame, "duration_frames": clip.duration_frames}
                           for clip in source])

    return [("split", split), ("trim", trim), ("move", move), ("ripple delete", ripple_delete), ("undo", undo),
            ("paste 100", paste)]


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def bench_headless(path: Path, repeats: int) -> None:
    from seine_editor.project.project import Project
    from seine_editor.timeline import snapshot

    project = Project.open(str(path))
    document = project.document
    clips = len(document.info().clips()) // 2
    print(f"{clips} clips per track, 2 tracks (headless: edit + info() + render_snapshot())")

    def full_rebuild():
        snapshot.build_info(document.timeline, document.rate)
        snapshot.build_render_snapshot(document.timeline, document.rate)

    reference = statistics.median(timed(full_rebuild) for _ in range(max(3, repeats // 3)))
    for name, do in edits(project, repeats):
        costs = []
        for k in range(repeats if name != "paste 100" else max(2, repeats // 5)):
            if name == "undo":
                edits(project, repeats)[0][1](k)  # a split to undo
            costs.append(timed(lambda: (do(k), project.info(), project.render_snapshot())))
        print(f"  {name:14s} median {statistics.median(costs) * 1e3:8.1f} ms   max {max(costs) * 1e3:8.1f} ms   "
              f"full rebuild {reference * 1e3:8.1f} ms   ratio {statistics.median(costs) / reference:5.2f}")
    project.close(discard_recovery=True)


def bench_append(folder: Path, clips: int) -> None:
    from seine_editor.media.probe import probe
    from seine_editor.project.project import Project

    media = probe(folder / "clip.mp4")
    project = Project.new()
    video = project.document.track_ids("video")[0]
    costs = {}
    for n in range(1, clips + 1):
        cost = timed(lambda: project.append_clip(media, video, duration_frames=24))
        if n in (10, clips):
            costs[n] = statistics.median([cost] + [timed(lambda: project.append_clip(media, video, duration_frames=24))
                                                   for _ in range(4)])
    print(f"  append clip N   N=10 {costs[10] * 1e3:7.2f} ms   N={clips} {costs[clips] * 1e3:7.2f} ms   "
          f"ratio {costs[clips] / costs[10]:5.2f}")
    project.close(discard_recovery=True)


def bench_open(path: Path) -> None:
    from seine_editor.project.project import Project

    start = time.perf_counter()
    project = Project.open(str(path))
    project.info()
    project.render_snapshot()
    print(f"  open            {time.perf_counter() - start:8.2f} s (project, info and render snapshot)")
    project.close(discard_recovery=True)


def bench_window(path: Path, repeats: int, pairs: int) -> None:
    from PySide6 import QtWidgets

    from seine_editor.project.project import Project
    from seine_editor.widgets.main_window import MainWindow

    from seine_editor.widgets.timeline_view import TimelineView

    painted = []  # when the timeline view finished painting (its foreground is drawn last)
    draw_foreground = TimelineView.drawForeground

    def timed_foreground(self, painter, rect):  # set before the view is made: Qt reads overrides then
        draw_foreground(self, painter, rect)
        painted.append(time.perf_counter())

    TimelineView.drawForeground = timed_foreground
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    window = MainWindow(settings_scope=str(path.parent / "settings.ini"), interactive=False)
    window.set_project(Project.open(str(path)))
    window.bin.proxies_enabled = False
    window.resize(1600, 900)
    window.show()
    app.processEvents()
    window.viewer.source.wait_idle()  # the window has settled: the viewer has built its compositor and first frames
    app.processEvents()
    view = window.timeline_panel.view if hasattr(window, "timeline_panel") else window.findChild(
        QtWidgets.QGraphicsView)

    def repainted(fn, *args):
        """(intent to the timeline's first repaint, intent to every view settled)."""
        painted.clear()
        start = time.perf_counter()
        fn(*args)
        app.processEvents()
        if not painted:  # nothing scheduled a paint: paint now, as the next frame would
            view.viewport().repaint()
        return painted[0] - start, time.perf_counter() - start

    project = window.project
    print("  window (intent to the timeline repainted; to every view settled, the viewer included):")
    for name, do in edits(project, repeats):
        costs = []
        for k in range(repeats if name != "paste 100" else max(2, repeats // 5)):
            if name == "undo":
                edits(project, repeats)[0][1](k)
                app.processEvents()
            costs.append(repainted(do, k))
        painted, settled = ([c[i] * 1e3 for c in costs] for i in (0, 1))
        print(f"    {name:14s} median {statistics.median(painted):8.1f} ms   max {max(painted):8.1f} ms   settled "
              f"median {statistics.median(settled):8.1f} ms   max {max(settled):8.1f} ms")
    split = edits(project, repeats)[0][1]
    resident = []
    for k in range(pairs):
        split(k)
        app.processEvents()
        project.undo_stack.undo()
        app.processEvents()
        if k in (99, pairs - 1):
            gc.collect()
            resident.append(_rss_mib())
    print(f"    memory over {pairs} split + undo pairs: {resident[0]:.0f} MiB after 100, {resident[-1]:.0f} MiB "
          f"after {pairs} (growth {resident[-1] - resident[0]:+.0f} MiB)")
    window.project.close(discard_recovery=True)
    window.close()


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--window", action="store_true", help="also measure in the editor window")
    parser.add_argument("--pairs", type=int, default=1000, help="split + undo pairs for the memory figure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        for clips in args.clips:
            path = make_project_file(folder, clips)
            bench_headless(path, args.repeats)
            bench_open(path)
            bench_append(folder, clips)
            if args.window:
                bench_window(path, args.repeats, args.pairs)


if __name__ == "__main__":
    main()
