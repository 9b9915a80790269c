"""Decoded pictures in the timeline's working space: BT.709 primaries, BT.709 / BT.1886 SDR, 8-bit RGB.

Every picture the editor shows, proxies, thumbnails, renders, exports or sends to an engine is converted here (through
`convert.to_upright_array`), from the stream's own tags: matrix (BT.601, BT.709, BT.2020 NCL), range (limited or
full), primaries and transfer. Untagged streams keep the players' guess: BT.709 from 720 lines up, BT.601 below.

* **SDR in BT.709 or BT.601** (nearly everything): libswscale turns Y'CbCr into R'G'B' with the stream's matrix and
  range, scaling in the same pass. BT.601 primaries are taken as BT.709, as players and other editors take them.
* **BT.2020 and HDR** (phones record HLG; graded HDR is PQ): one libavfilter graph turns Y'CbCr into 16-bit R'G'B'
  (libswscale, placing chroma as the SDR path does; the source's 10 bits kept: no 8-bit step before the conversion),
  then a 65³ 3D LUT (`lut3d`, tetrahedral, in SIMD) maps BT.2020 R'G'B' to BT.709 SDR R'G'B', which OpenCV packs into
  8-bit (or 16-bit) RGB. The LUT is sampled from `sdr_signal`, the method below, and cached per transfer and method
  version; the graphs are shared between readers.

The method (`COLOUR_VERSION` 1), display-referred as ITU-R BT.2408 describes HDR-to-SDR conversion:

1. To display light in cd/m²: PQ by its EOTF (SMPTE ST 2084); HLG by its inverse OETF then the BT.2100 OOTF for a
   1,000 cd/m² display (system gamma 1.2, on the BT.2020 luminance); SDR BT.2020 by the BT.1886 EOTF (gamma 2.4),
   its white at the HDR reference white.
2. To BT.709 primaries (the 3×3 matrix between the two sets of primaries, D65 white); colours outside BT.709 are
   clipped at zero.
3. Tone mapping: the BT.2390 EETF (a Hermite roll-off in the PQ domain) from a 1,000 cd/m² peak (HLG's nominal
   display; the common mastering peak for PQ, whose metadata often lacks it) down to 203 cd/m², the HDR reference
   white of BT.2408, which becomes SDR white. It is applied to max(R, G, B) and the three channels are scaled
   alike, so hue and saturation stay where they are and no channel clips alone. Below about 95 cd/m² nothing changes.
4. To the SDR signal with the BT.1886 inverse EOTF (gamma 1/2.4): the picture an SDR display shows is the display
   light of step 3.
"""
from __future__ import annotations

import functools
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import av
import cv2
import numpy as np
from av.video.reformatter import ColorRange, Interpolation, VideoReformatter

from seine_editor.media.cache import atomic_write_bytes

COLOUR_VERSION = 1  # part of the proxies' cache key: pictures made by another method are made again
LUT_SIZE = 65
HD_HEIGHT = 720  # untagged pictures this tall or taller are BT.709, smaller ones BT.601 (as players assume)

# libavutil's AVColorSpace, AVColorPrimaries and AVColorTransferCharacteristic codes, and their names
MATRICES = {0: "rgb", 1: "bt709", 2: "unknown", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m",
            9: "bt2020nc", 10: "bt2020c"}
PRIMARIES = {1: "bt709", 2: "unknown", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020",
             11: "smpte431", 12: "smpte432"}
TRANSFERS = {1: "bt709", 2: "unknown", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear",
             13: "iec61966-2-1", 14: "bt2020-10", 15: "bt2020-12", 16: "smpte2084", 18: "arib-std-b67"}
RANGES = {0: "unknown", 1: "limited", 2: "full"}
UNSPECIFIED = 2
BT709, BT601, BT2020_NCL, BT2020_CL = 1, 5, 9, 10
PRIMARIES_BT2020 = 9
PQ, HLG = 16, 18

REFERENCE_WHITE = 203.0  # cd/m², BT.2408: HDR reference white, mapped to SDR white
HDR_PEAK = 1000.0  # cd/m², the source peak the roll-off ends at
HLG_GAMMA = 1.2  # BT.2100 system gamma for a 1,000 cd/m² display
SDR_GAMMA = 2.4  # BT.1886


