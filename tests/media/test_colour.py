"""Colour: every picture reaches the working space (BT.709 SDR) from its stream's matrix, range, primaries and
transfer. Charts are encoded here with ffmpeg's zscale as HLG and PQ 10-bit HEVC, and as SDR in each matrix and
range; the editor's conversion is held to the method of `media.colour`, implemented again below from the published
formulas, and to ffmpeg's own conversion."""
from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

import av
import numpy as np
import pytest

from seine_editor.media import colour
from seine_editor.media.colour import PictureConverter
from seine_editor.media.probe import probe
from seine_editor.media.reader import FrameReader
from seine_editor.media.synthetic import COLOR_CHECKER, chart_image, patch_means, write_tagged_video

pytestmark = pytest.mark.slow
HDR = {"hlg": "arib-std-b67", "pq": "smpte2084"}
CHROMATIC = [i for i in range(24) if i < 18]  # the last row is greys


@pytest.fixture(scope="module")
def charts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("charts")
    return {name: write_tagged_video(folder / f"{name}.mov", chart_image(), transfer=transfer, primaries="bt2020",
                                     matrix="bt2020nc") for name, transfer in HDR.items()}


def ours(path) -> np.ndarray:
    with FrameReader(path) as reader:
        return patch_means(reader.frame(0))


# -- the method, implemented again: published constants and formulas only -------------------------------------------

