"""The one face-crop function: square, margin, eyes level, padded at frame borders.

The classifier, sample capture and model_training all call ``crop_face`` so that a model sees at run
time exactly the framing it was trained on.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

# MediaPipe BlazeFace keypoint order.
RIGHT_EYE, LEFT_EYE, NOSE_TIP, MOUTH, RIGHT_EAR, LEFT_EAR = range(6)


def eye_angle_degrees(keypoints: np.ndarray | None) -> float:
    """Roll of the face: the angle of the line from the (image-left) right eye to the left eye."""
    if keypoints is None or len(keypoints) < 2:
        return 0.0
    (x0, y0), (x1, y1) = keypoints[RIGHT_EYE], keypoints[LEFT_EYE]
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def crop_transform(box: tuple[float, float, float, float], keypoints: np.ndarray | None, size: int,
                   margin: float, align: bool) -> np.ndarray:
    """2×3 affine that maps the frame onto the ``size``×``size`` crop (used for drawing back too)."""
    x, y, w, h = box
    cx, cy = x + w / 2.0, y + h / 2.0
    side = max(w, h) * (1.0 + 2.0 * margin)
    angle = eye_angle_degrees(keypoints) if align else 0.0
    scale = size / max(side, 1e-6)
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, scale)
    matrix[0, 2] += size / 2.0 - cx
    matrix[1, 2] += size / 2.0 - cy
    return matrix


def crop_face(frame_bgr: np.ndarray, box: tuple[float, float, float, float],
              keypoints: np.ndarray | None, size: int, margin: float, align: bool = True) -> np.ndarray:
    """Square crop of ``size`` pixels around ``box`` (x, y, w, h in pixels), grown by ``margin`` of the
    box side on each side, rotated so the eyes are level; outside the frame is filled by replicating
    the border so a face at the edge is not framed by black bars the model never saw."""
    matrix = crop_transform(box, keypoints, size, margin, align)
    return cv2.warpAffine(frame_bgr, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
