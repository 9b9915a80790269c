"""CLIPSIM scores of a generated transition, as the SEINE paper (arXiv 2310.20700v2, §4.2, Table 1) defines them.

The paper's whole definition is three sentences: "To compute CLIPSIM-scenes, we calculate the clip image similarity
for each frame and the given scene images. To compute CLIPSIM-frames, we calculate the clip score in between
generated frames. Likewise, we utilize the clip text-image similarity as CLIPSIM-text". Its Fig. 3 adds that "each
frame x_n and its neighboring frames x_n-1 and x_n+1 should be temporal coherence", and section 3.2 defines the
sequence with x_0 = S1 and x_N = S2. What follows reads those sentences; where they leave a choice open, it says so.

All three are means of cosine similarities between L2-normalised CLIP embeddings (image embeddings from the
vision tower's projection, text embeddings from the text tower's projection):

- CLIPSIM-text (video-text alignment): mean over the video's frames of cos(image(frame), text(prompt)). The paper
  does not say how frames are pooled; the per-frame mean is the usual CLIPSIM.
- CLIPSIM-scenes (semantic similarity to the two scenes): for every frame, the mean of its similarity to the first
  scene image and to the last scene image; then the mean over frames:
  ``mean_i ( cos(f_i, A) + cos(f_i, B) ) / 2``. A transition should stay related to both scenes throughout, so each
  frame counts both, equally; the score is therefore symmetric in A and B. The paper does not say how the two
  scenes are combined (section 3.2 asks each frame to "resemble either of the source images", which a max would
  also fit); the mean is kept. The frames scored are all frames of the video as given (for a SEINE transition the
  first and last are the scenes themselves, x_0 and x_N).
- CLIPSIM-frames (temporal consistency): mean over consecutive pairs of cos(f_i, f_{i+1}), the neighbours of
  Fig. 3. The paper does not say whether the two scene frames at the ends count; here they do, as for the others.

Scale: raw cosine similarity in [-1, 1], printed to four decimals, not multiplied by 100 (nor CLIPScore's 2.5
weight): Table 1 gives SEINE 0.2726 / 0.7740 / 0.9675 and Morphing 0.2535 / 0.7707 / 0.9569 (text / scenes /
frames). The paper does not name its CLIP model, so scores from different CLIP checkpoints are not comparable.

The CLIP model comes from a LOCAL folder only (``config.json``, weights, tokenizer files and
``preprocessor_config.json``, as ``save_pretrained`` writes them); nothing is downloaded.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from engine.errors import EngineInputError, WeightsNotFoundError

_REQUIRED = {
    "config.json": ("config.json",),
    "weights": ("model.safetensors", "pytorch_model.bin"),
    "tokenizer": ("tokenizer.json", "vocab.json"),
    "preprocessor_config.json": ("preprocessor_config.json",),
}


@dataclass(frozen=True)
class ClipSimScores:
    """The three scores; ``None`` where the input for one was not given (no prompt, no scenes, one frame)."""

    text: Optional[float]
    scenes: Optional[float]
    frames: Optional[float]

    def as_dict(self) -> dict:
        return {f"clipsim_{name}": value for name, value in asdict(self).items()}


def _check_folder(path: Path) -> None:
    if not path.is_dir():
        raise WeightsNotFoundError(f"CLIP model folder {path} does not exist; expected a local folder with "
                                   f"config.json, model.safetensors, the tokenizer and preprocessor_config.json "
                                   f"(as CLIPModel/CLIPProcessor.save_pretrained write them)")
    missing = [label for label, names in _REQUIRED.items() if not any((path / n).is_file() for n in names)]
    if missing:
        raise WeightsNotFoundError(f"CLIP model folder {path} lacks {', '.join(missing)}; expected config.json, "
                                   f"model.safetensors (or pytorch_model.bin), tokenizer.json (or vocab.json + "
                                   f"merges.txt) and preprocessor_config.json")


def _check_frames(frames, label: str) -> np.ndarray:
    frames = np.asarray(frames) if isinstance(frames, (list, tuple)) else frames
    if not isinstance(frames, np.ndarray) or frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise EngineInputError(f"{label} must be a T×H×W×3 uint8 array, got {getattr(frames, 'dtype', frames)!r} "
                               f"{getattr(frames, 'shape', None)}")
    if len(frames) == 0:
        raise EngineInputError(f"{label} is empty; CLIPSIM needs at least one frame")
    return frames


class ClipSimilarity:
    """A CLIP model from a local folder that scores videos. ``device`` is "cpu", "cuda", ... ."""

    def __init__(self, model_path, *, device: str = "cpu", batch_size: int = 16):
        import torch
        from transformers import AutoTokenizer, CLIPImageProcessor, CLIPModel

        self.path = Path(model_path)
        _check_folder(self.path)
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.model = CLIPModel.from_pretrained(self.path, local_files_only=True).to(self.device).eval()
        self.tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
        self.image_processor = CLIPImageProcessor.from_pretrained(self.path, local_files_only=True)

    @staticmethod
    def _projected(output):
        """transformers returns the projected embeddings as a tensor or, in newer releases, as pooler_output."""
        return output if hasattr(output, "norm") else output.pooler_output

    def image_embeddings(self, frames: np.ndarray) -> np.ndarray:
        """T×D float64 unit vectors, one per frame (T×H×W×3 uint8 RGB)."""
        import torch

        frames = _check_frames(frames, "frames")
        chunks = []
        with torch.no_grad():
            for start in range(0, len(frames), self.batch_size):
                batch = list(frames[start:start + self.batch_size])
                pixels = self.image_processor(images=batch, return_tensors="pt")["pixel_values"].to(self.device)
                chunks.append(self._projected(self.model.get_image_features(pixel_values=pixels)))
        return _unit(torch.cat(chunks).double().cpu().numpy())

    def text_embedding(self, prompt: str) -> np.ndarray:
        """D float64 unit vector of ``prompt`` (truncated to the text tower's 77 tokens, as CLIP is trained)."""
        import torch

        if not isinstance(prompt, str) or not prompt.strip():
            raise EngineInputError(f"prompt must be a non-empty string, got {prompt!r}")
        tokens = self.tokenizer([prompt], padding="max_length", truncation=True,
                                max_length=self.model.config.text_config.max_position_embeddings,
                                return_tensors="pt").to(self.device)
        with torch.no_grad():
            features = self._projected(self.model.get_text_features(input_ids=tokens["input_ids"],
                                                                    attention_mask=tokens["attention_mask"]))
        return _unit(features.double().cpu().numpy())[0]

    def evaluate(self, frames: np.ndarray, *, prompt: Optional[str] = None, first: Optional[np.ndarray] = None,
                 last: Optional[np.ndarray] = None) -> ClipSimScores:
        """All three scores from one pass over ``frames``; the scene score needs both ``first`` and ``last``."""
        embeddings = self.image_embeddings(frames)
        text = clipsim_text(embeddings, self.text_embedding(prompt)) if prompt else None
        scenes = None
        if (first is None) != (last is None):
            raise EngineInputError("CLIPSIM-scenes needs both scene images, first and last; got only one")
        if first is not None:
            scene_embeddings = self.image_embeddings(_check_frames(np.stack([_image(first, "first"),
                                                                              _image(last, "last")]), "scenes"))
            scenes = clipsim_scenes(embeddings, scene_embeddings[0], scene_embeddings[1])
        frames_score = clipsim_frames(embeddings) if len(embeddings) > 1 else None
        return ClipSimScores(text=text, scenes=scenes, frames=frames_score)


def _image(image, label: str) -> np.ndarray:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise EngineInputError(f"{label} must be an H×W×3 uint8 RGB array, got {getattr(image, 'dtype', image)!r} "
                               f"{getattr(image, 'shape', None)}")
    return image


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)


