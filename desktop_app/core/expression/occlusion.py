"""Occlusion sensitivity: which part of the face the expression model relies on.

A grey patch slides over the crop at the model's input size; every occluded copy is classified in one
batch, and each pixel gets the mean drop of the predicted class's probability over the patches that
covered it. Model-agnostic (no gradients), so it works for any ``.tflite`` with a spec.
"""
from __future__ import annotations

import cv2
import numpy as np

from desktop_app.core.expression.model_spec import ModelSpec
from desktop_app.core.expression.preprocessing import prepare_batch

PATCH_FRACTION = 0.25  # patch side as a fraction of the model input side
STRIDE_FRACTION = 0.125
GREY = 128
MAX_BATCH = 64


def occlusion_map(classifier, crop_bgr: np.ndarray, spec: ModelSpec, patch: int | None = None,
                  stride: int | None = None, target: int | None = None) -> np.ndarray:
    """``crop_bgr``: a face crop (any size; resized to the model input). Returns a float32 map of the
    model input size: the drop of the probability of ``target`` (default: the predicted class) when
    that region is greyed out; positive = the model needs it."""
    width, height = spec.input_width, spec.input_height
    base = crop_bgr
    if base.shape[:2] != (height, width):
        base = cv2.resize(base, (width, height), interpolation=cv2.INTER_AREA)
    patch = patch or max(2, round(min(width, height) * PATCH_FRACTION))
    stride = stride or max(1, round(min(width, height) * STRIDE_FRACTION))
    if not 0 < patch <= min(width, height) or stride < 1:
        raise ValueError(f"patch {patch} and stride {stride} must fit the {width}x{height} input")
    reference = classifier.classify_batch(prepare_batch([base], spec))[0]
    target = int(np.argmax(reference)) if target is None else target
    positions = [(x, y) for y in _starts(height, patch, stride) for x in _starts(width, patch, stride)]
    drops = np.empty(len(positions), np.float32)
    for start in range(0, len(positions), MAX_BATCH):
        chunk = positions[start:start + MAX_BATCH]
        occluded = []
        for x, y in chunk:
            copy = base.copy()
            copy[y:y + patch, x:x + patch] = GREY
            occluded.append(copy)
        probs = classifier.classify_batch(prepare_batch(occluded, spec))
        drops[start:start + len(chunk)] = reference[target] - probs[:, target]
    total = np.zeros((height, width), np.float32)
    count = np.zeros((height, width), np.float32)
    for (x, y), drop in zip(positions, drops):
        total[y:y + patch, x:x + patch] += drop
        count[y:y + patch, x:x + patch] += 1
    return total / np.maximum(count, 1)


def _starts(size: int, patch: int, stride: int) -> list[int]:
    """Patch origins that cover the whole side, the last one flush with the edge."""
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    return starts
