"""The media side of generation jobs: exact source frames in, an intra-frame movie out."""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from engine.errors import GenerationCancelled
from seine_editor.media.reader import FrameReader


def read_frames(path, indices: Sequence[int]) -> np.ndarray:
    """The frames ``indices`` of ``path`` (upright, display aspect, RGB) as a T×H×W×3 uint8 array.
    Raises MediaError naming the file when it cannot be read, IndexError naming a frame it does not have."""
    with FrameReader(path) as reader:
        if reader.info.kind == "video":
            missing = [i for i in indices if i >= reader.frame_count]
            if missing:
                raise IndexError(f"{path}: has {reader.frame_count} frames, frame {missing[0]} was asked for")
        return np.stack([np.asarray(reader.frame(i))[..., :3] for i in indices])


def source_stamp(path: str, frame: int, digest: str) -> dict:
    """What a take records of one source's boundary frame (see `project.source_changes`)."""
    stat = os.stat(path)
    return {"path": path, "frame": int(frame), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "digest": digest}


def write_movie(target, frames: np.ndarray, fps: Fraction, tags: Mapping[str, str],
                cancelled: Optional[Callable[[], bool]] = None, sound: Optional[np.ndarray] = None,
                sound_rate: int = 48000) -> Path:
    """Write ``frames`` as a ProRes 422 HQ .mov (every frame a keyframe, so scrubbing a generated clip is instant)
    at ``fps`` with ``tags`` in the container, and ``sound`` (float32 channels×samples at ``sound_rate``) as PCM
    when given. Atomic: nothing appears under ``target`` unless all frames were written; a cancel raises
    GenerationCancelled and leaves nothing behind."""
    from seine_editor.media.writer import MediaWriter

    height, width = frames.shape[1:3]
    audio = {} if sound is None else {"audio_rate": sound_rate, "audio_channels": sound.shape[0]}
    writer = MediaWriter(target, width=width, height=height, fps=Fraction(fps), codec="prores",
                         metadata=dict(tags), **audio)
    try:
        if sound is not None:
            writer.write_audio(sound)
        for index, frame in enumerate(frames):
            if cancelled is not None and cancelled():
                raise GenerationCancelled(f"generation cancelled while writing frame {index} of {len(frames)}")
            writer.write_frame(frame)
    except BaseException:
        writer.abort()
        raise
    writer.close()
    return Path(target)
