"""The classic engines: exact boundary frames, frame counts, progress, cancel, and what each mode makes."""
import cv2
import numpy as np
import pytest

from engine import (AnimateRequest, EngineInputError, ExtendRequest, GenerationCancelled, StepInfo,
                    TransitionRequest)
from engine.classic import CrossfadeEngine, MorphEngine
from seine_editor.media.synthetic import coded_frame, read_frame_index

HEIGHT, WIDTH = 96, 160


def textured_patch_frame(x: int, y: int = 50, size: int = 80) -> np.ndarray:
    """320×180 mid-grey frame with a fixed smooth-textured square whose top-left corner is at (x, y)."""
    rng = np.random.default_rng(7)
    coarse = rng.integers(0, 256, (size // 8, size // 8, 3), dtype=np.uint8)
    texture = cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)  # smooth, like real footage
    frame = np.full((180, 320, 3), 128, np.uint8)
    frame[y:y + size, x:x + size] = texture
    return frame


def mean_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int32) - b.astype(np.int32)).mean())


def marker_centre_x(frame: np.ndarray) -> float:
    """Horizontal centroid of the brightness of a frame."""
    weight = frame.astype(np.float64).sum(axis=(0, 2))
    return float((weight * np.arange(frame.shape[1])).sum() / weight.sum())


@pytest.fixture(params=[MorphEngine, CrossfadeEngine], ids=["morph", "crossfade"])
def engine(request):
    return request.param()


def test_transition_starts_on_first_and_ends_on_last_exactly(engine):
    first, last = coded_frame(3, WIDTH, HEIGHT), coded_frame(900, WIDTH, HEIGHT, tint=(20, 90, 200))
    result = engine.transition(first, last, TransitionRequest(num_frames=9))
    assert result.frames.shape == (9, HEIGHT, WIDTH, 3)
    assert np.array_equal(result.frames[0], first)
    assert np.array_equal(result.frames[-1], last)
    assert (read_frame_index(result.frames[0]), read_frame_index(result.frames[-1])) == (3, 900)


def test_transition_of_two_frames_is_just_the_ends(engine):
    first, last = coded_frame(1, WIDTH, HEIGHT), coded_frame(2, WIDTH, HEIGHT)
    frames = engine.transition(first, last, TransitionRequest(num_frames=2)).frames
    assert np.array_equal(frames, np.stack([first, last]))


def test_crossfade_middle_frames_are_the_linear_mix():
    first, last = np.full((8, 8, 3), 0, np.uint8), np.full((8, 8, 3), 200, np.uint8)
    frames = CrossfadeEngine().transition(first, last, TransitionRequest(num_frames=5)).frames
    assert [int(f[0, 0, 0]) for f in frames] == [0, 50, 100, 150, 200]


@pytest.mark.parametrize("engine_class, close_to_truth", [(MorphEngine, True), (CrossfadeEngine, False)])
def test_morph_moves_the_picture_where_a_crossfade_double_exposes_it(engine_class, close_to_truth):
    first, last = textured_patch_frame(60), textured_patch_frame(76)  # 16 px to the right
    frames = engine_class().transition(first, last, TransitionRequest(num_frames=5)).frames
    errors = [mean_error(frame, textured_patch_frame(60 + 4 * i)) for i, frame in enumerate(frames)]
    if close_to_truth:
        assert max(errors) < 0.2
    else:
        assert min(errors[1:4]) > 3.0


def test_progress_reports_every_frame_in_order(engine):
    steps: list[StepInfo] = []
    first, last = coded_frame(0, WIDTH, HEIGHT), coded_frame(1, WIDTH, HEIGHT)
    engine.transition(first, last, TransitionRequest(num_frames=6), on_step=steps.append)
    assert [(s.step, s.total, s.stage) for s in steps] == [(i, 6, "frame") for i in range(1, 7)]
    assert all(b.elapsed_s >= a.elapsed_s for a, b in zip(steps, steps[1:]))


@pytest.mark.parametrize("mode", ["transition", "extend", "animate"])
def test_cancel_mid_run_raises_and_makes_no_further_step(engine, mode):
    steps = []
    frame = coded_frame(5, WIDTH, HEIGHT)
    call = {"transition": lambda **kw: engine.transition(frame, frame, TransitionRequest(num_frames=8), **kw),
            "extend": lambda **kw: engine.extend(np.stack([frame, frame]), ExtendRequest(num_frames=8), **kw),
            "animate": lambda **kw: engine.animate(frame, AnimateRequest(num_frames=8), **kw)}[mode]
    with pytest.raises(GenerationCancelled, match=f"{engine.name} {mode} cancelled after 3 of 8 frames"):
        call(on_step=steps.append, cancelled=lambda: len(steps) >= 3)
    assert [s.step for s in steps] == [1, 2, 3]


