"""What the command lines share: a parser whose errors are one line, argparse types that check ranges
while parsing, and the flags several commands take (``--detector``, ``--model``, ``--min-score``).

Every command of the app (analyze, capture, bench, the window) and of the training kit builds its flags
from here, so a bad value reads the same everywhere: ``error: argument --every: must be ...``, exit 2.
"""
from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from desktop_app.core.detection.face_detection import (
    DEFAULT_DETECTOR,
    DEFAULT_MIN_SCORE,
    DETECTOR_KINDS,
    DETECTOR_LABELS,
)
from desktop_app.core.paths import DEFAULT_MODEL


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows a flag's default unless it is None, False or [] (they mean "not given": a help line that says
    what happens then should not end in "(default: None)") or the help already names it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        not_given = action.default is None or action.default is False or action.default == []  # 0 is a value
        if not_given or "(default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line, ``error: ...``, and exit 2, like every other bad input
    (argparse's own prints the usage block first)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``low`` (and at most ``high``), else one line naming the range."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
        if high is None and value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        if high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, not {value}")
        return value
    return parse


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    return value


def positive_number(high: float = math.inf) -> Callable[[str], float]:
    """An argparse type: a finite float above 0 (and at most ``high``); refuses nan and inf."""
    def parse(text: str) -> float:
        value = _number(text)
        if not (math.isfinite(value) and 0 < value <= high):
            limit = f" and at most {high:g}" if math.isfinite(high) else ""
            raise argparse.ArgumentTypeError(f"must be a finite number above 0{limit}, not {text}")
        return value
    return parse


def number_between(low: float, high: float, *, below_high: bool = False) -> Callable[[str], float]:
    """An argparse type: a float from ``low`` to ``high`` (``below_high``: less than ``high``); refuses nan."""
    def parse(text: str) -> float:
        value = _number(text)
        inside = low <= value < high if below_high else low <= value <= high  # both false for nan
        if not inside:
            upper = f"below {high:g}" if below_high else f"{high:g}"
            raise argparse.ArgumentTypeError(f"must be between {low:g} and {upper}, not {text}")
        return value
    return parse


def add_detector(parser: argparse.ArgumentParser, default: str | None = DEFAULT_DETECTOR,
                 when_not_given: str = "") -> None:
    """``--detector`` with the detector names and what each is for; ``when_not_given`` describes a None default."""
    chosen = f" (default: {when_not_given})" if when_not_given else ""
    parser.add_argument("--detector", choices=DETECTOR_KINDS, default=default,
                        help=f"face detector{chosen}: "
                             + "; ".join(f"{kind}: {label}" for kind, label in DETECTOR_LABELS.items()))


def add_model(parser: argparse.ArgumentParser, text: str = "expression .tflite (its .json beside it)") -> None:
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, metavar="M.tflite",
                        help=f"{text} (default: the bundled {DEFAULT_MODEL.name})")


def add_min_score(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--min-score", type=number_between(0.0, 1.0), default=DEFAULT_MIN_SCORE,
                        help="minimum face detection score, 0 to 1")
