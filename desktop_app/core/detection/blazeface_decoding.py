"""BlazeFace raw outputs → face boxes, the way MediaPipe's face detection graphs decode them.

The parameters are MediaPipe's own (``SsdAnchorsCalculator``, ``TensorsToDetectionsCalculator`` and
``NonMaxSuppressionCalculator`` options in ``mediapipe/modules/face_detection/face_detection_*.pbtxt``
and ``tasks/cc/vision/face_detector/face_detector_graph.cc``), so the same ``.tflite`` run through LiteRT
gives the boxes, keypoints and scores the MediaPipe Tasks ``FaceDetector`` gives, without loading
``libmediapipe.so`` (whose usage logging looks up a Google host at start). tests/core/detection/test_blazeface_oracle.py
checks the match against the real Tasks detector.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop_app.core.detection.box_overlap import overlaps_xyxy

SCORE_CLIPPING = 100.0  # raw logits are clipped to ±this before the sigmoid
NMS_IOU = 0.3  # FaceDetectorOptions.min_suppression_threshold default


@dataclass(frozen=True)
class BlazeFaceSpec:
    """One BlazeFace variant: its input size and its SSD anchor layout."""

    input_size: int
    strides: tuple[int, ...]
    anchors_per_cell: tuple[int, ...]  # per stride: 1 aspect ratio (+1 interpolated scale where used)


SHORT_RANGE = BlazeFaceSpec(128, (8, 16, 16, 16), (2, 2, 2, 2))  # 896 anchors
FULL_RANGE = BlazeFaceSpec(192, (4,), (1,))  # 2304 anchors (interpolated_scale_aspect_ratio 0)


def anchor_grids(spec: BlazeFaceSpec) -> list[tuple[int, int]]:
    """(cells per side, anchors per cell) of each output grid: consecutive layers with one stride share
    a grid, their anchors interleaved per cell, as SsdAnchorsCalculator lays them out."""
    grids = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        per_cell = 0
        while layer < len(spec.strides) and spec.strides[layer] == stride:
            per_cell += spec.anchors_per_cell[layer]
            layer += 1
        grids.append((int(np.ceil(spec.input_size / stride)), per_cell))
    return grids


def ssd_anchor_centres(spec: BlazeFaceSpec) -> np.ndarray:
    """(N, 2) anchor centres in [0, 1], in the model's output order.

    With ``fixed_anchor_size`` every anchor is 1×1, so only the centres matter.
    """
    centres = []
    for cells, per_cell in anchor_grids(spec):
        ys, xs = np.mgrid[0:cells, 0:cells]
        grid = np.stack([(xs + 0.5) / cells, (ys + 0.5) / cells], axis=-1).reshape(-1, 2)
        centres.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def _logit_threshold(min_score: float) -> float:
    """The logit whose sigmoid is ``min_score`` (the sigmoid is monotonic: compare logits, not scores)."""
    return float(np.float32(np.log(min_score / (1.0 - min_score))))


def decode(regressors: np.ndarray, logits: np.ndarray, anchors: np.ndarray, input_size: int,
           min_score: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw (N, 16) regressors and (N,) logits → boxes (M, 4) as xmin, ymin, xmax, ymax, keypoints
    (M, 6, 2), scores (M,), all in [0, 1] of the model's input, for anchors scoring ≥ ``min_score``."""
    # Threshold the logits first (the sigmoid is monotonic): the sigmoid then runs on the few kept
    # anchors, not all 896 (a third of decoding's time on a one-face frame).
    if 0.0 < min_score < 1.0:
        keep = np.flatnonzero(logits >= _logit_threshold(min_score))
    else:
        keep = np.arange(len(logits))
    clipped = np.clip(logits[keep].astype(np.float64), -SCORE_CLIPPING, SCORE_CLIPPING)  # float64: exp(100) fits
    scores = 1.0 / (1.0 + np.exp(-clipped))
    passed = scores >= min_score
    keep, scores = keep[passed], scores[passed]
    if keep.size == 0:
        return np.zeros((0, 4), np.float32), np.zeros((0, 6, 2), np.float32), np.zeros(0, np.float32)
    # Every (x, y) pair of a row (box centre, box size, six keypoints) in one array: the centre and the
    # keypoints are offsets from the anchor, the size is not (a few numpy calls per frame, not dozens).
    raw = (regressors[keep] / np.float32(input_size)).reshape(-1, 8, 2)
    centre = anchors[keep]
    points = raw + centre[:, None, :]
    half = raw[:, 1] / 2
    boxes = np.concatenate([points[:, 0] - half, points[:, 0] + half], axis=1)
    valid = (half >= 0).all(axis=1)
    return boxes[valid], points[valid, 2:], scores[valid].astype(np.float32)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray,
                 iou_threshold: float = NMS_IOU) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MediaPipe's WEIGHTED non-maximum suppression: the best box absorbs every box overlapping it by
    more than ``iou_threshold`` (itself included); its box and keypoints become their score-weighted
    mean, its score stays the best one."""
    n = len(scores)
    if n == 0:
        return boxes[:0], keypoints[:0], scores[:0]
    order = np.argsort(-scores, kind="stable")  # best first; ties in input order
    # A face's box and keypoints in one row of 16: one weighted mean per group, not two.
    rows = np.concatenate([boxes, keypoints.reshape(n, 12)], axis=1)[order]
    scores = scores[order]
    inter, area, _ = overlaps_xyxy(rows[:, :4], rows[:, :4])  # every pair once, not one row per kept face
    union = area[:, None] + area[None, :] - inter
    absorbs = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0) > iou_threshold
    remaining = np.ones(n, bool)
    out_rows, out_s = [], []
    for best in range(n):
        if not remaining[best]:
            continue
        group = np.flatnonzero(remaining & absorbs[best])
        if group.size == 0:  # a degenerate box does not even overlap itself
            group = np.array([best])
        w = scores[group][:, None]
        out_rows.append((rows[group] * w).sum(0) / w.sum())
        out_s.append(scores[best])
        remaining[group] = False
    out = np.array(out_rows, np.float32)
    return out[:, :4], out[:, 4:].reshape(-1, 6, 2), np.array(out_s, np.float32)
