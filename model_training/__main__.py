"""``python -m model_training <command>``: stats, train, evaluate, export, convert, bench, audit,
geometry, build-models.

A thin CLI: each command parses its flags and calls one library function. Any bad input ends in one
line ``error: ...`` on stderr and exit code 2, and that line is all a refusal prints: the libraries' own
INFO lines are kept quiet here (TensorFlow's, LiteRT's banner, OpenCV's per-image errors), and what a
command has to say starts once its checks have passed (tests/training/faults/test_refusals_one_line.py).
The flags live in ``cli/parser.py``, the runners in ``cli/commands.py``, the quietening in
``cli/quiet_output.py``; ``main`` runs them in the order that matters (the log level set before anything
can import TensorFlow, the Keras backend chosen before anything imports Keras).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from desktop_app.closed_pipe import quiet_when_reader_leaves
from desktop_app.core.errors import UserError
from model_training.cli.commands import COMMANDS
from model_training.cli.parser import build_parser
from model_training.cli.quiet_output import quieten_opencv, swallow_litert_banner


@quiet_when_reader_leaves
def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO and WARNING lines: read at import
    args = build_parser().parse_args(argv)
    quieten_opencv()
    from model_training.train.backend import select_backend

    try:
        keras_run = (args.command in ("train", "bench-scale")
                     or (args.command == "evaluate" and args.model.is_dir()))
        if keras_run or getattr(args, "backend", None):
            select_backend(getattr(args, "backend", None))  # before anything imports keras
        if args.command != "stats":  # every other command may load a model in LiteRT
            swallow_litert_banner()
        COMMANDS[args.command](args)
    except BrokenPipeError:  # the reader left: closed_pipe.py ends the program quietly
        raise
    except (UserError, OSError) as exc:  # a full or read-only disk too: one line, the previous files kept
        print(f"error: {exc}" if not isinstance(exc, OSError) or isinstance(exc, UserError) or not exc.filename
              else f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
