"""Compositor: which source frame lands where, at the project size, for every kind of item."""
from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from seine_editor.media.synthetic import coded_frame, read_frame_index, read_tint, write_coded_video
from seine_editor.render.compositor import Compositor, PlaceholderRequest
from seine_editor.render.slate import OFFLINE_COLOUR, offline_slate

SIZE = (320, 240)


def close_to(colour, expected, tolerance=6):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected))


def test_each_cut_frame_comes_from_the_exact_source_frame(media, tools):
    timeline = tools.timeline([tools.clip("A", media["a"], 10, 12), tools.clip("B", media["b"], 3, 12)])
    with Compositor(timeline, size=SIZE) as compositor:
        indexes = [read_frame_index(compositor.frame(n)) for n in range(24)]
    assert indexes == list(range(10, 22)) + list(range(1003, 1015))


def test_dissolve_uses_handles_and_its_middle_frame_is_the_even_mix(cut_timeline, tools):
    with Compositor(cut_timeline, size=SIZE) as compositor:
        assert compositor.duration_frames == 40
        before = compositor.frame(15)  # last frame before the dissolve: A only
        middle = compositor.frame(20)  # 4 of 8 dissolve frames done: 50 %
        after = compositor.frame(24)  # first frame after: B only, at its source frame 8 + 4
        quarter = compositor.frame(18)
    assert read_frame_index(before) == 25 and close_to(read_tint(before), tools.RED)
    mix = tuple((r + b) / 2 for r, b in zip(tools.RED, tools.BLUE))
    assert close_to(read_tint(middle), mix)
    assert close_to(read_tint(quarter), tuple(r * 0.75 + b * 0.25 for r, b in zip(tools.RED, tools.BLUE)))
    assert read_frame_index(after) == 1012 and close_to(read_tint(after), tools.BLUE)


def test_dissolve_frames_mix_the_handle_frames_of_both_sides(media, tools):
    """Inside the dissolve, A plays past its out point and B before its in point (frame for frame)."""
    timeline = tools.timeline([tools.clip("A", media["a"], 10, 20), tools.dissolve(4, 4),
                               tools.clip("B", media["b"], 8, 20)])
    with Compositor(timeline, size=SIZE) as compositor:
        dissolve_frame = compositor.frame(22).astype(int)
    a = coded_frame(32, *SIZE, tools.RED).astype(int)  # A: source 10 + 22
    b = coded_frame(1010, *SIZE, tools.BLUE).astype(int)  # B: source 8 + (22 - 20)
    expected = a + (b - a) * 6 / 8
    assert np.abs(dissolve_frame - expected).mean() < 4


def test_gap_is_black_and_the_upper_track_wins(media, tools):
    from opentimelineio.schema import Gap

    lower = [tools.clip("A", media["a"], 0, 10)]
    upper = [Gap(source_range=tools.clip("g", media["a"], 0, 5).source_range), tools.clip("B", media["b"], 0, 5)]
    timeline = tools.timeline(lower + [Gap(source_range=tools.clip("g", media["a"], 0, 4).source_range)], upper)
    with Compositor(timeline, size=SIZE) as compositor:
        assert read_frame_index(compositor.frame(2)) == 2  # upper track is a gap here: A shows
        assert read_frame_index(compositor.frame(6)) == 1001  # B covers A
        assert compositor.frame(12).max() == 0  # nothing on any track
        assert compositor.duration_frames == 14


def test_a_half_opaque_clip_mixes_evenly_with_the_track_below(media, tools):
    upper = tools.clip("B", media["b"], 0, 6, metadata={"seine": {"opacity": 0.5}})
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 6)], [upper])
    with Compositor(timeline, size=SIZE) as compositor:
        frame = compositor.frame(3).astype(int)
    expected = (coded_frame(3, *SIZE, tools.RED).astype(int) + coded_frame(1003, *SIZE, tools.BLUE)) / 2
    assert np.abs(frame - expected).mean() < 2


def test_a_disabled_clip_is_neither_seen_nor_counted_as_covering(media, tools):
    upper = tools.clip("B", media["b"], 0, 6)
    upper.enabled = False
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 6)], [upper])
    with Compositor(timeline, size=SIZE) as compositor:
        assert read_frame_index(compositor.frame(3)) == 3


