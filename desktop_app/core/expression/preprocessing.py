"""The one preprocessing function for the model-spec contract: face crops → model input batch."""
from __future__ import annotations

import functools
from collections.abc import Sequence

import cv2
import numpy as np

from desktop_app.core.expression.model_spec import ModelSpec


@functools.lru_cache(maxsize=8)
def _normalising_table(mean: float, std: float) -> np.ndarray:
    """uint8 → (x − mean) / std in float32: what a cast and two in-place steps give, bit for bit. Built
    once per normalisation (a model's spec), not per frame."""
    table = (np.arange(256, dtype=np.float32) - np.float32(mean)) / np.float32(std)
    table.flags.writeable = False
    return table


def prepare_batch(crops_bgr: Sequence[np.ndarray], spec: ModelSpec) -> np.ndarray:
    """BGR uint8 crops → (N, H, W, C) float32, resized, recoloured and normalised as the spec says.
    A 2-D crop is taken as grey already (training decodes grey JPEGs straight to luma)."""
    out = np.empty((len(crops_bgr), spec.input_height, spec.input_width, spec.channels), np.float32)
    table = _normalising_table(spec.mean, spec.std)
    for i, crop in enumerate(crops_bgr):
        if crop.shape[:2] != (spec.input_height, spec.input_width):
            crop = cv2.resize(crop, (spec.input_width, spec.input_height), interpolation=cv2.INTER_AREA)
        if crop.ndim == 2:
            crop = crop if spec.color == "gray" else cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
        if spec.color == "gray":
            crop = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        elif spec.color == "rgb":
            crop = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB) if crop.dtype == np.uint8 else crop[:, :, ::-1]
        if crop.dtype == np.uint8:  # the app's crops: one table lookup (cv2.LUT) instead of three passes
            out[i] = cv2.LUT(crop, table).reshape(out.shape[1:])
        else:
            out[i] = ((crop.astype(np.float32) - np.float32(spec.mean)) / np.float32(spec.std)).reshape(out.shape[1:])
    return out


def batch_to_images(batch: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """Invert ``prepare_batch`` so a person can look at exactly what the model saw (uint8 BGR)."""
    pixels = np.clip(batch * spec.std + spec.mean, 0, 255).astype(np.uint8)
    if spec.color == "gray":
        return np.repeat(pixels, 3, axis=3)
    return pixels[..., ::-1].copy() if spec.color == "rgb" else pixels
