"""The instant preview of a generative item that has no frames yet: the classic morph engine, run by the compositor
through its placeholder-provider hook (render itself may not import the engine)."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from engine.api import AnimateRequest, ExtendRequest, TransitionRequest


class MorphPlaceholder:
    """A compositor placeholder provider: ``provider(request) -> T×H×W×3`` frames at the project size.

    ``request`` is render's PlaceholderRequest (kind, num_frames, size (width, height), first, last, metadata).
    A transition morphs its two boundary frames; with one side missing (a clip at the start or end of a track)
    it becomes an extension of the side that exists; an animation pushes in on its still. With no picture at all
    it is black, which the viewer shows under the item's "pending" badge."""

    def __init__(self, engine: Optional[Any] = None):
        if engine is None:
            from engine.classic import MorphEngine

            engine = MorphEngine()
        self.engine = engine

    def __call__(self, request: Any) -> np.ndarray:
        width, height = request.size
        count = max(1, int(request.num_frames))
        kind = str(request.kind).rsplit(".", 1)[-1]
        first = _rgb(request.first)
        last = _rgb(request.last)
        size = (height, width)
        if kind == "transition" and first is not None and last is not None and count >= 2:
            return self.engine.transition(first, last, TransitionRequest(num_frames=count, size=size)).frames
        if kind == "animate" and first is not None:
            return self.engine.animate(first, AnimateRequest(num_frames=count, size=size)).frames
        if first is not None:
            return self.engine.extend(first[None], ExtendRequest(num_frames=count, size=size)).frames
        if last is not None:
            return np.repeat(last[None], count, axis=0)
        return np.zeros((count, height, width, 3), np.uint8)


def _rgb(frame: Optional[np.ndarray]) -> Optional[np.ndarray]:
    if frame is None:
        return None
    return np.ascontiguousarray(np.asarray(frame)[..., :3])
