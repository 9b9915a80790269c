"""CLIPSIM-text / -scenes / -frames with a tiny random CLIP saved to a local folder and loaded back."""
from pathlib import Path

import numpy as np
import pytest

from engine import EngineInputError, WeightsNotFoundError
from engine.metrics import ClipSimScores, ClipSimilarity, clipsim_frames, clipsim_scenes, clipsim_text, format_scores
from seine_editor.media.synthetic import coded_frame

TOKENIZER = (Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "seine_tiny" / "pretrained"
             / "stable-diffusion-tiny" / "tokenizer")


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory) -> Path:
    """A random 2-layer CLIP with the SD tokenizer and a 32-pixel image processor, as save_pretrained writes it."""
    if not TOKENIZER.is_dir():
        pytest.skip(f"the shared tokenizer fixture is absent ({TOKENIZER})")
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(TOKENIZER, local_files_only=True)
    tower = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4)
    config = CLIPConfig(text_config=dict(tower, vocab_size=len(tokenizer), max_position_embeddings=77,
                                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                                         pad_token_id=tokenizer.pad_token_id),
                        vision_config=dict(tower, image_size=32, patch_size=8), projection_dim=16)
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("clip")
    CLIPModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def clip(clip_folder) -> ClipSimilarity:
    return ClipSimilarity(clip_folder)


@pytest.fixture(scope="module")
def scenes() -> tuple[np.ndarray, np.ndarray]:
    return coded_frame(1, 64, 48, tint=(220, 30, 30)), coded_frame(40000, 64, 48, tint=(20, 40, 230))


def test_embeddings_are_one_unit_vector_per_frame(clip, scenes):
    embeddings = clip.image_embeddings(np.stack([*scenes, scenes[0]]))
    assert embeddings.shape == (3, 16)
    assert np.linalg.norm(embeddings, axis=1) == pytest.approx([1, 1, 1], abs=1e-9)
    assert clip.text_embedding("a red car").shape == (16,)


def test_identical_frames_score_the_maximum_frame_consistency(clip, scenes):
    assert clip.evaluate(np.stack([scenes[0]] * 4)).frames == pytest.approx(1.0, abs=1e-6)


def test_frames_score_is_the_mean_over_consecutive_pairs(clip, scenes):
    a, b = clip.image_embeddings(np.stack(scenes))
    assert clip.evaluate(np.stack([scenes[0], scenes[1], scenes[0]])).frames == pytest.approx(float(a @ b), abs=1e-6)


def test_scenes_score_is_symmetric_in_the_two_scenes(clip, scenes):
    video = np.stack([scenes[0], coded_frame(7, 64, 48), scenes[1]])
    forward = clip.evaluate(video, first=scenes[0], last=scenes[1]).scenes
    backward = clip.evaluate(video, first=scenes[1], last=scenes[0]).scenes
    assert forward == pytest.approx(backward, abs=1e-8)  # float32 CLIP sums in another order


def test_scenes_score_of_a_straight_cut_is_the_mean_of_self_and_cross_similarity(clip, scenes):
    a, b = clip.image_embeddings(np.stack(scenes))
    score = clip.evaluate(np.stack(scenes), first=scenes[0], last=scenes[1]).scenes
    assert score == pytest.approx((1.0 + float(a @ b)) / 2.0, abs=1e-6)


def test_text_score_of_a_video_is_the_mean_of_its_frames_scores(clip, scenes):
    each = [clip.evaluate(frame[None], prompt="a dog on a beach").text for frame in scenes]
    assert clip.evaluate(np.stack(scenes), prompt="a dog on a beach").text == pytest.approx(np.mean(each), abs=1e-6)


def test_missing_inputs_leave_their_scores_out(clip, scenes):
    assert clip.evaluate(scenes[0][None]) == ClipSimScores(text=None, scenes=None, frames=None)


