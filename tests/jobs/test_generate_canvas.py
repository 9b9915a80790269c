"""How sources reach a model's canvas and come back: each end stretched on its own to the official canvas nearest
its aspect (no black bars ever in generated content), an extension's context taken one engine frame apart."""
import json
from fractions import Fraction

import av
import numpy as np
import pytest

from engine.api import CanvasRule, EngineInfo, GeneratedFrames
from seine_editor.jobs.context import HeadlessContext
from seine_editor.jobs.engines import EngineCache
from seine_editor.jobs.generate import GenerateSpec, GenerationParams, SourceFrames, context_indices, generate
from seine_editor.jobs.media_io import read_frames, write_movie
from seine_editor.media.synthetic import write_coded_video

BUCKETS = ((32, 48), (48, 48), (24, 56))  # the official 320×512, 512×512 and 240×560, a tenth the size
ASPECTS = {"16:9": (90, 160), "4:3": (90, 120), "2.4:1": (90, 216), "1:1": (90, 90), "9:16": (160, 90)}


class CanvasEcho:
    """A model-like engine on stretched canvas buckets (as SEINE's) that returns a blend of what it was given and
    keeps every input it saw."""

    name = "echo"
    identity = "echo/1"
    info = EngineInfo("echo", "test", "Echo", "echo/1", native_frames=16, fps=8.0, context_frames=4,
                      canvas=CanvasRule(buckets=BUCKETS, multiple=8, stretch=True))

    def __init__(self):
        self.inputs: list[np.ndarray] = []

    def transition(self, first, last, request, *, on_step=None, cancelled=None):
        self.inputs += [first, last]
        weight = np.linspace(0.0, 1.0, request.num_frames)[:, None, None, None]
        return GeneratedFrames(((1 - weight) * first + weight * last).round().astype(np.uint8), 8.0)

    def extend(self, frames, request, *, on_step=None, cancelled=None):
        self.inputs += list(frames)
        return GeneratedFrames(np.repeat(frames[-1:], request.num_frames, axis=0), 8.0)

    def animate(self, image, request, *, on_step=None, cancelled=None):
        self.inputs.append(image)
        return GeneratedFrames(np.repeat(image[None], request.num_frames, axis=0), 8.0)


@pytest.fixture
def echo():
    return CanvasEcho()


def full_frame_clip(path, height, width, seed, frames=4):
    """Content to every edge: bright noise, no bar anywhere."""
    pictures = np.random.default_rng(seed).integers(80, 256, (frames, height, width, 3), dtype=np.uint8)
    return str(write_movie(path, pictures, Fraction(24), {}))


def run(echo, tmp_path, kind, sources, size, duration=12, fps=Fraction(24)):
    spec = GenerateSpec(kind, "item", tuple(sources), GenerationParams(seed=1), size[1], size[0], fps, duration,
                        str(tmp_path / "cache"), engine="echo")
    engines = EngineCache()
    engines.put("echo", {}, echo)
    result = generate(spec, HeadlessContext(), engines)
    return result, read_frames(result.path, range(duration))


def dark_lines(frame: np.ndarray) -> int:
    """Rows and columns that are (nearly) black: letterbox or pillarbox bars."""
    grey = frame.astype(float).mean(axis=-1)
    return int((grey.mean(axis=1) < 30).sum() + (grey.mean(axis=0) < 30).sum())


@pytest.mark.parametrize("aspect", list(ASPECTS))
def test_a_transition_shows_no_black_bars_for_a_source_of_any_aspect(echo, tmp_path, aspect):
    height, width = ASPECTS[aspect]
    a = full_frame_clip(tmp_path / "a.mov", height, width, 1)
    b = full_frame_clip(tmp_path / "b.mov", height, width, 2)
    _, frames = run(echo, tmp_path, "transition", [SourceFrames("left", a, (3,)), SourceFrames("right", b, (0,))],
                    (height, width))
    assert [dark_lines(frame) for frame in echo.inputs] == [0, 0]  # stretched to the canvas, not letterboxed
    assert [dark_lines(frame) for frame in frames] == [0] * 12


