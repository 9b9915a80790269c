"""`seine-editor render PROJECT -o OUT.mp4|.mov|DIR [--preset --crf --in --out --allow-offline]`."""
from __future__ import annotations

import argparse
import sys
import time

from seine_editor.cli import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", help=".otio, .otioz, .edl, FCP7 .xml or .fcpxml file")
    parser.add_argument("-o", "--output", required=True,
                        help="OUT.mp4 (H.264 + AAC), OUT.mov (ProRes 422 HQ + PCM) or a folder (PNG sequence)")
    parser.add_argument("--preset", default="standard", choices=("draft", "standard", "high"),
                        help="H.264 speed/quality: draft (ultrafast), standard (veryfast), high (medium)")
    parser.add_argument("--crf", type=int, help="H.264 constant rate factor (0-51, lower is better)")
    parser.add_argument("--in", dest="in_frame", type=int, help="first timeline frame to render")
    parser.add_argument("--out", dest="out_frame", type=int, help="one past the last timeline frame to render")
    parser.add_argument("--size", help="output WIDTHxHEIGHT (default: the project's)")
    parser.add_argument("--rate", help="frame rate of an EDL (EDLs carry none)")
    parser.add_argument("--allow-offline", action="store_true", help="render missing media as a slate")


class TerminalProgress:
    """A one-line progress bar on stderr: frames, fps and time left."""

    def __init__(self, stream=None, width: int = 30):
        # sys.stderr is looked up per bar, not bound at import: it may have been replaced since
        self.stream = stream if stream is not None else sys.stderr
        self.width, self.started, self._last = width, time.monotonic(), 0.0
        self._open_line = False

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._last < 0.2:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-6)
        fps = done / elapsed
        eta = (total - done) / fps if fps > 0 else 0.0
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} frames  {fps:5.1f} fps  ETA {eta:5.1f} s")
        self._open_line = done < total
        if not self._open_line:
            self.stream.write("\n")
        self.stream.flush()

    def end_line(self) -> None:
        """End a bar left half drawn, so what is said next starts on its own line."""
        if self._open_line:
            self.stream.write("\n")
            self._open_line = False

    def cancelled(self) -> bool:
        return False


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size {text!r} is not WIDTHxHEIGHT (e.g. 1920x1080)") from None
    return width, height


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from seine_editor.cli.info import parse_rate
    from seine_editor.errors import ExportError, OfflineMediaError, ProjectFileError
    from seine_editor.render.export import ExportSpec, ExportSpecError, export
    from seine_editor.timeline import otio_io

    try:
        opened = otio_io.read_timeline(args.project, rate=parse_rate(args.rate) if args.rate else None)
        settings = otio_io.read_settings(opened.timeline)
        size = parse_size(args.size) if args.size else (settings.width, settings.height)
    except (ValueError, ProjectFileError) as error:
        print(f"seine-editor render: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    spec = ExportSpec(opened.timeline, Path(args.output), preset=args.preset, crf=args.crf, in_frame=args.in_frame,
                      out_frame=args.out_frame, size=size, allow_offline=args.allow_offline,
                      audio_rate=settings.audio_rate)
    progress = TerminalProgress()
    try:
        result = export(spec, progress)
    except OfflineMediaError as error:
        print(f"seine-editor render: refused: {error}\n(relink the media, or pass --allow-offline to render "
              "a slate in their place)", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ExportError as error:
        progress.end_line()
        print(f"seine-editor render: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(error, ExportSpecError) else EXIT_FAILURE
    except KeyboardInterrupt:
        print("\nseine-editor render: interrupted; nothing was written", file=sys.stderr)
        return EXIT_FAILURE
    print(f"wrote {result.path} ({result.frames} frames in {result.seconds:.1f} s)", file=sys.stderr)
    return EXIT_OK
