"""The one preprocessing function for the model-spec contract: face crops → model input batch."""
from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from desktop_app.core.expression.model_spec import ModelSpec


def prepare_batch(crops_bgr: Sequence[np.ndarray], spec: ModelSpec) -> np.ndarray:
    """BGR uint8 crops → (N, H, W, C) float32, resized, recoloured and normalised as the spec says.
    A 2-D crop is taken as grey already (training decodes grey JPEGs straight to luma)."""
    out = np.empty((len(crops_bgr), spec.input_height, spec.input_width, spec.channels), np.float32)
    for i, crop in enumerate(crops_bgr):
        if crop.shape[:2] != (spec.input_height, spec.input_width):
            crop = cv2.resize(crop, (spec.input_width, spec.input_height), interpolation=cv2.INTER_AREA)
        if crop.ndim == 2:
            crop = crop if spec.color == "gray" else cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
        if spec.color == "gray":
            out[i, :, :, 0] = crop if crop.ndim == 2 else cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        elif spec.color == "rgb":
            out[i] = crop[:, :, ::-1]
        else:
            out[i] = crop
    out -= spec.mean
    out /= spec.std
    return out


def batch_to_images(batch: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """Invert ``prepare_batch`` so a person can look at exactly what the model saw (uint8 BGR)."""
    pixels = np.clip(batch * spec.std + spec.mean, 0, 255).astype(np.uint8)
    if spec.color == "gray":
        return np.repeat(pixels, 3, axis=3)
    return pixels[..., ::-1].copy() if spec.color == "rgb" else pixels
