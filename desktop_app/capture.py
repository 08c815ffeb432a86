"""``python -m desktop_app capture``: save the faces of a video, an image folder or the demo as labeled
samples (224×224 crops under ``DATASET/LABEL/``, one manifest line each).

By default the largest face of each processed frame is saved; ``--all-faces`` saves every face.
Samples already written survive a crash or Ctrl+C; the next open of the dataset repairs the rest.
A write that fails (full or read-only disk) stops the run: exit 2, saying how many were saved.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop_app.cli_args import Parser, add_detector, add_min_score, add_model, whole_number
from desktop_app.command_name import command_name
from desktop_app.core.errors import UserError
from desktop_app.core.expression.expression_names import EXPRESSIONS, canonical_expression
from desktop_app.core.headless.file_capture import CaptureOptions, capture
from desktop_app.core.media.frame_sources import DEMO_FRAMES
from desktop_app.core.samples.sample_records import validate_label


def dataset_label(text: str) -> str:
    """An argparse type: a label that can be a folder name (``validate_label``)."""
    try:
        label = validate_label(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if canonical_expression(label) is None:  # the training kit would refuse the whole dataset later
        raise argparse.ArgumentTypeError(
            f"{label!r} is not an expression the training kit knows ({', '.join(EXPRESSIONS)}; synonyms such as "
            "angry, surprised, happiness are accepted)")
    return label


def build_parser() -> Parser:
    p = Parser(prog=f"{command_name('desktop_app')} capture", description=__doc__)
    p.add_argument("source", metavar="SOURCE", help="a video file, an image file, a folder of images, or 'demo'")
    p.add_argument("--label", type=dataset_label, required=True,
                   help="the expression every saved face gets (a folder name)")
    p.add_argument("--out", type=Path, required=True, metavar="DATASET", help="dataset folder (created if needed)")
    p.add_argument("--every", type=whole_number(1), default=1, metavar="N", help="process every Nth frame")
    p.add_argument("--max", type=whole_number(1), default=None, metavar="M",
                   help="stop after saving M samples (default: save until the source ends)")
    add_detector(p)
    add_model(p, "expression .tflite whose prediction is recorded with each sample")
    p.add_argument("--all-faces", action="store_true", help="save every face of a frame, not only the largest")
    add_min_score(p)
    p.add_argument("--demo-frames", type=whole_number(1), default=DEMO_FRAMES, metavar="N",
                   help="length of the 'demo' source in frames")
    return p


def parse_options(argv: list[str] | None = None) -> CaptureOptions:
    """The command line as options; a bad flag or value is one ``error:`` line and SystemExit(2)."""
    return CaptureOptions(**vars(build_parser().parse_args(argv)))


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        return capture(options)
    except BrokenPipeError:  # the reader left: closed_pipe.py ends the program quietly
        raise
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: samples saved so far are kept", file=sys.stderr)
        return 130
