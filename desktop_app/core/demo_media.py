"""Synthetic clips built from the real bundled face, for the benchmark and the tests."""
from __future__ import annotations

import cv2
import numpy as np

from .frame_sources import DEMO_FACE_REGION
from .paths import DEMO_FACE


def four_face_frames(count: int, width: int = 1280, height: int = 720) -> list[np.ndarray]:
    """A 2×2 grid of the demo face, drifting a few pixels per frame so tracking has work to do."""
    x, y, w, h = DEMO_FACE_REGION
    face = cv2.resize(cv2.imread(str(DEMO_FACE))[y:y + h, x:x + w], (300, 300))
    frames = []
    for i in range(count):
        canvas = np.full((height, width, 3), 60, np.uint8)
        dx = int(20 * np.sin(i / 10))
        for cx, cy in ((160, 30), (800, 30), (160, 390), (800, 390)):
            canvas[cy:cy + 300, cx + dx:cx + dx + 300] = face
        frames.append(canvas)
    return frames
