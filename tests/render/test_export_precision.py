"""10-bit in, 10-bit out: a ProRes export renders in 16 bits, so a 10-bit source (and its colour conversion) keeps
its precision into the file instead of passing through 8-bit RGB. Ramps of every 10-bit luma level are made here
with ffmpeg and placed at a smaller size, so each frame goes through the compositor (not copied as decoded)."""
from __future__ import annotations

import subprocess

import av
import numpy as np
import pytest

from seine_editor.media.writer import MediaWriter
from seine_editor.render.compositor import Compositor
from seine_editor.render.export import ExportSpec, export

RAMP = (1024, 64)  # one 10-bit luma level per column, 64..940 spread over the width
PROJECT = (512, 32)


class Quiet:
    def progress(self, done: int, total: int) -> None:
        pass

    def cancelled(self) -> bool:
        return False


def write_ramp(path, *, transfer: str, primaries: str, matrix: str) -> str:
    """A 10-bit HEVC ramp from limited-range black to white, neutral chroma, tagged as asked."""
    width, height = RAMP
    chain = f"format=yuv444p10le,geq=lum='64+X*876/{width - 1}':cb=512:cr=512,format=yuv420p10le"
    params = f"log-level=error:lossless=1:colorprim={primaries}:transfer={transfer}:colormatrix={matrix}"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"color=black:s={width}x{height}:r=24:d=0.125", "-vf", chain, "-c:v", "libx265",
                    "-x265-params", params, str(path)], check=True, capture_output=True, timeout=60)
    return str(path)


def luma_levels(path) -> int:
    """Distinct 10-bit luma values along the middle row of the first frame."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
    plane = frame.planes[0]
    row = np.frombuffer(plane, np.uint16).reshape(plane.height, plane.line_size // 2)[plane.height // 2,
                                                                                      :plane.width]
    return len(np.unique(row))


@pytest.mark.parametrize("tags", [("bt709", "bt709", "bt709"), ("arib-std-b67", "bt2020", "bt2020nc")],
                         ids=["sdr", "hlg"])
def test_a_prores_export_keeps_more_levels_than_8_bits_can_hold(tmp_path, tools, tags):
    transfer, primaries, matrix = tags
    ramp = write_ramp(tmp_path / "ramp.mov", transfer=transfer, primaries=primaries, matrix=matrix)
    timeline = tools.timeline([tools.clip("ramp", ramp, 0, 3, available=3)])
    out = export(ExportSpec(timeline, tmp_path / "out.mov", size=PROJECT), Quiet()).path
    assert luma_levels(out) > 300  # of the 512 columns; through 8-bit RGB: 219 (SDR), 260 (HLG, tone-mapped)


def test_an_h264_export_renders_in_8_bits(tmp_path, tools):
    ramp = write_ramp(tmp_path / "ramp.mov", transfer="bt709", primaries="bt709", matrix="bt709")
    timeline = tools.timeline([tools.clip("ramp", ramp, 0, 3, available=3)])
    with Compositor(timeline, size=PROJECT) as compositor:
        assert compositor.frame(0).dtype == np.uint8
    with MediaWriter(tmp_path / "x.mp4", width=64, height=32, fps=24) as h264, \
            MediaWriter(tmp_path / "x.mov", width=64, height=32, fps=24, codec="prores") as prores:
        assert (h264.deep, prores.deep) == (False, True)
        h264.write_frame(np.zeros((32, 64, 3), np.uint8))
        prores.write_frame(np.zeros((32, 64, 3), np.uint16))


def test_what_a_deep_compositor_draws_itself_is_its_8_bit_picture_widened(tmp_path, tools):
    timeline = tools.timeline([tools.clip("gone", tmp_path / "missing.mov", 0, 3, available=3)])
    with Compositor(timeline, size=PROJECT) as narrow, Compositor(timeline, size=PROJECT, deep=True) as deep:
        assert np.array_equal(deep.frame(0), narrow.frame(0).astype(np.uint16) * 257)
