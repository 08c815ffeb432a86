"""Valence (unpleasant → pleasant) and arousal (calm → excited): AffectNet's ``N_val.npy`` and ``N_aro.npy``.

Each is one float in [-1, 1], stored like ``N_exp.npy`` (a number or a string). AffectNet writes -2 for
its no-face and uncertain images: those values are ignored. A value outside [-1, 1], NaN, an unreadable
file or one of the two files missing leaves the image in for the expression head only, counted under a
reason in the listing's ``skipped``; nothing is guessed. Training's second head learns from the images
that have both values (``train.models``), ``evaluate`` scores it (``train.metrics.ccc``).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

AFFECTNET_NO_VALUE = -2.0  # AffectNet's "no face / uncertain"
LOW, HIGH = -1.0, 1.0
COMPONENTS = ("valence", "arousal")
SUFFIXES = ("_val.npy", "_aro.npy")  # in COMPONENTS' order
# The reasons counted in a listing's ``skipped`` (the image still trains the expression head).
IGNORED_NO_VALUE = "valence/arousal -2 (AffectNet: no face or uncertain), expression only"
OUT_OF_RANGE = "valence/arousal outside [-1, 1] or not a number, expression only"
UNREADABLE = "valence/arousal file unreadable, expression only"
ONE_MISSING = "valence/arousal: one of the two files missing, expression only"
ALL_REASONS = (IGNORED_NO_VALUE, OUT_OF_RANGE, UNREADABLE, ONE_MISSING)


def _read_value(path: Path) -> float | None:
    """The file's one number; None when it cannot be read as one."""
    try:
        return float(np.load(path, allow_pickle=False))
    except (OSError, ValueError, TypeError):
        return None


def read_valence_arousal(annotations: Path, stem: str, skipped: Counter) -> tuple[float, float] | None:
    """``(valence, arousal)`` of image ``stem`` from ``annotations/stem_val.npy`` and ``_aro.npy``; None
    (and a reason counted in ``skipped`` unless neither file exists) when the image has no usable pair."""
    paths = [annotations / f"{stem}{suffix}" for suffix in SUFFIXES]
    present = [p.is_file() for p in paths]
    if not any(present):
        return None  # a dataset without valence/arousal: nothing to count
    if not all(present):
        skipped[ONE_MISSING] += 1
        return None
    values = [_read_value(p) for p in paths]
    if any(v is None for v in values):
        skipped[UNREADABLE] += 1
        return None
    if AFFECTNET_NO_VALUE in values:
        skipped[IGNORED_NO_VALUE] += 1
        return None
    if not all(math.isfinite(v) and LOW <= v <= HIGH for v in values):  # NaN fails both comparisons
        skipped[OUT_OF_RANGE] += 1
        return None
    return values[0], values[1]


def values_of(examples: Sequence) -> np.ndarray:
    """(N, 2) float32 of the examples' values, NaN where an example has none."""
    out = np.full((len(examples), 2), np.nan, np.float32)
    for i, e in enumerate(examples):
        if e.valence_arousal is not None:
            out[i] = e.valence_arousal
    return out


def has_values(examples: Sequence) -> bool:
    return any(e.valence_arousal is not None for e in examples)


def describe_range(examples: Sequence) -> str:
    """One line for ``stats`` and ``train``: how many images carry values, and their range and mean."""
    values = values_of(examples)
    known = values[~np.isnan(values).any(axis=1)]
    if not len(known):
        return "valence/arousal: none in this data (expression head only)"
    parts = [f"{name} {known[:, i].min():+.2f} to {known[:, i].max():+.2f} (mean {known[:, i].mean():+.2f})"
             for i, name in enumerate(COMPONENTS)]
    return f"valence/arousal: {len(known)} of {len(values)} images; " + ", ".join(parts)