def test_cancel_before_start_makes_no_step(engine):
    steps = []
    frame = coded_frame(5, WIDTH, HEIGHT)
    with pytest.raises(GenerationCancelled):
        engine.transition(frame, frame, TransitionRequest(num_frames=4), on_step=steps.append, cancelled=lambda: True)
    assert steps == []


def test_extend_makes_exactly_the_new_frames(engine):
    clip = np.stack([coded_frame(i, WIDTH, HEIGHT) for i in range(4)])
    result = engine.extend(clip, ExtendRequest(num_frames=7))
    assert result.frames.shape == (7, HEIGHT, WIDTH, 3)
    assert result.fps == 8.0


def test_extend_of_a_single_frame_holds_it(engine):
    still = coded_frame(42, WIDTH, HEIGHT)
    frames = engine.extend(still[None], ExtendRequest(num_frames=3)).frames
    assert all(np.array_equal(f, still) for f in frames)


def test_morph_extend_continues_the_motion_and_slows_to_a_hold():
    clip = np.stack([textured_patch_frame(60), textured_patch_frame(70)])  # 10 px per frame to the right
    frames = MorphEngine(extend_decay=0.5).extend(clip, ExtendRequest(num_frames=5)).frames
    # each step moves half the previous one: +5, +2.5, +1.25, ... beyond the last frame's 70
    travelled = [5, 7.5, 8.75, 9.375, 9.6875]
    errors = [mean_error(frame, textured_patch_frame(70 + round(x))) for frame, x in zip(frames, travelled)]
    assert max(errors) < 1.0
    assert mean_error(frames[-1], clip[-1]) > 5.0


def test_animate_starts_on_the_image_and_pushes_in_around_the_centre(engine):
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[44:52, 115:125] = 255  # a marker 40 px right of the centre (79.5)
    frames = engine.animate(image, AnimateRequest(num_frames=5)).frames
    assert frames.shape == (5, HEIGHT, WIDTH, 3)
    assert np.array_equal(frames[0], image)
    assert marker_centre_x(frames[-1]) == pytest.approx(79.5 + 40 * 1.12, abs=0.3)
    assert marker_centre_x(frames[2]) == pytest.approx(79.5 + 40 * 1.06, abs=0.3)  # half-way, eased


def test_request_size_letterboxes_the_inputs(engine):
    first, last = coded_frame(7, 160, 90), coded_frame(8, 160, 90)
    frames = engine.transition(first, last, TransitionRequest(num_frames=3, size=(120, 160))).frames
    assert frames.shape == (3, 120, 160, 3)
    assert frames[0, :15].max() == 0 and frames[0, 105:].max() == 0
    assert read_frame_index(frames[0], box=(0, 15, 160, 90)) == 7


def test_result_info_names_engine_params_and_timings():
    first = coded_frame(0, WIDTH, HEIGHT)
    info = MorphEngine(fps=24).transition(first, first, TransitionRequest(num_frames=3)).info
    assert (info["engine"], info["identity"], info["mode"]) == ("morph", "morph/1", "transition")
    assert info["params"] == {"fps": 24.0, "push_in": 1.12, "work_side": 480, "flow": "dis", "extend_decay": 0.8}
    assert set(info["timings"]) == {"prepare_s", "frames_s", "total_s"}


def test_non_uint8_input_is_rejected_by_name(engine):
    good = coded_frame(0, WIDTH, HEIGHT)
    with pytest.raises(EngineInputError, match=r"last must be an H×W×3 uint8 RGB array, got float32 \(96, 160, 3\)"):
        engine.transition(good, good.astype(np.float32), TransitionRequest(num_frames=4))


def test_transition_needs_two_frames(engine):
    good = coded_frame(0, WIDTH, HEIGHT)
    with pytest.raises(EngineInputError, match="num_frames must be an integer ≥ 2 for this mode, got 1"):
        engine.transition(good, good, TransitionRequest(num_frames=1))


def test_ends_of_different_sizes_are_rejected_without_a_request_size(engine):
    with pytest.raises(EngineInputError, match="first is 160×96 but last is 64×48"):
        engine.transition(coded_frame(0, 160, 96), coded_frame(0, 64, 48), TransitionRequest(num_frames=4))


def test_empty_clip_cannot_be_extended(engine):
    with pytest.raises(EngineInputError, match="frames is empty"):
        engine.extend(np.zeros((0, 8, 8, 3), np.uint8), ExtendRequest(num_frames=4))
