"""`seine-editor evaluate VIDEO --first A.png --last B.png --prompt TEXT --clip-path DIR [--json]`: the SEINE
paper's CLIPSIM-text, -scenes and -frames of a generated transition (see engine.metrics for the definitions)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("video", metavar="VIDEO", help="the generated clip (any file PyAV can decode)")
    parser.add_argument("--first", metavar="IMAGE", help="the first scene image (with --last: CLIPSIM-scenes)")
    parser.add_argument("--last", metavar="IMAGE", help="the last scene image")
    parser.add_argument("--prompt", default="", help="the transition's prompt (CLIPSIM-text)")
    parser.add_argument("--clip-path", required=True, metavar="DIR",
                        help="local folder of a CLIP model saved with save_pretrained; nothing is downloaded")
    parser.add_argument("--device", default="cpu", help="torch device for CLIP (default: cpu)")
    parser.add_argument("--json", action="store_true", help="print the scores as one JSON object")


def decode_frames(path: str):
    """Every frame of the video (or the one picture of an image file) as T×H×W×3 uint8 RGB, upright and at display
    aspect, read by the editor's own FrameReader so the scores see what the viewer shows."""
    import numpy as np

    from seine_editor.media.reader import FrameReader

    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with FrameReader(path) as reader:
        return np.stack(list(reader.frames()))


def run(args: argparse.Namespace) -> int:
    from engine.errors import EngineError
    from engine.metrics import ClipSimilarity, format_scores
    from seine_editor.cli import EXIT_BAD_INPUT, EXIT_OK
    from seine_editor.errors import MediaError

    if (args.first is None) != (args.last is None):
        print("seine-editor evaluate: --first and --last go together (CLIPSIM-scenes needs both scenes)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        video = decode_frames(args.video)
        scenes = [decode_frames(p)[0] for p in (args.first, args.last) if p is not None]
        scores = ClipSimilarity(args.clip_path, device=args.device).evaluate(
            video, prompt=args.prompt or None, first=scenes[0] if scenes else None,
            last=scenes[1] if scenes else None)
    except (FileNotFoundError, MediaError, EngineError) as error:
        print(f"seine-editor evaluate: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps({"video": args.video, "frames": len(video), **scores.as_dict()}))
    else:
        print(format_scores(scores))
    return EXIT_OK
