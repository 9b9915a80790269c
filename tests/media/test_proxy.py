"""Proxies: frame i of the proxy is frame i of the source; written atomically; used only when asked."""
from fractions import Fraction

import av

from seine_editor.media.probe import probe
from seine_editor.media.proxy import make_proxy, needs_proxy, proxy_path_for
from seine_editor.media.reader import FrameReader, open_reader
from seine_editor.media.synthetic import read_frame_index


def test_proxy_frames_match_source_frames_by_code(bframes_long_gop, tmp_path):
    proxy = make_proxy(bframes_long_gop, tmp_path, max_height=48)
    with FrameReader(bframes_long_gop, proxy=proxy, cache_bytes=0) as reader:
        assert reader.output_size == (80, 48)
        for index in (59, 0, 31, 30, 7, 58):
            assert read_frame_index(reader.frame(index)) == index


def test_proxy_is_short_gop_without_bframes_at_reduced_size(bframes_long_gop, tmp_path):
    proxy = make_proxy(bframes_long_gop, tmp_path, max_height=48)
    info = probe(proxy)
    assert (info.width, info.height, info.frame_count, info.fps) == (80, 48, 60, Fraction(24))
    with av.open(str(proxy)) as container:
        keyframes = [round(p.pts * p.time_base * 24) for p in container.demux(video=0) if p.size and p.is_keyframe]
        assert container.streams.video[0].codec_context.has_b_frames == 0
    assert keyframes == list(range(0, 60, 6))


def test_rotated_source_gives_an_upright_proxy(rotated_clip, tmp_path):
    proxy = make_proxy(rotated_clip, tmp_path, max_height=48)
    with FrameReader(rotated_clip, proxy=proxy) as reader:
        frame = reader.frame(9)
    assert frame.shape == (48, 80, 3) and read_frame_index(frame) == 9


def test_cancelled_proxy_leaves_nothing_in_the_cache(bframes_long_gop, tmp_path):
    progress = []
    result = make_proxy(bframes_long_gop, tmp_path, on_progress=lambda done, total: progress.append(done),
                        cancelled=lambda: len(progress) >= 2)
    assert result is None
    assert list((tmp_path / "proxies").iterdir()) == []


def test_progress_reports_every_frame_count_up_to_the_total(bframes_short_gop, tmp_path):
    progress = []
    make_proxy(bframes_short_gop, tmp_path, on_progress=lambda done, total: progress.append((done, total)))
    assert progress == [(10, 48), (20, 48), (30, 48), (40, 48), (48, 48)]


def test_open_reader_prefers_an_existing_proxy(bframes_short_gop, tmp_path):
    with open_reader(bframes_short_gop, tmp_path) as reader:
        assert reader.proxy_path is None
    make_proxy(bframes_short_gop, tmp_path)
    with open_reader(bframes_short_gop, tmp_path) as reader:
        assert reader.proxy_path == proxy_path_for(bframes_short_gop, tmp_path)
    with open_reader(bframes_short_gop, tmp_path, prefer_proxy=False) as reader:
        assert reader.proxy_path is None


def test_needs_proxy_for_long_gop_codecs_and_not_for_intra(bframes_long_gop, prores_clip, still_png):
    assert needs_proxy(probe(bframes_long_gop))
    assert not needs_proxy(probe(prores_clip))
    assert not needs_proxy(probe(still_png))


def test_open_reader_given_media_info_finds_the_proxy_without_probing_again(bframes_short_gop, tmp_path,
                                                                            monkeypatch):
    info = probe(bframes_short_gop)
    make_proxy(info, tmp_path)
    def probe_again(path):
        raise AssertionError(f"{path} probed a second time")

    monkeypatch.setattr("seine_editor.media.reader.probe", probe_again)
    with open_reader(info, tmp_path) as reader:
        assert reader.proxy_path == proxy_path_for(bframes_short_gop, tmp_path)
        assert read_frame_index(reader.frame(17)) == 17


def test_a_proxy_is_keyed_by_the_colour_conversion_its_pictures_went_through(bframes_long_gop, tmp_path):
    from seine_editor.media.colour import COLOUR_VERSION

    assert proxy_path_for(bframes_long_gop, tmp_path).name.endswith(f"-c{COLOUR_VERSION}.mp4")


def test_an_hdr_proxy_holds_the_converted_pictures(tmp_path):
    import numpy as np

    from seine_editor.media.synthetic import chart_image, patch_means, write_tagged_video

    hlg = write_tagged_video(tmp_path / "hlg.mov", chart_image(), transfer="arib-std-b67", primaries="bt2020",
                             matrix="bt2020nc")
    proxy = make_proxy(hlg, tmp_path / "cache")
    with FrameReader(hlg) as source, FrameReader(proxy) as small:
        assert small.frame(0).shape == source.frame(0).shape
        assert np.abs(patch_means(small.frame(0)) - patch_means(source.frame(0))).max() <= 4.0