@dataclass(frozen=True)
class ColourTags:
    """How a picture's numbers are to be read, as the stream says (or as players guess where it is silent)."""

    matrix: int
    range: int  # 1 limited, 2 full
    primaries: int
    transfer: int

    @classmethod
    def of(cls, frame: av.VideoFrame) -> "ColourTags":
        matrix = frame.colorspace
        if matrix in (UNSPECIFIED, 0) and not frame.format.is_rgb:
            matrix = BT709 if frame.height >= HD_HEIGHT else BT601
        return cls(matrix, _source_range(frame), frame.color_primaries, frame.color_trc)

    @property
    def hdr(self) -> bool:
        return self.transfer in (PQ, HLG)

    @property
    def wide_gamut(self) -> bool:
        return self.primaries == PRIMARIES_BT2020 or self.matrix in (BT2020_NCL, BT2020_CL)

    @property
    def method(self) -> Optional[str]:
        """The LUT this picture needs ("pq", "hlg", "bt2020"), or None for libswscale alone."""
        if self.transfer == PQ:
            return "pq"
        if self.transfer == HLG:
            return "hlg"
        return "bt2020" if self.wide_gamut else None

    def describe(self) -> dict:
        """Names as ffprobe prints them."""
        return {"matrix": MATRICES.get(self.matrix, str(self.matrix)), "range": RANGES.get(self.range, "unknown"),
                "primaries": PRIMARIES.get(self.primaries, str(self.primaries)),
                "transfer": TRANSFERS.get(self.transfer, str(self.transfer)), "hdr": self.hdr}


def _source_range(frame: av.VideoFrame) -> int:
    """Full range for JPEG-style YUV, RGB, gray and palette pictures and for frames tagged full range."""
    pixel_format = frame.format
    full = (pixel_format.name.startswith("yuvj") or pixel_format.is_rgb or len(pixel_format.components) < 3
            or frame.color_range == ColorRange.JPEG)
    return ColorRange.JPEG if full else ColorRange.MPEG


