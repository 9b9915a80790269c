"""Files that cannot be used give a MediaError naming the file and the reason, quickly and quietly."""
import struct
import zlib

import av
import numpy as np
import pytest

from seine_editor.errors import MediaError
from seine_editor.media.probe import probe
from seine_editor.media.reader import FrameReader
from seine_editor.media.synthetic import read_frame_index


def png_bytes(width: int, height: int, colour_type: int = 0) -> bytes:
    """A valid PNG of zeros (grey when ``colour_type`` is 0), written by hand so any size is cheap to make."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    channels = {0: 1, 2: 3}[colour_type]
    pixels = zlib.compress(bytes(height * (1 + width * channels)), 1)
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_missing_file(tmp_path):
    with pytest.raises(MediaError, match=r"nothing\.mp4: file not found"):
        probe(tmp_path / "nothing.mp4")


def test_zero_byte_file(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(MediaError, match=r"empty\.mp4: file is empty \(0 bytes\)"):
        probe(empty)


def test_text_renamed_to_mp4(tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("Shot list for Tuesday:\n1. wide\n2. close-up\n" * 20)
    with pytest.raises(MediaError, match=r"notes\.mp4: not a video, audio or image file that can be read"):
        probe(text)


def test_folder_is_not_media(tmp_path):
    with pytest.raises(MediaError, match="is a folder, not a media file"):
        probe(tmp_path)


def test_truncated_mp4_opens_with_its_real_length(tmp_path, encode):
    whole = encode(tmp_path / "whole.mp4", frames=48, options={"g": "12", "bf": "2"},
                         container_options={"movflags": "faststart"})
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    info = probe(cut)
    assert 0 < info.frame_count < 48
    with FrameReader(info) as reader:
        assert [read_frame_index(f) for f in reader.frames()] == list(range(info.frame_count))
        assert read_frame_index(reader.frame(info.frame_count - 1)) == info.frame_count - 1


def test_mp4_cut_before_its_index_is_reported_as_unreadable(tmp_path, encode):
    whole = encode(tmp_path / "whole.mp4", frames=24)  # index (moov) at the end
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(MediaError, match=r"cut\.mp4: not a video, audio or image file that can be read"):
        probe(cut)


def test_one_pixel_image(tmp_path):
    tiny = tmp_path / "tiny.png"
    tiny.write_bytes(png_bytes(1, 1))
    with pytest.raises(MediaError, match=r"tiny\.png: picture size 1x1 is not supported; allowed sizes are "
                                         r"from 2x2 up to 100 megapixels"):
        probe(tiny)


def test_image_over_100_megapixels(tmp_path):
    huge = tmp_path / "huge.png"
    huge.write_bytes(png_bytes(10240, 10240))
    with pytest.raises(MediaError, match=r"huge\.png: picture size 10240x10240 is not supported"):
        probe(huge)


def test_undecodable_video_stream(tmp_path, bframes_long_gop):
    """Real container, garbage where the H.264 pictures should be."""
    garbage = tmp_path / "garbage.mkv"
    rng = np.random.default_rng(3)
    with av.open(str(bframes_long_gop)) as source, av.open(str(garbage), "w") as target:
        stream = target.add_stream_from_template(source.streams.video[0])
        for packet in source.demux(source.streams.video[0]):
            if packet.size:
                broken = av.Packet(rng.integers(0, 256, packet.size, dtype=np.uint8).tobytes())
                broken.pts, broken.dts, broken.time_base, broken.stream = packet.pts, packet.dts, packet.time_base, stream
                target.mux(broken)
    with pytest.raises(MediaError, match=r"garbage\.mkv: the h264 video stream (cannot be decoded|holds no "
                                         r"decodable picture)"):
        probe(garbage)
