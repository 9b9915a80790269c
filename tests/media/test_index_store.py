"""The process-wide frame index store: each version of a source has its packets scanned once."""
from __future__ import annotations

import threading
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from seine_editor.errors import MediaError
from seine_editor.media import probe as probe_module
from seine_editor.media.index import FrameIndex
from seine_editor.media.index_store import FrameIndexStore
from seine_editor.media.probe import probe
from seine_editor.media.reader import FrameReader
from seine_editor.media.synthetic import read_frame_index, write_coded_video


@pytest.fixture
def scans(monkeypatch) -> list[str]:
    """Names of the files whose packets are demuxed, one entry per scan."""
    seen: list[str] = []
    real_scan = probe_module.scan_video_packets

    def counting_scan(container, stream):
        seen.append(Path(container.name).name)
        return real_scan(container, stream)

    monkeypatch.setattr(probe_module, "scan_video_packets", counting_scan)
    return seen


def clip(path: Path, frames: int) -> Path:
    return write_coded_video(path, frames=frames, width=160, height=96, gop=12)


def index_of(frames: int) -> FrameIndex:
    pts = np.arange(frames, dtype=np.int64)
    return FrameIndex(Fraction(1, 24), pts, pts[::12].copy(), 1)


def test_probe_then_reader_scans_the_packets_once(tmp_path, scans):
    path = clip(tmp_path / "once.mp4", 30)
    info = probe(path)
    with FrameReader(path) as reader:  # probes again, then indexes: neither rescans
        assert [read_frame_index(reader.frame(i)) for i in (29, 0, 17)] == [29, 0, 17]
    with FrameReader(info) as reader:
        assert read_frame_index(reader.frame(5)) == 5
    assert scans == ["once.mp4"]


def test_a_file_rewritten_with_new_content_is_scanned_again(tmp_path, scans):
    path = clip(tmp_path / "edited.mp4", 30)
    assert probe(path).frame_count == 30
    clip(path, 40)
    with FrameReader(path) as reader:
        assert reader.frame_count == 40
        assert read_frame_index(reader.frame(39)) == 39
    assert scans == ["edited.mp4", "edited.mp4"]


def test_with_a_cache_folder_an_index_already_in_memory_is_still_written_to_disk(tmp_path, scans):
    path = clip(tmp_path / "kept.mp4", 30)
    info = probe(path)
    with FrameReader(info, cache_dir=tmp_path / "cache") as reader:
        reader.frame(0)
    stored = list((tmp_path / "cache" / "indexes").iterdir())
    assert len(stored) == 1
    assert FrameIndex.from_json(stored[0].read_text()).frame_count == 30
    assert scans == ["kept.mp4"]


def test_shared_indexes_are_read_only(tmp_path):
    path = clip(tmp_path / "frozen.mp4", 12)
    with FrameReader(path) as reader:
        with pytest.raises(ValueError, match="read-only"):
            reader._source_index.pts[0] = 5


def test_store_drops_the_least_recently_used_index_beyond_its_byte_budget(tmp_path):
    paths = [tmp_path / f"{name}.bin" for name in "abc"]
    for path in paths:
        path.write_bytes(path.name.encode())
    built: list[str] = []

    def build(path: Path) -> FrameIndex:
        built.append(path.name)
        return index_of(24)  # 24 + 2 timestamps of 8 bytes: 208 bytes

    store = FrameIndexStore(max_bytes=2 * 208)
    store.get(paths[0], build)
    store.get(paths[1], build)
    store.get(paths[0], build)  # a is now the most recently used
    store.get(paths[2], build)  # so b is dropped
    store.get(paths[0], build)
    store.get(paths[1], build)
    assert built == ["a.bin", "b.bin", "c.bin", "b.bin"]
    assert len(store) == 2 and store.nbytes == 2 * 208


def test_a_failed_scan_is_not_stored(tmp_path):
    path = tmp_path / "flaky.bin"
    path.write_bytes(b"x")
    attempts: list[int] = []

    def build(path: Path) -> FrameIndex:
        attempts.append(1)
        if len(attempts) == 1:
            raise MediaError(path, "cannot be read")
        return index_of(3)

    store = FrameIndexStore()
    with pytest.raises(MediaError, match="flaky.bin: cannot be read"):
        store.get(path, build)
    assert store.get(path, build).frame_count == 3
    assert len(attempts) == 2


def test_a_thread_asking_during_a_scan_waits_for_it_instead_of_scanning_again(tmp_path):
    path = tmp_path / "shared.bin"
    path.write_bytes(b"x")
    started, release = threading.Event(), threading.Event()
    built: list[int] = []

    def slow_build(path: Path) -> FrameIndex:
        built.append(1)
        started.set()
        release.wait(5)
        return index_of(6)

    store = FrameIndexStore()
    results: list[FrameIndex] = []
    first = threading.Thread(target=lambda: results.append(store.get(path, slow_build)))
    first.start()
    started.wait(5)
    second = threading.Thread(target=lambda: results.append(store.get(path, slow_build)))
    second.start()
    time.sleep(0.05)  # let the second thread reach the store while the first is still scanning
    release.set()
    first.join(5)
    second.join(5)
    assert len(built) == 1
    assert len(results) == 2 and results[0] is results[1]
