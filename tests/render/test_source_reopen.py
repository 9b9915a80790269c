"""Readers the source pool closed while idle reopen without scanning their file's packets again."""
from __future__ import annotations

from pathlib import Path

from seine_editor.media import probe as probe_module
from seine_editor.media.synthetic import read_frame_index, write_coded_video
from seine_editor.render.sources import SourcePool, original_factory


def test_reopening_a_reader_closed_while_idle_does_not_rescan_its_file(tmp_path, monkeypatch):
    scanned: list[str] = []
    real_scan = probe_module.scan_video_packets

    def counting_scan(container, stream):
        scanned.append(Path(container.name).name)
        return real_scan(container, stream)

    monkeypatch.setattr(probe_module, "scan_video_packets", counting_scan)
    path = str(write_coded_video(tmp_path / "idle.mp4", frames=30, width=160, height=96, gop=12))
    pool = SourcePool(original_factory(), idle_frames=2)
    assert read_frame_index(pool.get(path).frame(3)) == 3
    for n in range(1, 5):
        pool.next_frame(n)
    assert pool.open_paths == []
    assert read_frame_index(pool.get(path).frame(21)) == 21
    pool.close()
    assert scanned == ["idle.mp4"]