def decoded_signal(path) -> np.ndarray:
    """BT.2020 R'G'B' in [0, 1] of the first picture, from its 10-bit limited-range Y'CbCr planes (BT.2020 NCL:
    Kr 0.2627, Kb 0.0593), chroma repeated to full size."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    planes = [np.frombuffer(p, np.uint16).reshape(p.height, p.line_size // 2)[:, :p.width].astype(np.float64)
              for p in frame.planes]
    y = (planes[0] - 64) / 876
    cb, cr = [(np.repeat(np.repeat(p, 2, 0), 2, 1)[:y.shape[0], :y.shape[1]] - 512) / 896 for p in planes[1:]]
    kr, kb = 0.2627, 0.0593
    r, b = y + 2 * (1 - kr) * cr, y + 2 * (1 - kb) * cb
    g = (y - kr * r - kb * b) / (1 - kr - kb)
    return np.clip(np.stack([r, g, b], axis=-1), 0, 1)


def pq_eotf(e):
    m1, m2, c1, c2, c3 = 0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875
    p = np.power(e, 1 / m2)
    return 10000 * np.power(np.maximum(p - c1, 0) / (c2 - c3 * p), 1 / m1)


def pq_oetf(nits):
    m1, m2, c1, c2, c3 = 0.1593017578125, 78.84375, 0.8359375, 18.8515625, 18.6875
    y = np.power(nits / 10000, m1)
    return np.power((c1 + c2 * y) / (1 + c3 * y), m2)


def reference_sdr(signal: np.ndarray, transfer: str) -> np.ndarray:
    if transfer == "pq":
        light = pq_eotf(signal)
    else:  # BT.2100 HLG: inverse OETF, then the OOTF for a 1000 cd/m² display (gamma 1.2)
        a = 0.17883277
        b, c = 1 - 4 * a, 0.5 - a * np.log(4 * a)
        scene = np.where(signal <= 0.5, signal ** 2 / 3, (np.exp((signal - c) / a) + b) / 12)
        ys = scene @ [0.2627, 0.6780, 0.0593]
        light = 1000 * ys[..., None] ** 0.2 * scene
    bt2087 = np.array([[1.6605, -0.5876, -0.0728], [-0.1246, 1.1329, -0.0083], [-0.0182, -0.1006, 1.1187]])
    light = np.maximum(light @ bt2087.T, 0)
    peak = light.max(axis=-1)
    e1 = pq_oetf(peak) / pq_oetf(1000.0)  # BT.2390 EETF from 1000 to 203 cd/m², on max(R, G, B)
    top = pq_oetf(203.0) / pq_oetf(1000.0)
    ks = 1.5 * top - 0.5
    t = (e1 - ks) / (1 - ks)
    hermite = (2 * t**3 - 3 * t**2 + 1) * ks + (t**3 - 2 * t**2 + t) * (1 - ks) + (-2 * t**3 + 3 * t**2) * top
    mapped = pq_eotf(np.where(e1 < ks, e1, np.minimum(hermite, top)) * pq_oetf(1000.0))
    light = light * np.where(peak > 0, mapped / np.maximum(peak, 1e-9), 0)[..., None]
    return 255 * np.clip(light / 203, 0, 1) ** (1 / 2.4)


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of BT.709 R'G'B' 0-255 shown on a BT.1886 display."""
    linear = (np.asarray(rgb, np.float64) / 255) ** 2.4
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def delta_e_2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 (Sharma, Wu and Dalal 2005)."""
    l1, a1, b1 = np.moveaxis(lab1, -1, 0)
    l2, a2, b2 = np.moveaxis(lab2, -1, 0)
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p, h2p = np.degrees(np.arctan2(b1, a1p)) % 360, np.degrees(np.arctan2(b2, a2p)) % 360
    dl, dc = l2 - l1, c2p - c1p
    dh = np.where(c1p * c2p == 0, 0, ((h2p - h1p + 180) % 360) - 180)
    dhh = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    lp, cp = (l1 + l2) / 2, (c1p + c2p) / 2
    hsum = h1p + h2p
    hp = np.where(c1p * c2p == 0, hsum, np.where(np.abs(h1p - h2p) <= 180, hsum / 2,
                                                 np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2)))
    t = (1 - 0.17 * np.cos(np.radians(hp - 30)) + 0.24 * np.cos(np.radians(2 * hp))
         + 0.32 * np.cos(np.radians(3 * hp + 6)) - 0.20 * np.cos(np.radians(4 * hp - 63)))
    sl = 1 + 0.015 * (lp - 50) ** 2 / np.sqrt(20 + (lp - 50) ** 2)
    sc, sh = 1 + 0.045 * cp, 1 + 0.015 * cp * t
    rt = -2 * np.sqrt(cp**7 / (cp**7 + 25**7)) * np.sin(np.radians(60 * np.exp(-(((hp - 275) / 25) ** 2))))
    return np.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


def test_delta_e_2000_matches_the_published_test_pairs():
    pairs = np.array([[[50, 2.6772, -79.7751], [50, 0, -82.7485]], [[50, -1.3802, -84.2814], [50, 0, -82.7485]],
                      [[50, 2.5, 0], [73, 25, -18]]])
    assert np.round(delta_e_2000(pairs[:, 0], pairs[:, 1]), 4).tolist() == [2.0425, 1.0000, 27.1492]


@pytest.mark.parametrize("transfer", HDR)
def test_an_hdr_chart_is_converted_by_the_documented_method_within_delta_e_3(charts, transfer):
    reference = patch_means(reference_sdr(decoded_signal(charts[transfer]), transfer))
    assert delta_e_2000(lab(ours(charts[transfer])), lab(reference)).max() <= 3.0


def zscale_decode(path, tonemap: str = "clip") -> np.ndarray:
    """ffmpeg's own conversion to BT.709 SDR: zscale to linear light with SDR white at 203 cd/m², to BT.709
    primaries, its `tonemap` filter, back to BT.709."""
    chain = (f"zscale=t=linear:npl=203,format=gbrpf32le,zscale=p=bt709,tonemap=tonemap={tonemap}:desat=0,"
             "zscale=t=bt709:m=bt709:r=full,format=rgb24")
    info = probe(path)
    out = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-frames:v", "1",
                          "-vf", chain, "-f", "rawvideo", "-"], capture_output=True, check=True, timeout=60).stdout
    return np.frombuffer(out, np.uint8).reshape(info.height, info.width, 3)


def saturation(patches: np.ndarray) -> float:
    """Mean saturation (max − min) / max of the chromatic patches in the light a BT.1886 display gives out."""
    light = (patches[CHROMATIC] / 255) ** 2.4
    return float(np.mean((light.max(-1) - light.min(-1)) / light.max(-1)))


@pytest.mark.parametrize("transfer", HDR)
def test_an_hdr_chart_is_as_saturated_as_ffmpegs_conversion_within_10_percent(charts, transfer):
    """(zscale applies HLG's OOTF to each channel where BT.2100 applies it to the luminance, so on these charts,
    which zscale encoded, the HLG figures differ by about 8 %; PQ has no OOTF and they agree.)"""
    assert saturation(ours(charts[transfer])) == \
        pytest.approx(saturation(patch_means(zscale_decode(charts[transfer]))), rel=0.10)


def test_a_plain_decode_of_hlg_would_be_washed_out_and_the_test_sees_it(charts):
    """What the editor did before: the matrix only, the numbers shown as if they were BT.709 SDR."""
    from av.video.reformatter import ColorRange, VideoReformatter

    with av.open(str(charts["hlg"])) as container:
        frame = next(container.decode(video=0))
    plain = VideoReformatter().reformat(frame, format="rgb24", src_colorspace=9, src_color_range=ColorRange.MPEG,
                                        dst_color_range=ColorRange.JPEG).to_ndarray()
    assert saturation(patch_means(plain)) < 0.9 * saturation(patch_means(zscale_decode(charts["hlg"])))


@pytest.mark.parametrize("matrix, full_range", [("bt709", False), ("bt709", True), ("smpte170m", False),
                                                ("smpte170m", True), ("bt470bg", False)])
def test_sdr_is_read_with_its_own_matrix_and_range(tmp_path, matrix, full_range):
    path = write_tagged_video(tmp_path / "sdr.mov", chart_image(), matrix=matrix, full_range=full_range)
    info = probe(path)
    assert (info.matrix, info.colour_range, info.hdr) == (matrix, "full" if full_range else "limited", False)
    assert np.abs(ours(path) - np.asarray(COLOR_CHECKER)).max() <= 4.0


def test_an_sdr_chart_read_with_the_wrong_matrix_would_be_off_by_more_than_that(tmp_path):
    """The check above can fail: BT.601 numbers read as BT.709 miss the chart by far more than 4 levels."""
    from av.video.reformatter import ColorRange, VideoReformatter

    path = write_tagged_video(tmp_path / "sdr.mov", chart_image(), matrix="smpte170m")
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    wrong = VideoReformatter().reformat(frame, format="rgb24", src_colorspace=1, src_color_range=ColorRange.MPEG,
                                        dst_color_range=ColorRange.JPEG).to_ndarray()
    assert np.abs(patch_means(wrong) - np.asarray(COLOR_CHECKER)).max() > 10.0


def test_probe_names_the_transfer_primaries_and_hdr(charts):
    info = probe(charts["hlg"])
    assert (info.matrix, info.colour_range, info.primaries, info.transfer, info.hdr, info.bit_depth) == \
        ("bt2020nc", "limited", "bt2020", "arib-std-b67", True, 10)
    assert (probe(charts["pq"]).transfer, probe(charts["pq"]).hdr) == ("smpte2084", True)


def test_hdr_pictures_converted_from_several_threads_at_once_are_those_converted_one_by_one(charts):
    with av.open(str(charts["hlg"])) as container:
        frame = next(container.decode(video=0))
    alone = PictureConverter().rgb(frame, frame.width, frame.height)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda _: PictureConverter().rgb(frame, frame.width, frame.height), range(16)))
    assert all(np.array_equal(picture, alone) for picture in together)


def test_a_second_reader_of_an_hdr_clip_reuses_the_first_ones_lut(charts, monkeypatch):
    builds = []
    build = colour._lut_graph
    monkeypatch.setattr(colour, "_lut_graph", lambda *args: builds.append(args) or build(*args))
    monkeypatch.setattr(colour, "LUT_GRAPHS", colour._GraphPool(pixels=3840 * 2160))
    for _ in range(2):
        with FrameReader(charts["pq"]) as reader:
            reader.frame(0)
    assert len(builds) == 1


def test_the_shared_luts_keep_the_most_recently_used_graphs_within_their_pixel_budget():
    pool = colour._GraphPool(pixels=100)
    for name, pixels in (("a", 60), ("b", 30), ("c", 30)):
        pool.give((name,), pixels, name)
    assert [pool.take((name,)) for name in "abc"] == [None, "b", "c"]