@pytest.mark.parametrize("aspect, canvas", [("16:9", (32, 48)), ("4:3", (32, 48)), ("2.4:1", (24, 56)),
                                            ("1:1", (48, 48)), ("9:16", (48, 48))])
def test_a_source_is_stretched_to_the_canvas_nearest_its_aspect(echo, tmp_path, aspect, canvas):
    height, width = ASPECTS[aspect]
    still = full_frame_clip(tmp_path / "s.mov", height, width, 3, frames=1)
    run(echo, tmp_path, "animate", [SourceFrames("still", still, (0,))], (height, width))
    assert echo.inputs[0].shape[:2] == canvas


def test_the_ends_of_a_transition_are_each_stretched_on_their_own(echo, tmp_path):
    a = full_frame_clip(tmp_path / "a.mov", 90, 160, 1)
    b = full_frame_clip(tmp_path / "b.mov", 90, 120, 2)
    _, frames = run(echo, tmp_path, "transition", [SourceFrames("left", a, (3,)), SourceFrames("right", b, (0,))],
                    (90, 160))
    assert [(frame.shape[:2], dark_lines(frame)) for frame in echo.inputs] == [((32, 48), 0), ((32, 48), 0)]
    bars = [dark_lines(frame) for frame in frames]  # the picture's shape goes from A's (full frame) to B's (4:3,
    assert bars == sorted(bars) and bars[0] <= 4 and bars[-1] >= 36  # pillarboxed as B itself is placed), smoothly


@pytest.mark.parametrize("fps, fed", [
    (Fraction(24), (27, 30, 33, 36)), (Fraction(25), (27, 30, 33, 36)),
    (Fraction(30000, 1001), (25, 29, 32, 36)), (Fraction(30), (25, 29, 32, 36)), (Fraction(60), (14, 21, 29, 36)),
])
def test_an_extension_is_conditioned_on_frames_one_engine_frame_apart(echo, tmp_path, fps, fed):
    clip = write_coded_video(tmp_path / "clip.mp4", frames=40, width=64, height=48, fps=fps)
    result, _ = run(echo, tmp_path, "extend", [SourceFrames("tail", str(clip), (36,))], (48, 64), duration=8, fps=fps)
    with av.open(result.path) as container:
        sources = json.loads(container.metadata["comment"])["sources"]
    assert sources == [{"role": "tail", "path": str(clip), "frames": list(fed)}]
    assert len(echo.inputs) == 4


def test_context_frames_are_the_nearest_frames_one_engine_frame_apart_and_never_before_the_start():
    assert context_indices(100, Fraction(24), Fraction(8), 4) == (91, 94, 97, 100)
    assert context_indices(100, Fraction(60), Fraction(8), 4) == (78, 85, 93, 100)  # 7.5 frames apart, half up
    assert context_indices(5, Fraction(24), Fraction(8), 4) == (0, 0, 2, 5)


def test_an_extension_starts_one_timeline_frame_after_its_clip_and_moves_at_the_clips_speed(echo, tmp_path):
    clip = write_coded_video(tmp_path / "clip.mp4", frames=40, width=64, height=48, fps=Fraction(24))
    echo.extend = lambda frames, request, **_: GeneratedFrames(
        np.stack([np.full_like(frames[-1], 40 + 20 * k) for k in range(1, request.num_frames + 1)]), 8.0)
    _, frames = run(echo, tmp_path, "extend", [SourceFrames("tail", str(clip), (36,))], (48, 64), duration=6)
    levels = [float(frame[24:, 20:44].mean()) for frame in frames]
    seam = float(read_frames(str(clip), [36])[0][24:, 20:44].mean())
    # two new engine frames (levels 60 and 80, 1/8 s apart) after the clip's last frame over six timeline frames
    # (1/24 s): a third of an engine frame each, the first already a third of the way from the clip's frame
    expected = [seam + (60 - seam) / 3, seam + 2 * (60 - seam) / 3, 60, 60 + 20 / 3, 60 + 40 / 3, 80]
    assert np.allclose(levels, expected, atol=4), (levels, expected)
