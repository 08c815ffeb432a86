"""Labelled image files → batches prepared exactly as the app prepares them (``prepare_batch`` with
the model's spec). ``evaluate`` and ``export``'s parity check and int8 calibration read images this
way, so a model is measured on the input the app will give it."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np

from desktop_app.core.expression.preprocessing import prepare_batch
from model_training.data.datasets import Example
from model_training.data.image_reading import decode_image

BATCH = 64


def image_batches(examples: list[Example], spec, skipped: Counter,
                  batch: int = BATCH) -> Iterator[tuple[np.ndarray, list[Example]]]:
    """Stream prepared batches; files that are unreadable, too large or gone are counted in ``skipped``
    (by reason) and left out."""
    crops, kept = [], []
    for e in examples:
        image, reason = decode_image(e.path)
        if image is None:
            skipped[reason] += 1
            continue
        crops.append(image)
        kept.append(e)
        if len(crops) == batch:
            yield prepare_batch(crops, spec), kept
            crops, kept = [], []
    if crops:
        yield prepare_batch(crops, spec), kept
