"""Box overlap measures shared by decoding, tiling, the presence check and tracking (vectorised: a class
frame has 50 faces and hundreds of candidates)."""
from __future__ import annotations

import numpy as np


def overlaps_xyxy(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every box of ``a`` (N, 4) against every box of ``b`` (M, 4), as xmin, ymin, xmax, ymax: the
    intersection areas (N, M) and each side's areas (N,), (M,)."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    # np.maximum, not np.clip: the same result at a fraction of the call overhead (a frame calls this often).
    ix = np.maximum(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0.0)
    iy = np.maximum(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0.0)
    area_a = np.maximum(a[:, 2] - a[:, 0], 0.0) * np.maximum(a[:, 3] - a[:, 1], 0.0)
    area_b = np.maximum(b[:, 2] - b[:, 0], 0.0) * np.maximum(b[:, 3] - b[:, 1], 0.0)
    return ix * iy, area_a, area_b


def iou_xyxy(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one box with each of (N, 4) boxes, all as xmin, ymin, xmax, ymax."""
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    union = (box[2] - box[0]) * (box[3] - box[1]) + (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    union = union - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def iou_matrix_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every (x, y, w, h) box of ``a`` with every one of ``b``: (N, M)."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    inter, area_a, area_b = overlaps_xyxy(np.concatenate([a[:, :2], a[:, :2] + a[:, 2:]], axis=1),
                                          np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], axis=1))
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-9), 0.0)