# Pure scores on unit embeddings (T×D frames, D vectors), so they can be checked without a model.

def clipsim_text(frame_embeddings: np.ndarray, text_embedding: np.ndarray) -> float:
    return float(np.mean(frame_embeddings @ text_embedding))


def clipsim_scenes(frame_embeddings: np.ndarray, first_embedding: np.ndarray, last_embedding: np.ndarray) -> float:
    return float(np.mean((frame_embeddings @ first_embedding + frame_embeddings @ last_embedding) / 2.0))


def clipsim_frames(frame_embeddings: np.ndarray) -> float:
    if len(frame_embeddings) < 2:
        raise EngineInputError("CLIPSIM-frames needs at least 2 frames, got 1")
    return float(np.mean(np.sum(frame_embeddings[:-1] * frame_embeddings[1:], axis=-1)))


def format_scores(scores: ClipSimScores, labels: Sequence[str] = ("text", "scenes", "frames")) -> str:
    """One line per score, four decimals; a missing score says why it is missing."""
    reasons = {"text": "no prompt", "scenes": "no scene images", "frames": "a single frame"}
    lines = []
    for label in labels:
        value = getattr(scores, label)
        lines.append(f"CLIPSIM-{label}: " + (f"{value:.4f}" if value is not None else f"n/a ({reasons[label]})"))
    return "\n".join(lines)
