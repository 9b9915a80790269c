"""FrameReader: the exact frame by index, in any read order, upright and at display aspect."""
import random
from fractions import Fraction

import numpy as np
import pytest

from seine_editor.errors import MediaError
from seine_editor.media.probe import probe
from seine_editor.media.reader import FrameCache, FrameReader
from seine_editor.media.synthetic import read_frame_index

CODED_CLIPS = ["bframes_long_gop", "bframes_short_gop", "open_gop", "vfr_clip", "rotated_clip",
               "anamorphic_clip", "prores_clip", "alpha_clip"]


def shuffled(count, seed=7):
    order = list(range(count))
    random.Random(seed).shuffle(order)
    return order


@pytest.mark.parametrize("clip", CODED_CLIPS)
def test_sequential_frames_carry_their_own_index(clip, request):
    with FrameReader(request.getfixturevalue(clip)) as reader:
        assert [read_frame_index(frame) for frame in reader.frames()] == list(range(len(reader)))


@pytest.mark.parametrize("clip", CODED_CLIPS)
def test_random_order_reads_equal_sequential_decoding(clip, request):
    path = request.getfixturevalue(clip)
    with FrameReader(path) as reader:
        sequential = [frame.copy() for frame in reader.frames()]
    with FrameReader(path, cache_bytes=0) as reader:
        for index in shuffled(len(sequential)):
            assert np.array_equal(reader.frame(index), sequential[index]), f"frame {index} of {path.name}"


def test_backwards_reads_inside_one_long_gop_are_exact(bframes_long_gop):
    with FrameReader(bframes_long_gop, cache_bytes=0) as reader:
        assert [read_frame_index(reader[i]) for i in range(59, -1, -7)] == list(range(59, -1, -7))


def test_rotated_clip_is_returned_upright_at_display_size(rotated_clip):
    with FrameReader(rotated_clip) as reader:
        frame = reader.frame(5)
    assert reader.info.rotation == 90
    assert frame.shape == (96, 160, 3)
    assert read_frame_index(frame) == 5


def test_anamorphic_clip_is_stretched_to_display_aspect(anamorphic_clip):
    with FrameReader(anamorphic_clip) as reader:
        frame = reader.frame(3)
    assert (reader.info.coded_width, reader.info.sample_aspect) == (80, Fraction(2))
    assert frame.shape == (96, 160, 3)
    assert read_frame_index(frame) == 3


def test_ten_bit_422_prores_converts_to_the_written_colours(prores_clip):
    with FrameReader(prores_clip) as reader:
        frame = reader.frame(4)
    assert read_frame_index(frame) == 4
    assert np.abs(frame[72, 80].astype(int) - (200, 60, 40)).max() <= 4


def test_alpha_is_kept_when_asked_for(alpha_clip):
    with FrameReader(alpha_clip, alpha=True) as reader:
        frame = reader.frame(6)
    assert frame.shape == (96, 160, 4)
    assert read_frame_index(frame[..., :3]) == 6
    assert int(frame[10, 10, 3]) == 60


def test_variable_rate_clip_places_frames_by_timestamp(vfr_clip):
    with FrameReader(vfr_clip) as reader:
        assert reader.info.variable_frame_rate
        # Frames start at 0, 40, 80, 130, 163 ms: 0.129 s shows frame 2, 0.130 s shows frame 3.
        assert read_frame_index(reader.frame_at_time(0.129)) == 2
        assert read_frame_index(reader.frame_at_time(0.130)) == 3
        assert read_frame_index(reader.frame_at_time(0.0)) == 0


def test_constant_rate_clip_places_frames_by_rate(bframes_short_gop):
    with FrameReader(bframes_short_gop) as reader:
        assert read_frame_index(reader.frame_at_time(1.0)) == 24
        assert read_frame_index(reader.frame_at_time(1.0 - 1e-6)) == 23


def test_smaller_output_size_keeps_the_frame(bframes_short_gop):
    with FrameReader(bframes_short_gop) as reader:
        small = reader.frame(17, size=(80, 48))
    assert small.shape == (48, 80, 3)
    assert read_frame_index(small) == 17


def test_still_image_returns_the_same_frame_for_every_index(still_png):
    with FrameReader(still_png) as reader:
        assert len(reader) == 1
        assert read_frame_index(reader[0]) == 77
        assert np.array_equal(reader[0], reader[500])


def test_out_of_range_index_names_the_file_and_the_range(bframes_short_gop):
    with FrameReader(bframes_short_gop) as reader:
        with pytest.raises(IndexError, match=r"bframes_gop12\.mp4: frame 48 is out of range; the media has "
                                             r"frames 0 to 47"):
            reader.frame(48)


def test_audio_only_file_has_no_pictures(audio_only):
    with pytest.raises(MediaError, match="tone.wav: holds only audio"):
        FrameReader(audio_only)


def test_index_is_cached_on_disk_and_reused(bframes_short_gop, tmp_path):
    with FrameReader(bframes_short_gop, cache_dir=tmp_path) as reader:
        reader.frame(0)
    stored = list((tmp_path / "indexes").iterdir())
    assert len(stored) == 1
    with FrameReader(probe(bframes_short_gop), cache_dir=tmp_path) as reader:
        assert read_frame_index(reader.frame(30)) == 30


def test_frame_cache_drops_least_recently_used_beyond_its_byte_budget():
    cache = FrameCache(max_bytes=300)
    for key in range(3):
        cache.put(key, np.zeros(100, np.uint8))
    cache.get(0)
    cache.put(3, np.zeros(100, np.uint8))
    assert cache.get(1) is None
    assert cache.get(0) is not None and cache.get(3) is not None


def test_output_size_can_change_from_read_to_read(bframes_short_gop):
    """One converter serves every size asked for, so a thumbnail between two full reads changes neither."""
    with FrameReader(bframes_short_gop, cache_bytes=0) as fresh:
        expected = fresh.frame(19)
    with FrameReader(bframes_short_gop, cache_bytes=0) as reader:
        full, small, again = reader.frame(18), reader.frame(18, size=(40, 24)), reader.frame(19)
    assert full.shape == (96, 160, 3) and small.shape == (24, 40, 3)
    assert read_frame_index(full) == read_frame_index(small) == 18
    assert np.array_equal(again, expected)


def test_readers_sharing_a_cache_keep_their_files_apart_within_one_budget(bframes_short_gop, bframes_long_gop):
    shared = FrameCache(max_bytes=160 * 96 * 3 * 5)  # five frames of either clip
    with FrameReader(bframes_short_gop, frame_cache=shared) as short, \
            FrameReader(bframes_long_gop, frame_cache=shared) as long:
        for index in range(4):
            short.frame(index)
            long.frame(10 + index)
        assert shared.nbytes <= shared.max_bytes
        assert read_frame_index(short.frame(3)) == 3 and read_frame_index(long.frame(13)) == 13
    assert shared.nbytes > 0  # closing a reader leaves a shared cache to its other users
