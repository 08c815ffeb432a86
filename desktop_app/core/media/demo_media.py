"""Synthetic clips built from the real bundled face, for the benchmark and the tests."""
from __future__ import annotations

import cv2
import numpy as np

from desktop_app.core.media.frame_sources import DEMO_FACE_REGION
from desktop_app.core.paths import DEMO_FACE


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


# The astronaut's face in desktop_app/resources/demo_face.png (skimage.data.astronaut(), 512×512), as
# BlazeFace boxes it: x, y, w, h.
ASTRONAUT_FACE = (178, 83, 95, 95)


def group_frame(width: int = 1920, height: int = 1080, rows: int = 6, cols: int = 9, face_px: int = 50,
                seed: int = 0) -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    """A class seen from the front: ``rows × cols`` real faces of about ``face_px`` pixels (the bundled
    astronaut, mirrored, scaled ±15 %, lit brighter and darker) over a real photo's texture (the lower,
    face-free part of the same photo); returns the frame and each face's box (x, y, w, h), for the
    group-mode tests and the benchmark."""
    rng = np.random.default_rng(seed)
    astronaut = cv2.imread(str(DEMO_FACE))
    frame = cv2.resize(astronaut[330:, :], (width, height), interpolation=cv2.INTER_LINEAR)
    fx, fy, fw, fh = ASTRONAUT_FACE
    cx, cy = fx + fw / 2, fy + fh / 2
    half = fw  # the head and some shoulders: twice the face box
    head = astronaut[int(cy - half):int(cy + half), int(cx - half):int(cx + half)]
    cell_w, cell_h = width / cols, height / rows
    boxes = []
    for r in range(rows):
        for c in range(cols):
            size = face_px * rng.uniform(0.85, 1.15)
            scale = size / fw
            patch = cv2.resize(head, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            if rng.random() < 0.5:
                patch = cv2.flip(patch, 1)
            patch = cv2.convertScaleAbs(patch, alpha=rng.uniform(0.75, 1.2), beta=rng.uniform(-15, 15))
            ph, pw = patch.shape[:2]
            x = int(c * cell_w + (cell_w - pw) / 2 + rng.uniform(-0.15, 0.15) * (cell_w - pw))
            y = int(r * cell_h + (cell_h - ph) / 2 + rng.uniform(-0.15, 0.15) * (cell_h - ph))
            frame[y:y + ph, x:x + pw] = patch
            # Face box inside the patch: the head crop is centred on the face, twice its size.
            boxes.append((x + pw / 2 - size / 2, y + ph / 2 - size / 2, size, size))
    return frame, boxes


def group_photo(columns: int = 3, rows: int = 2) -> np.ndarray:
    """A group for presentation mode and its tests: the real demo photograph tiled ``columns`` × ``rows``
    (every other copy mirrored), one face per 512-px tile, as a class photo of that many people."""
    photo = cv2.imread(str(DEMO_FACE))
    tiles = [[photo if (r + c) % 2 == 0 else photo[:, ::-1] for c in range(columns)] for r in range(rows)]
    return np.ascontiguousarray(np.vstack([np.hstack(row) for row in tiles]))
