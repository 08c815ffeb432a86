"""A reader that stops reading (``facial-expressions --help | head -1``) is not an error of ours.

Writing to a pipe whose reader has gone raises BrokenPipeError wherever the write happens (at once when
Python runs unbuffered, ``PYTHONUNBUFFERED=1``). Both command-line entry points run through
``quiet_when_reader_leaves``: no traceback, stdout pointed at /dev/null so the interpreter's last flush
cannot fail again, and exit status 1 (the output is incomplete), as Python's own documentation of
SIGPIPE advises. Standard library only, so ``--help`` stays quick.
"""
from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TypeVar

Main = TypeVar("Main", bound=Callable[..., int])


def quiet_when_reader_leaves(main: Main) -> Main:
    """``main``, with a BrokenPipeError on stdout ending the program quietly with status 1."""

    @functools.wraps(main)
    def run(*args, **kwargs) -> int:
        try:
            try:
                code = main(*args, **kwargs)
            finally:  # argparse's --help ends in SystemExit: its buffered text is flushed here too
                if sys.stdout is not None:
                    sys.stdout.flush()
            return code
        except BrokenPipeError:
            if sys.stdout is not None:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            return 1

    return run  # type: ignore[return-value]
