"""A small synthetic dataset in AffectNet's layout, for tests and the benchmark (no real faces).

Each class has a clearly visible pattern on noise: horizontal stripes, vertical stripes, a bright disc,
a bright diagonal band (classes 0-3 by default), at random phase and position.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def pattern_image(label: int, size: int, rng: np.random.Generator) -> np.ndarray:
    img = rng.normal(90, 25, (size, size)).clip(0, 255)
    yy, xx = np.mgrid[:size, :size]
    period = size / rng.uniform(4, 6)
    phase = rng.uniform(0, period)
    kind = label % 4
    if kind == 0:
        mask = ((yy + phase) % period) < period / 2
    elif kind == 1:
        mask = ((xx + phase) % period) < period / 2
    elif kind == 2:
        cx, cy = rng.uniform(0.35, 0.65, 2) * size
        mask = (xx - cx) ** 2 + (yy - cy) ** 2 < (size * rng.uniform(0.18, 0.28)) ** 2
    else:
        mask = np.abs(xx - yy + rng.uniform(-0.15, 0.15) * size) < size * 0.12
    img[mask] += 110
    gray = img.clip(0, 255).astype(np.uint8)
    tint = rng.uniform(0.8, 1.2, 3)
    return (gray[..., None] * tint).clip(0, 255).astype(np.uint8)


def write_affectnet_like(root: Path, classes: tuple[int, ...] = (0, 1, 2, 3), per_class: int = 40,
                         size: int = 48, seed: int = 0, start: int = 0) -> Path:
    """``root/images/N.jpg`` + ``root/annotations/N_exp.npy`` (the label as a string, like AffectNet)."""
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    n = start
    for _ in range(per_class):
        for label in classes:
            cv2.imwrite(str(root / "images" / f"{n}.jpg"), pattern_image(label, size, rng))
            np.save(root / "annotations" / f"{n}_exp.npy", np.array(str(label)))
            n += 1
    return root