def test_one_scene_image_alone_is_rejected(clip, scenes):
    with pytest.raises(EngineInputError, match="needs both scene images, first and last; got only one"):
        clip.evaluate(np.stack(scenes), first=scenes[0])


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(WeightsNotFoundError, match=f"CLIP model folder {tmp_path / 'nope'} does not exist"):
        ClipSimilarity(tmp_path / "nope")


def test_incomplete_folder_names_what_is_missing(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(WeightsNotFoundError, match="lacks weights, tokenizer, preprocessor_config.json"):
        ClipSimilarity(tmp_path)


def test_pure_scores_on_hand_made_embeddings():
    frames = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert clipsim_frames(frames) == pytest.approx(0.5)
    assert clipsim_scenes(frames, np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(0.5)
    assert clipsim_text(frames, np.array([0.6, 0.8])) == pytest.approx((0.6 + 0.8 + 0.8) / 3)


def test_format_scores_prints_four_decimals_and_says_why_one_is_missing():
    assert format_scores(ClipSimScores(text=0.25, scenes=None, frames=0.987654)) == (
        "CLIPSIM-text: 0.2500\nCLIPSIM-scenes: n/a (no scene images)\nCLIPSIM-frames: 0.9877")


# --- `seine-editor evaluate` ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def transition_files(tmp_path_factory) -> dict[str, Path]:
    from seine_editor.media.synthetic import write_coded_image, write_coded_video

    folder = tmp_path_factory.mktemp("evaluate")
    return {"video": write_coded_video(folder / "t.mp4", frames=6, width=64, height=48),
            "first": write_coded_image(folder / "a.png", width=64, height=48, index=0),
            "last": write_coded_image(folder / "b.png", width=64, height=48, index=5)}


def test_evaluate_prints_the_three_scores_as_json(clip_folder, transition_files, capsys):
    import json

    from seine_editor.cli import main

    code = main(["evaluate", str(transition_files["video"]), "--first", str(transition_files["first"]),
                 "--last", str(transition_files["last"]), "--prompt", "a red square", "--clip-path",
                 str(clip_folder), "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames"] == 6
    assert set(report) == {"video", "frames", "clipsim_text", "clipsim_scenes", "clipsim_frames"}
    assert all(-1.0 <= report[k] <= 1.0 for k in ("clipsim_text", "clipsim_scenes", "clipsim_frames"))


def test_evaluate_without_scenes_or_prompt_says_which_scores_are_missing(clip_folder, transition_files, capsys):
    from seine_editor.cli import main

    assert main(["evaluate", str(transition_files["video"]), "--clip-path", str(clip_folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["CLIPSIM-text: n/a (no prompt)", "CLIPSIM-scenes: n/a (no scene images)"]
    assert lines[2].startswith("CLIPSIM-frames: ")


def test_evaluate_names_a_missing_video_and_exits_2(clip_folder, tmp_path, capsys):
    from seine_editor.cli import main

    assert main(["evaluate", str(tmp_path / "gone.mp4"), "--clip-path", str(clip_folder)]) == 2
    assert f"{tmp_path / 'gone.mp4'}: no such file" in capsys.readouterr().err


def test_evaluate_names_a_file_that_is_not_media_and_exits_2(clip_folder, tmp_path, capsys):
    from seine_editor.cli import main

    notes = tmp_path / "notes.mp4"
    notes.write_text("not a movie")
    assert main(["evaluate", str(notes), "--clip-path", str(clip_folder)]) == 2
    assert f"{notes}: not a video, audio or image file" in capsys.readouterr().err


def test_evaluate_names_a_missing_clip_folder_and_exits_2(transition_files, tmp_path, capsys):
    from seine_editor.cli import main

    assert main(["evaluate", str(transition_files["video"]), "--clip-path", str(tmp_path / "clip")]) == 2
    assert f"CLIP model folder {tmp_path / 'clip'} does not exist" in capsys.readouterr().err
