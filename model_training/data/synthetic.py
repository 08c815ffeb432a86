"""A small synthetic dataset in AffectNet's layout, for tests and the benchmark (no real faces).

Each class has a clearly visible pattern on noise: horizontal stripes, vertical stripes, a bright disc,
a bright diagonal band (classes 0-3 by default), at random phase and position. Valence and arousal
(``N_val.npy``, ``N_aro.npy``) are the class's place on Russell's circumplex plus noise: the second head
has something to learn, but nothing beyond the class, so results on this set test the plumbing only.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

# (valence, arousal) per AffectNet class, roughly where AffectNet's own annotations put each class's mean.
CLASS_VALENCE_AROUSAL = ((0.0, 0.0), (0.65, 0.25), (-0.6, -0.2), (0.2, 0.6), (-0.5, 0.6), (-0.6, 0.3),
                         (-0.5, 0.55), (-0.4, 0.2))
VALENCE_AROUSAL_NOISE = 0.15


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
                         size: int = 48, seed: int = 0, start: int = 0, valence_arousal: bool = True) -> Path:
    """``root/images/N.jpg`` + ``root/annotations/N_exp.npy`` (the label as a string, like AffectNet) and,
    with ``valence_arousal``, ``N_val.npy`` + ``N_aro.npy`` (strings too)."""
    rng = np.random.default_rng(seed)
    va_rng = np.random.default_rng([seed, 1])  # its own stream: the images are the same either way
    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    n = start
    for _ in range(per_class):
        for label in classes:
            cv2.imwrite(str(root / "images" / f"{n}.jpg"), pattern_image(label, size, rng))
            np.save(root / "annotations" / f"{n}_exp.npy", np.array(str(label)))
            if valence_arousal:
                va = np.clip(CLASS_VALENCE_AROUSAL[label] + va_rng.normal(0, VALENCE_AROUSAL_NOISE, 2), -1, 1)
                np.save(root / "annotations" / f"{n}_val.npy", np.array(str(round(float(va[0]), 4))))
                np.save(root / "annotations" / f"{n}_aro.npy", np.array(str(round(float(va[1]), 4))))
            n += 1
    return root
