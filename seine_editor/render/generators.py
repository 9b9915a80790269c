"""Pictures of OTIO `GeneratorReference`s the editor can make: SMPTE colour bars, black, a solid colour and
transparent video. Other tools name these differently (OTIO's "SMPTEBars", FCP7's "Slug" generators named "Black
Video" or "HD Bars and Tone", a "SolidColor" with a colour parameter), so a kind is matched after folding case,
spaces and underscores, and FCP7's catch-all "Slug" by the generator's name. Anything else is unsupported, with the
reason, and treated like offline media."""
from __future__ import annotations

import re
from typing import Optional

import numpy as np

from seine_editor.timeline.snapshot import RenderGenerator

_BARS = {"smptebars", "bars", "colorbars", "colourbars", "barsandtone", "hdbarsandtone"}
_BLACK = {"black", "blackvideo", "slug"}
_SOLID = {"solidcolor", "solidcolour", "color", "colour", "colormatte", "colourmatte", "matte"}
_TRANSPARENT = {"transparent", "transparentvideo"}
SUPPORTED = "SMPTE bars, black, a solid colour with a 'color' parameter, transparent video"

# SMPTE RP 219 / EG 1 75 % bars, top two thirds: white, yellow, cyan, green, magenta, red, blue (8-bit R'G'B')
_TOP = ((191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0), (0, 0, 191))
# the castellations under them: blue, black, magenta, black, cyan, black, grey
_MIDDLE = ((0, 0, 191), (19, 19, 19), (191, 0, 191), (19, 19, 19), (0, 191, 191), (19, 19, 19), (191, 191, 191))
# the bottom row: -I, white, +Q, black, then the PLUGE (below black, black, above black), black
_BOTTOM = (((0, 33, 76), 5), ((255, 255, 255), 5), ((50, 0, 106), 5), ((19, 19, 19), 5), ((9, 9, 9), 4 / 3),
           ((19, 19, 19), 4 / 3), ((29, 29, 29), 4 / 3), ((19, 19, 19), 4))  # in 28ths of the width (a bar is 4)


def _fold(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).lower()


def style(generator: RenderGenerator) -> Optional[str]:
    """"bars", "black", "solid" or "transparent"; None when the editor cannot make this generator."""
    kind = _fold(generator.kind)
    if kind == "slug":  # FCP7 names its generators by the effect's name
        kind = _fold(generator.name) or kind
    if kind in _BARS:
        return "bars"
    if kind in _BLACK:
        return "black"
    if kind in _TRANSPARENT:
        return "transparent"
    if kind in _SOLID and solid_colour(generator) is not None:
        return "solid"
    return None


def unsupported_reason(generator: RenderGenerator) -> Optional[str]:
    if style(generator) is not None:
        return None
    if _fold(generator.kind) in _SOLID:
        return f"generator '{generator.kind}' has no usable 'color' parameter (R, G, B from 0 to 1, or #RRGGBB)"
    name = f" ('{generator.name}')" if generator.name else ""
    return f"generator '{generator.kind}'{name} is not one the editor can make; it makes: {SUPPORTED}"


def solid_colour(generator: RenderGenerator) -> Optional[tuple[int, int, int]]:
    value = next((generator.parameters[k] for k in ("color", "colour", "Color", "Colour")
                  if k in generator.parameters), None)
    if isinstance(value, str) and re.fullmatch(r"#?[0-9A-Fa-f]{6}", value.strip()):
        digits = value.strip().lstrip("#")
        return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
    if isinstance(value, (list, tuple)) and len(value) >= 3:
        try:
            channels = [float(v) for v in value[:3]]
        except (TypeError, ValueError):
            return None
        scale = 255.0 if all(0.0 <= c <= 1.0 for c in channels) else 1.0
        if all(0.0 <= c * scale <= 255.0 for c in channels):
            return tuple(int(round(c * scale)) for c in channels)
    return None


def picture(generator: RenderGenerator, size: tuple[int, int]) -> Optional[np.ndarray]:
    """The generator's H×W×3 uint8 picture at ``size``; None for transparent video (nothing is drawn)."""
    width, height = size
    kind = style(generator)
    if kind == "transparent":
        return None
    if kind == "black":
        return np.zeros((height, width, 3), np.uint8)
    if kind == "solid":
        return np.broadcast_to(np.array(solid_colour(generator), np.uint8), (height, width, 3)).copy()
    if kind == "bars":
        return smpte_bars(size)
    raise ValueError(unsupported_reason(generator))


def smpte_bars(size: tuple[int, int]) -> np.ndarray:
    """SMPTE EG 1 colour bars: seven 75 % bars over two thirds of the height, castellations, then -I, white,
    +Q and the PLUGE."""
    width, height = size
    frame = np.zeros((height, width, 3), np.uint8)
    top, middle = round(height * 2 / 3), round(height * 3 / 4)
    edges = [round(width * i / 7) for i in range(8)]
    for i in range(7):
        frame[:top, edges[i]:edges[i + 1]] = _TOP[i]
        frame[top:middle, edges[i]:edges[i + 1]] = _MIDDLE[i]
    x = 0.0
    for colour, span in _BOTTOM:
        end = x + span * width / 28
        frame[middle:, round(x):round(end)] = colour
        x = end
    return frame