class PictureConverter:
    """Decoded pictures of one stream to RGB in the working space. Keep one per stream: it holds libswscale's
    context, costlier to set up than converting an HD frame. (Wide-gamut and HDR pictures go through filter graphs
    that every converter shares: `LUT_GRAPHS`.)"""

    def __init__(self):
        self._reformatter = VideoReformatter()
        self._narrow: dict[tuple, list] = {}  # 8-bit planes reused between frames of one size

    def rgb(self, frame: av.VideoFrame, width: int, height: int, alpha: bool = False,
            deep: bool = False) -> np.ndarray:
        """``frame`` at ``width``×``height`` (coded orientation) as (height, width, 3 or 4) RGB: uint8, or uint16
        with ``deep`` (for 10-bit outputs: a 10-bit source's precision kept to the end)."""
        tags = ColourTags.of(frame)
        interpolation = None
        if (width, height) != (frame.width, frame.height):
            shrinking = width * height < frame.width * frame.height
            interpolation = Interpolation.AREA if shrinking else Interpolation.BICUBIC
        method = None if alpha else tags.method  # an alpha picture is graphics: read as SDR
        if method:
            return self._through_lut(frame, tags, method, width, height, interpolation, deep)
        formats = ("rgba64le", "rgb48le") if deep else ("rgba", "rgb24")
        return self._reformatter.reformat(
            frame, width=width, height=height, format=formats[0] if alpha else formats[1],
            src_colorspace=BT2020_NCL if tags.matrix == BT2020_CL else tags.matrix, src_color_range=tags.range,
            dst_color_range=ColorRange.JPEG, interpolation=interpolation).to_ndarray()

    def _through_lut(self, frame: av.VideoFrame, tags: ColourTags, method: str, width: int, height: int,
                     interpolation: Optional[Interpolation], deep: bool) -> np.ndarray:
        """libswscale to 16-bit R'G'B' (the source's bits kept), then the method's 3D LUT (`lut3d`), in one filter
        graph using every core; its frames come from the graph's pools, so no frame is freshly paged in."""
        key = (method, frame.format.name, frame.width, frame.height, int(frame.colorspace), int(frame.color_range),
               width, height, tags.matrix, tags.range, interpolation)
        graph = LUT_GRAPHS.take(key) or _lut_graph(frame, tags, method, width, height, interpolation)
        graph.push(frame)
        mapped = graph.pull()
        LUT_GRAPHS.give(key, width * height, graph)  # not after a failure: a graph left holding a frame is not reused
        green, blue, red = (np.frombuffer(plane, np.uint16).reshape(plane.height, plane.line_size // 2)
                            [:, :plane.width] for plane in mapped.planes)
        if deep:
            return cv2.merge([red, green, blue])
        # narrowing each plane before packing moves half the bytes; the same rounding, so the same pixels
        narrow = self._narrow.get((height, width))
        if narrow is None:
            narrow = self._narrow[(height, width)] = [np.empty((height, width), np.uint8) for _ in range(3)]
        return cv2.merge([cv2.convertScaleAbs(plane, dst=out, alpha=1 / 257.0)
                          for plane, out in zip((red, green, blue), narrow)])


SCALE_FLAGS = {None: "bilinear", Interpolation.AREA: "area", Interpolation.BICUBIC: "bicubic"}
SCALE_MATRICES = {BT709: "bt709", 4: "fcc", BT601: "bt470", 6: "smpte170m", 7: "smpte240m", BT2020_NCL: "bt2020",
                  BT2020_CL: "bt2020"}  # libswscale has no constant-luminance matrix: NCL is the nearest


def _lut_graph(frame: av.VideoFrame, tags: ColourTags, method: str, width: int, height: int,
               interpolation: Optional[Interpolation]):
    from av.filter import Graph

    graph = Graph()
    # twice as many slices as cores: the decoder's threads hold cores too, and smaller slices keep every core busy
    graph.threads = 2 * (os.cpu_count() or 1)
    source_range = "pc" if tags.range == ColorRange.JPEG else "tv"
    nodes = [graph.add("buffer", video_size=f"{frame.width}x{frame.height}", pix_fmt=str(frame.format.name),
                       time_base="1/1", pixel_aspect="1/1", colorspace=str(int(frame.colorspace)),
                       range=str(int(frame.color_range))),
             graph.add("scale", f"w={width}:h={height}:flags={SCALE_FLAGS[interpolation]}:in_range={source_range}"
                                f":out_range=pc:in_color_matrix={SCALE_MATRICES.get(tags.matrix, 'bt709')}"
                                ":in_chroma_loc=left"),  # as the SDR path (and H.264 and HEVC) place chroma
             graph.add("format", "gbrp16le"),
             graph.add("lut3d", f"file='{lut_file(method)}':interp=tetrahedral"), graph.add("buffersink")]
    for a, b in zip(nodes, nodes[1:]):
        a.link_to(b)
    graph.configure()
    return graph


class _GraphPool:
    """Idle LUT filter graphs by shape and tags, shared by every converter and thread. Building one parses the 65³
    LUT (about 60 ms here), which a reader opening an HDR clip would otherwise pay each time. A converter takes a
    graph for one frame and gives it back; a second thread converting the same shape builds its own. Each idle graph
    holds its frame pools, 12 bytes a pixel of its output (about 100 MB at 4K): the pool keeps the most recently
    used graphs up to ``pixels`` output pixels in all."""

    def __init__(self, pixels: int):
        self._pixels = pixels
        self._idle: list[tuple[tuple, int, object]] = []  # (key, output pixels, graph), oldest first
        self._lock = threading.Lock()

    def take(self, key: tuple):
        with self._lock:
            for index in range(len(self._idle) - 1, -1, -1):
                if self._idle[index][0] == key:
                    return self._idle.pop(index)[2]
        return None

    def give(self, key: tuple, pixels: int, graph) -> None:
        with self._lock:
            self._idle.append((key, pixels, graph))
            while len(self._idle) > 1 and sum(entry[1] for entry in self._idle) > self._pixels:
                del self._idle[0]


LUT_GRAPHS = _GraphPool(pixels=2 * 3840 * 2160)  # two 4K graphs, or many smaller (previews, thumbnails)


# -- the method ----------------------------------------------------------------------------------------------------

def _xyz_matrix(primaries: tuple, white=(0.3127, 0.3290)) -> np.ndarray:
    """RGB (linear) to CIE XYZ for the given (x, y) primaries and white."""
    columns = np.array([[x / y, 1.0, (1 - x - y) / y] for x, y in primaries]).T
    wx, wy = white
    scale = np.linalg.solve(columns, np.array([wx / wy, 1.0, (1 - wx - wy) / wy]))
    return columns * scale


BT709_XY = ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060))
BT2020_XY = ((0.708, 0.292), (0.170, 0.797), (0.131, 0.046))
BT2020_TO_BT709 = np.linalg.solve(_xyz_matrix(BT709_XY), _xyz_matrix(BT2020_XY))
BT2020_LUMA = (0.2627, 0.6780, 0.0593)