def test_hidden_track_is_skipped(media, tools):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 6)], [tools.clip("B", media["b"], 0, 6)])
    timeline.tracks[1].metadata["seine"] = {"hidden": True}
    with Compositor(timeline, size=SIZE) as compositor:
        assert read_frame_index(compositor.frame(3)) == 3


def test_narrower_source_is_pillarboxed_in_a_wide_frame(media, tools):
    timeline = tools.timeline([tools.clip("A", media["a"], 5, 4)])
    with Compositor(timeline, size=(640, 240)) as compositor:
        frame = compositor.frame(1)
    assert frame[:, :158].max() < 8 and frame[:, 482:].max() < 8  # bars, 160 px each side
    assert read_frame_index(frame, box=(160, 0, 320, 240)) == 6
    assert close_to(read_tint(frame, box=(160, 0, 320, 240)), tools.RED)


def test_wider_source_is_letterboxed_in_a_tall_frame(media, tools):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 2)])
    with Compositor(timeline, size=(320, 480)) as compositor:
        frame = compositor.frame(0)
    assert frame[:118].max() < 8 and frame[362:].max() < 8
    assert read_frame_index(frame, box=(0, 120, 320, 240)) == 0


def test_fill_mode_crops_instead_of_bars(media, tools):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 2, metadata={"seine": {"fit": "fill"}})])
    with Compositor(timeline, size=(640, 240)) as compositor:
        frame = compositor.frame(0)
    # 320x240 scaled to 640x480 and cut to the middle 240 rows: the bars' row and the tint both show
    assert frame.shape == (240, 640, 3)
    assert close_to(tuple(int(c) for c in frame[200, 320]), tools.RED)
    assert frame[20, :, :].max() == 0 or frame[20, :, :].min() == 0  # top rows are coded bars, not a border


def test_still_image_is_held_for_the_whole_clip(media, tools):
    timeline = tools.timeline([tools.clip("S", media["still"], 0, 12, available=1)])
    with Compositor(timeline, size=SIZE) as compositor:
        assert {read_frame_index(compositor.frame(n)) for n in (0, 6, 11)} == {77}


def test_offline_media_shows_a_slate_naming_the_file(tools, tmp_path):
    timeline = tools.timeline([tools.clip("Gone", tmp_path / "interview_take3.mov", 0, 5)])
    with Compositor(timeline, size=SIZE) as compositor:
        frame = compositor.frame(2)
        assert compositor.offline == {str(tmp_path / "interview_take3.mov"): "file not found"}
    assert tuple(int(c) for c in frame[5, 5]) == OFFLINE_COLOUR
    assert (frame > 200).all(axis=-1).sum() > 100  # white text drawn on it
    assert not np.array_equal(frame, offline_slate(SIZE, "other.mov"))  # ... naming this file


def test_timecode_based_media_maps_exactly_an_hour_in(tmp_path, tools):
    """Media starting at 01:00:00;00 (29.97): source ranges in absolute timecode frames map to file frames."""
    rate = Fraction(30000, 1001)
    path = write_coded_video(tmp_path / "tc.mp4", frames=12, fps=rate, tint=tools.GREEN)
    hour = 107892  # 01:00:00;00 at 29.97 drop-frame
    clip = tools.clip("TC", path, hour + 4, 5, rate=rate, available=12, available_start=hour)
    with Compositor(tools.timeline([clip], rate=rate), size=SIZE) as compositor:
        assert [read_frame_index(compositor.frame(n)) for n in range(5)] == [4, 5, 6, 7, 8]


def test_source_at_another_rate_is_placed_by_time(tmp_path, tools):
    """A 48 fps clip on a 24 fps timeline shows every second source frame."""
    path = write_coded_video(tmp_path / "fast.mp4", frames=24, fps=48, tint=tools.GREEN)
    clip = tools.clip("Fast", path, 0, 6, rate=24, available=12)
    with Compositor(tools.timeline([clip]), size=SIZE) as compositor:
        assert [read_frame_index(compositor.frame(n)) for n in range(6)] == [0, 2, 4, 6, 8, 10]


