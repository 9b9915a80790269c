"""Background proxies from the bin: a long-GOP source gets a proxy on a worker, its progress on the bin item,
and the viewer plays the proxy once it exists."""
from fractions import Fraction

import pytest
from seine_editor.media.synthetic import read_frame_index, read_tint, write_coded_video

GREEN = (40, 190, 60)


@pytest.fixture(scope="module")
def long_gop(tmp_path_factory):
    """Sixty frames in one GOP with B-frames: every random frame decodes from the keyframe."""
    folder = tmp_path_factory.mktemp("long_gop")
    return str(write_coded_video(folder / "long_gop.mp4", frames=60, width=160, height=120, fps=Fraction(24),
                                 gop=60, bframes=2))


@pytest.fixture
def proxying(window):
    window.bin.proxies_enabled = True
    return window


def test_a_long_gop_source_gets_a_proxy_with_progress_on_its_bin_item(proxying, long_gop, qtbot):
    from seine_editor.media.proxy import proxy_path_for
    from seine_editor.media.reader import FrameReader

    seen = []
    proxying.proxies.progress.connect(lambda path, fraction: seen.append((path, fraction)))
    with qtbot.waitSignal(proxying.proxies.finished, timeout=20000) as done:
        proxying.bin.import_paths([long_gop])
    source, proxy = done.args
    assert source == long_gop and proxy == str(proxy_path_for(long_gop, proxying.project.cache_dir))
    fractions = [f for p, f in seen if p == long_gop]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) == 6
    assert proxying.bin.proxy_state(long_gop) == "ready"
    assert proxying.bin.list.item(0).text().endswith("\nproxy ready")
    with FrameReader(long_gop, proxy=proxy) as reader:
        assert reader.frame_count == 60 and read_frame_index(reader.frame(37)) == 37


def test_short_gop_intra_sources_need_no_proxy(proxying, tmp_path, qtbot):
    still = write_coded_video(tmp_path / "intra.mov", frames=6, width=160, height=120, codec="prores_ks",
                              pix_fmt="yuv422p10le")
    proxying.bin.import_paths([str(still)])
    qtbot.waitUntil(lambda: proxying.bin.info(str(still)) is not None, timeout=10000)
    assert proxying.bin.proxy_state(str(still)) == ""
    assert proxying.proxies.state == {}


def test_the_viewer_plays_the_proxy_once_it_exists(proxying, long_gop, qtbot, ui):
    """A proxy painted green (same frame numbers) stands in the cache: the viewer must show green frames."""
    from seine_editor.media.proxy import proxy_path_for

    target = proxy_path_for(long_gop, proxying.project.cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_coded_video(target, frames=60, width=160, height=120, fps=Fraction(24), tint=GREEN, gop=6, bframes=0)
    v1 = proxying.project.document.track_ids("video")[0]
    proxying.project.add_clip(long_gop, v1, 0)
    with qtbot.waitSignal(proxying.proxies.finished, timeout=20000):
        proxying.bin.import_paths([long_gop])
    proxying.viewer.seek(41)
    qtbot.waitUntil(lambda: proxying.viewer._shown_frame == 41, timeout=10000)
    picture = ui.qimage_array(proxying.viewer.canvas.image())
    r, g, b = read_tint(picture)
    assert g > 150 and r < 90 and read_frame_index(picture) == 41


def test_after_shutdown_no_proxy_is_started(proxying, long_gop):
    from seine_editor.media.probe import probe

    proxying.proxies.shutdown()
    assert not proxying.proxies.request(probe(long_gop), proxying.project.cache_dir)
    assert proxying.proxies.state == {}