_M1, _M2 = 2610 / 16384, 2523 / 4096 * 128
_C1, _C2, _C3 = 3424 / 4096, 2413 / 4096 * 32, 2392 / 4096 * 32
_HLG_A = 0.17883277
_HLG_B = 1 - 4 * _HLG_A
_HLG_C = 0.5 - _HLG_A * np.log(4 * _HLG_A)


def pq_to_nits(signal: np.ndarray) -> np.ndarray:
    """SMPTE ST 2084 EOTF."""
    power = np.power(np.clip(signal, 0.0, 1.0), 1 / _M2)
    return 10000.0 * np.power(np.maximum(power - _C1, 0.0) / (_C2 - _C3 * power), 1 / _M1)


def nits_to_pq(nits: np.ndarray) -> np.ndarray:
    power = np.power(np.clip(nits / 10000.0, 0.0, 1.0), _M1)
    return np.power((_C1 + _C2 * power) / (1 + _C3 * power), _M2)


def hlg_to_nits(signal: np.ndarray) -> np.ndarray:
    """BT.2100 HLG inverse OETF, then its OOTF for a 1,000 cd/m² display; ``signal`` is (..., 3) R'G'B'."""
    e = np.clip(signal, 0.0, 1.0)
    scene = np.where(e <= 0.5, e * e / 3.0, (np.exp((e - _HLG_C) / _HLG_A) + _HLG_B) / 12.0)
    luminance = scene @ np.array(BT2020_LUMA)
    return HDR_PEAK * np.power(np.maximum(luminance, 1e-12), HLG_GAMMA - 1.0)[..., None] * scene


def eetf(nits: np.ndarray, peak: float = HDR_PEAK, target: float = REFERENCE_WHITE) -> np.ndarray:
    """BT.2390 EETF: ``nits`` from a display of ``peak`` cd/m² onto one of ``target``; black stays black."""
    source = nits_to_pq(nits) / nits_to_pq(peak)
    top = float(nits_to_pq(target) / nits_to_pq(peak))
    knee = 1.5 * top - 0.5
    t = np.clip((source - knee) / (1.0 - knee), 0.0, 1.0)
    spline = ((2 * t ** 3 - 3 * t ** 2 + 1) * knee + (t ** 3 - 2 * t ** 2 + t) * (1 - knee)
              + (-2 * t ** 3 + 3 * t ** 2) * top)
    mapped = np.where(source < knee, source, np.where(source <= 1.0, spline, top))
    return pq_to_nits(mapped * nits_to_pq(peak))


def sdr_signal(signal: np.ndarray, method: str) -> np.ndarray:
    """BT.2020 R'G'B' (..., 3) in [0, 1] as BT.709 SDR R'G'B' in [0, 1] by the method of the module docstring."""
    signal = np.asarray(signal, np.float64)
    if method == "pq":
        light = pq_to_nits(signal)
    elif method == "hlg":
        light = hlg_to_nits(signal)
    elif method == "bt2020":
        light = REFERENCE_WHITE * np.power(np.clip(signal, 0.0, 1.0), SDR_GAMMA)
    else:
        raise ValueError(f"colour method {method!r} is not one of pq, hlg, bt2020")
    light = np.maximum(light @ BT2020_TO_BT709.T, 0.0)
    if method != "bt2020":
        peak = light.max(axis=-1, keepdims=True)
        light = light * np.where(peak > 0, eetf(peak) / np.maximum(peak, 1e-12), 0.0)
    return np.power(np.clip(light / REFERENCE_WHITE, 0.0, 1.0), 1 / SDR_GAMMA)


@functools.lru_cache(maxsize=None)
def lut_file(method: str) -> Path:
    """The .cube file of ``method`` (written once per version into the temporary folder; the same bytes each
    time, so processes sharing it agree)."""
    folder = Path(tempfile.gettempdir()) / "seine-editor-luts"
    path = folder / f"{method}-v{COLOUR_VERSION}-{LUT_SIZE}.cube"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        grid = np.linspace(0.0, 1.0, LUT_SIZE)
        blue, green, red = np.meshgrid(grid, grid, grid, indexing="ij")  # red varies fastest, as .cube wants
        table = sdr_signal(np.stack([red, green, blue], axis=-1).reshape(-1, 3), method)
        text = f"LUT_3D_SIZE {LUT_SIZE}\n" + "\n".join(" ".join(f"{v:.6f}" for v in row) for row in table) + "\n"
        atomic_write_bytes(path, text.encode())  # a reader never sees half a table
    return path
