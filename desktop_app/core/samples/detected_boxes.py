"""Samples are training data, so a saved box is a detected one.

On a steady video the default detector predicts every other frame's boxes from the last two detections
(detection/coasting.py). Headless ``capture`` detects every frame it saves from; the window saves what it
shows, so before it saves a face whose box was predicted it detects that frame again, as a still image
(every tile, no prediction), and takes the detection that is the same face. A face the detector does not
find again (it left, or jumped, in that frame) is not saved.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from desktop_app.core.detection.blazeface_model import Detection
from desktop_app.core.detection.box_overlap import iou_matrix_xywh
from desktop_app.core.detection.face_detection import FaceDetector

SAME_FACE_IOU = 0.5  # a predicted box and the detection of the same face overlap well above this (median 0.86)


def detect_again(detector: FaceDetector, frame_bgr: np.ndarray,
                 boxes: Sequence[tuple[float, float, float, float]]) -> list[Detection | None]:
    """For each (x, y, w, h) box shown on ``frame_bgr``, the detection of that frame that is the same
    face (best overlap first, each detection used once), or None when there is none."""
    detector.reset()  # forget the frames it saw before (auto's room state, carried verdicts): every tile
    found = detector.detect(frame_bgr)  # no frame index: a still, detected whole
    if not found or not boxes:
        return [None] * len(boxes)
    overlap = iou_matrix_xywh(np.array(boxes, np.float64), np.array([d.box for d in found], np.float64))
    matched: list[Detection | None] = [None] * len(boxes)
    for flat in np.argsort(-overlap, axis=None, kind="stable"):
        b, d = divmod(int(flat), len(found))
        if overlap[b, d] < SAME_FACE_IOU:
            break
        if matched[b] is None and all(m is not found[d] for m in matched):
            matched[b] = found[d]
    return matched
