"""``python -m desktop_app analyze``: run the pipeline headless over videos and images.

Prints a summary, optionally writes a CSV (one row per face per frame) and an annotated video.
``--compare M2.tflite`` runs a second model on the same faces: its label and probabilities join each
CSV row and the summary shows, per label of the first model, how often the second one agrees.
"""
from __future__ import annotations

import sys
from pathlib import Path

from desktop_app.cli_args import Parser, add_detector, add_min_score, add_model, number_between
from desktop_app.command_name import command_name
from desktop_app.core.errors import UserError
from desktop_app.core.headless.analysis import DEFAULT_SMOOTHING, AnalyzeOptions, analyze


def build_parser() -> Parser:
    p = Parser(prog=f"{command_name('desktop_app')} analyze", description=__doc__)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="video files, image files, folders of images, or 'demo'")
    p.add_argument("--csv", type=Path, help="write one row per face per frame here")
    p.add_argument("--annotated", type=Path, help="write the frames with boxes and labels (MJPG .avi)")
    add_detector(p)
    add_model(p)
    p.add_argument("--compare", type=Path, metavar="M2.tflite",
                   help="a second expression model (its .json beside it) to run on the same faces")
    p.add_argument("--smoothing", type=number_between(0.0, 1.0, below_high=True), default=DEFAULT_SMOOTHING,
                   help="per-face smoothing of probabilities, 0 (off) to below 1")
    add_min_score(p)
    return p


def parse_options(argv: list[str] | None = None) -> AnalyzeOptions:
    """The command line as options; a bad flag or value is one ``error:`` line and SystemExit(2)."""
    args = build_parser().parse_args(argv)
    return AnalyzeOptions(**{**vars(args), "inputs": tuple(args.inputs)})


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        return analyze(options)
    except BrokenPipeError:  # the reader left: closed_pipe.py ends the program quietly
        raise
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
