"""Rooms built from the real bundled face (skimage's astronaut photo), for the benchmark and the tests.

``table_frame``: a table of six, a few people of similar size (a 720p or 1080p group photo).
``tiled_group_frame``: that group photo tiled 3×3 into one 1080p frame, a class of 54 faces.
``swap_face``: put another real face into one seat, for measuring how fast a changed face is shown.
"""
from __future__ import annotations

import cv2
import numpy as np

from desktop_app.core.media.demo_media import ASTRONAUT_FACE
from desktop_app.core.paths import DEMO_FACE

Box = tuple[float, float, float, float]


def _head(photo: np.ndarray, face: Box) -> np.ndarray:
    """The face and as much again around it (hair, shoulders): twice the face box, square."""
    x, y, w, h = face
    cx, cy, half = x + w / 2, y + h / 2, max(w, h)
    matrix = np.float32([[1, 0, half - cx], [0, 1, half - cy]])
    return cv2.warpAffine(photo, matrix, (int(2 * half), int(2 * half)), borderMode=cv2.BORDER_REFLECT)


def table_frame(width: int = 1280, height: int = 720, seats: int = 6, face_px: float | None = None,
                seed: int = 0) -> tuple[np.ndarray, list[Box]]:
    """``seats`` people around a table seen from its end, in two rows (the back row smaller, as in a
    photo): real faces (the astronaut, mirrored, ±10 % in size, lit differently) over the lower,
    face-free part of the same photo. Faces are ~``face_px`` (default: an eighth of the height)."""
    rng = np.random.default_rng(seed)
    astronaut = cv2.imread(str(DEMO_FACE))
    frame = cv2.resize(astronaut[330:, :], (width, height), interpolation=cv2.INTER_LINEAR)
    head = _head(astronaut, ASTRONAUT_FACE)
    base = face_px if face_px is not None else height / 8
    per_row = [seats - seats // 2, seats // 2]
    boxes = []
    for row, count in enumerate(per_row):
        size_row = base * (0.85 if row == 0 else 1.1)
        cy = height * (0.33 if row == 0 else 0.68)
        for i in range(count):
            size = size_row * rng.uniform(0.9, 1.1)
            patch = cv2.resize(head, None, fx=size / ASTRONAUT_FACE[2], fy=size / ASTRONAUT_FACE[2],
                               interpolation=cv2.INTER_AREA)
            if rng.random() < 0.5:
                patch = cv2.flip(patch, 1)
            patch = cv2.convertScaleAbs(patch, alpha=rng.uniform(0.8, 1.15), beta=rng.uniform(-12, 12))
            ph, pw = patch.shape[:2]
            cx = width * (i + 0.5) / count + rng.uniform(-0.05, 0.05) * width / count
            x, y = int(np.clip(cx - pw / 2, 0, width - pw)), int(np.clip(cy - ph / 2, 0, height - ph))
            frame[y:y + ph, x:x + pw] = patch
            boxes.append((x + pw / 2 - size / 2, y + ph / 2 - size / 2, size, size))
    return frame, boxes


def tiled_group_frame(width: int = 1920, height: int = 1080, reps: int = 3, face_px: float = 50.0,
                      seed: int = 0) -> tuple[np.ndarray, list[Box]]:
    """A class: a group photo of six (``table_frame`` at 1/``reps`` of the size, each tile its own seed)
    repeated ``reps`` × ``reps``; faces ~``face_px`` (the back rows 15 % smaller, the front 10 % larger),
    as ``demo_media.group_frame``'s class."""
    tile_w, tile_h = width // reps, height // reps
    frame = np.zeros((height, width, 3), np.uint8)
    boxes: list[Box] = []
    for r in range(reps):
        for c in range(reps):
            tile, tile_boxes = table_frame(tile_w, tile_h, face_px=face_px, seed=seed * 100 + r * reps + c)
            frame[r * tile_h:(r + 1) * tile_h, c * tile_w:(c + 1) * tile_w] = tile
            boxes += [(x + c * tile_w, y + r * tile_h, w, h) for x, y, w, h in tile_boxes]
    return frame, boxes


def swap_face(frame: np.ndarray, box: Box, face_bgr: np.ndarray, face_box: Box) -> np.ndarray:
    """A copy of ``frame`` with the head at ``box`` replaced by the head around ``face_box`` of
    ``face_bgr`` (another real photo), scaled to the same face size."""
    out = frame.copy()
    x, y, w, _ = box
    head = _head(face_bgr, face_box)
    side = int(round(2 * w))
    patch = cv2.resize(head, (side, side), interpolation=cv2.INTER_AREA)
    x0, y0 = int(round(x + w / 2 - side / 2)), int(round(y + w / 2 - side / 2))
    xa, ya = max(0, x0), max(0, y0)
    xb, yb = min(out.shape[1], x0 + side), min(out.shape[0], y0 + side)
    out[ya:yb, xa:xb] = patch[ya - y0:yb - y0, xa - x0:xb - x0]
    return out