def test_ten_bit_prores_source_reads_its_frames(tmp_path, tools):
    path = write_coded_video(tmp_path / "p10.mov", frames=6, codec="prores_ks", pix_fmt="yuv422p10le",
                             tint=tools.GREEN)
    with Compositor(tools.timeline([tools.clip("P", path, 1, 4, available=6)]), size=SIZE) as compositor:
        frame = compositor.frame(2)
    assert read_frame_index(frame) == 3 and close_to(read_tint(frame), tools.GREEN)


def _write_half_transparent(path, first_index: int, frames: int = 4) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("qtrle", rate=24)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "argb"
        for i in range(frames):
            rgba = np.zeros((240, 320, 4), np.uint8)
            rgba[..., :3] = coded_frame(first_index + i, 320, 240, (250, 250, 0))
            rgba[:, :160, 3] = 255  # left half opaque, right half fully transparent
            frame = av.VideoFrame.from_ndarray(rgba, format="rgba")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_alpha_source_is_composited_over_the_track_below(media, tools, tmp_path):
    overlay = tmp_path / "overlay.mov"
    _write_half_transparent(overlay, 500)
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 4)], [tools.clip("O", overlay, 0, 4, available=4)])
    with Compositor(timeline, size=SIZE) as compositor:
        frame = compositor.frame(1)
    assert close_to(tuple(int(c) for c in frame[200, 80]), (250, 250, 0))  # opaque overlay half
    assert close_to(tuple(int(c) for c in frame[200, 240]), tools.RED)  # A shows through


def _pending_transition(tools, frames: int):
    from seine_editor.timeline import generated

    params = generated.normalize_params(generated.TRANSITION, {"prompt": "dusk"})
    return generated.make_placeholder(generated.TRANSITION, frames, Fraction(24), params, [])


def test_pending_generative_item_crossfades_its_neighbours_without_a_provider(media, tools):
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 10), _pending_transition(tools, 3),
                               tools.clip("B", media["b"], 0, 10)])
    with Compositor(timeline, size=SIZE) as compositor:
        middle = compositor.frame(11)  # 2nd of 3 generated frames: half way between A's last and B's first
    assert close_to(read_tint(middle), tuple((r + b) / 2 for r, b in zip(tools.RED, tools.BLUE)))


def test_placeholder_provider_gets_the_boundary_frames_and_its_frames_are_shown(media, tools):
    seen: list[PlaceholderRequest] = []

    def provider(request: PlaceholderRequest) -> np.ndarray:
        seen.append(request)
        return np.stack([coded_frame(900 + i, 160, 120, (10, 220, 10)) for i in range(request.num_frames)])

    timeline = tools.timeline([tools.clip("A", media["a"], 0, 10), _pending_transition(tools, 3),
                               tools.clip("B", media["b"], 5, 10)])
    with Compositor(timeline, size=SIZE, placeholder=provider) as compositor:
        shown = [read_frame_index(compositor.frame(n)) for n in (10, 11, 12)]
    assert shown == [900, 901, 902]
    assert len(seen) == 1 and seen[0].kind == "seine.transition" and seen[0].num_frames == 3
    assert read_frame_index(seen[0].first) == 9 and read_frame_index(seen[0].last) == 1005


def test_frame_outside_the_timeline_is_refused(cut_timeline):
    with Compositor(cut_timeline, size=SIZE) as compositor, pytest.raises(IndexError, match="frame 40 is outside"):
        compositor.frame(40)


def _frame_of(tools, n: int, *tracks) -> np.ndarray:
    with Compositor(tools.timeline(*tracks), size=SIZE) as compositor:
        return compositor.frame(n)


def _gap(tools, frames: int):
    from opentimelineio.schema import Gap

    return Gap(source_range=tools.clip("g", "none", 0, frames).source_range)


