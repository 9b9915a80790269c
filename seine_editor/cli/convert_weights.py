"""`seine-editor convert-weights`: SEINE weights -> a safetensors folder that loads memory-mapped.

The output is accepted everywhere a weights folder is (`SeineEngine(weights=OUT)`); the SD parts are hard-linked
where the file system allows, copied otherwise. Nothing is downloaded.
"""
from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--weights", help="folder with seine.pt and the Stable Diffusion 1.4 folder (official layout)")
    source.add_argument("--checkpoint", help="the official seine.pt (needs --sd-path)")
    parser.add_argument("--sd-path", help="Stable Diffusion 1.4 folder (vae/, text_encoder/, tokenizer/, unet/)")
    parser.add_argument("-o", "--output", required=True, help="new or empty folder to write")
    parser.add_argument("--fp16", action="store_true", help="store the UNet in float16 (half the size)")


def run(args: argparse.Namespace) -> int:
    if args.checkpoint and not args.sd_path:
        print("convert-weights: --checkpoint needs --sd-path (the Stable Diffusion 1.4 folder)", file=sys.stderr)
        return 2
    from engine.errors import EngineError, EngineInputError, WeightsNotFoundError
    from engine.seine.weights import convert_weights, locate_weights, weights_identity

    try:
        out = convert_weights(args.weights, args.output, fp16=args.fp16, checkpoint=args.checkpoint,
                              sd_path=args.sd_path)
    except (WeightsNotFoundError, EngineInputError) as error:
        print(f"convert-weights: {error}", file=sys.stderr)
        return 2
    except (EngineError, OSError) as error:
        print(f"convert-weights: {error}", file=sys.stderr)
        return 1
    print(f"wrote {out} (weights identity {weights_identity(locate_weights(out))})")
    return 0