def test_dissolve_above_a_letterboxed_picture_shows_the_track_below_in_the_bars(media, tools, tmp_path):
    """Both sides are 320x120 (bars of 60 rows in 320x240): each side is laid over A, then the two are mixed."""
    wide_c = write_coded_video(tmp_path / "c.mp4", frames=16, width=320, height=120, first_index=300,
                               tint=tools.GREEN)
    wide_d = write_coded_video(tmp_path / "d.mp4", frames=16, width=320, height=120, first_index=600,
                               tint=(230, 220, 40))
    lower = [tools.clip("A", media["a"], 0, 20)]
    upper = [tools.clip("C", wide_c, 0, 10, available=16), tools.dissolve(2, 2),
             tools.clip("D", wide_d, 4, 10, available=16)]
    frame = _frame_of(tools, 9, lower, upper)  # dissolve frames 8..11: weight 1/4
    outgoing = _frame_of(tools, 9, lower, [tools.clip("C", wide_c, 0, 12, available=16)])
    incoming = _frame_of(tools, 9, lower, [_gap(tools, 8), tools.clip("D", wide_d, 2, 12, available=16)])
    under = _frame_of(tools, 9, lower)
    assert np.array_equal(frame, cv2.addWeighted(outgoing, 0.75, incoming, 0.25, 0.0))
    assert np.array_equal(frame[:60], under[:60]) and np.array_equal(frame[180:], under[180:])
    assert read_frame_index(frame[:, :, :], box=(0, 60, 320, 120)) in (309, 603)  # the pictures mix in the box


def test_dissolve_from_an_alpha_picture_mixes_what_shows_through_it(media, tools, tmp_path):
    """Outgoing is transparent on its right half: there the mix runs from A (below) to B, not from black."""
    overlay = tmp_path / "overlay.mov"
    _write_half_transparent(overlay, 500, frames=12)
    lower = [tools.clip("A", media["a"], 0, 20)]
    upper = [tools.clip("O", overlay, 0, 8, available=12), tools.dissolve(2, 2),
             tools.clip("B", media["b"], 10, 10)]
    frame = _frame_of(tools, 8, lower, upper)  # dissolve frames 6..9: weight 2/4
    outgoing = _frame_of(tools, 8, lower, [tools.clip("O", overlay, 0, 10, available=12)])
    incoming = _frame_of(tools, 8, lower, [_gap(tools, 6), tools.clip("B", media["b"], 8, 14)])
    under = _frame_of(tools, 8, lower)
    assert np.array_equal(frame, cv2.addWeighted(outgoing, 0.5, incoming, 0.5, 0.0))
    right = (slice(130, 230), slice(170, 310))  # in the tint half: A's red under O, B's blue
    expected = (under[right].astype(int) + incoming[right].astype(int)) / 2
    assert np.abs(frame[right].astype(int) - expected).max() <= 1
    assert close_to(read_tint(frame, box=(160, 0, 160, 240)),
                    tuple((r + b) / 2 for r, b in zip(tools.RED, tools.BLUE)))


def test_compositors_share_one_frame_budget_and_reuse_each_others_frames(media, tools, monkeypatch):
    """The viewer makes a compositor per timeline state: the next one finds the frames the last decoded."""
    from seine_editor.media.reader import FrameCache, FrameReader

    decoded = []
    original = FrameReader._decode
    monkeypatch.setattr(FrameReader, "_decode", lambda self, packet, index: decoded.append(index) or
                        original(self, packet, index))
    budget = FrameCache(max_bytes=320 * 240 * 3 * 12)
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 8), tools.clip("B", media["b"], 0, 8)])
    with Compositor(timeline, size=SIZE, frame_cache=budget) as first:
        before = [first.frame(n) for n in range(4, 12)]
    assert len(decoded) == 8 and budget.nbytes <= budget.max_bytes
    with Compositor(timeline, size=SIZE, frame_cache=budget) as second:
        after = [second.frame(n) for n in range(4, 12)]
    assert len(decoded) == 8  # nothing decoded again
    assert all(np.array_equal(a, b) for a, b in zip(before, after))


def test_a_reader_no_frame_needs_any_more_is_closed(media, tools):
    """Rendering clip after clip keeps only the decoders under the current frame (and the recent ones)."""
    from seine_editor.render.sources import IDLE_FRAMES

    assert IDLE_FRAMES == 48
    timeline = tools.timeline([tools.clip("A", media["a"], 0, 8), tools.clip("B", media["b"], 0, 48),
                               _gap(tools, 10), tools.clip("A again", media["a"], 8, 8)])
    with Compositor(timeline, size=SIZE) as compositor:
        for n in range(56):
            compositor.frame(n)
        assert compositor.open_media == [str(media["a"]), str(media["b"])]  # A: last used 48 frames ago
        compositor.frame(60)
        assert compositor.open_media == [str(media["b"])]
        assert read_frame_index(compositor.frame(66)) == 8  # A is opened again when it is needed again
