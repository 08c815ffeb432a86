"""468 face landmarks from the bundled ``face_landmark.tflite`` run with LiteRT (no MediaPipe graph).

The input is prepared as MediaPipe's ``face_landmark`` graph does (``modules/face_landmark``): the region
of interest is the detection box turned so the eyes are level and grown 1.5× around its centre as a
square of its longer side (``face_detection_front_detection_to_roi``); it is warped to 192×192 with the
border replicated, RGB, floats in [0, 1] (``ImageToTensorCalculator`` with ``output_tensor_float_range``
0..1). The model outputs 468 × (x, y, z) in the 192-pixel input and one face-presence logit, which the
graph passes through a sigmoid and thresholds at 0.5 (``FaceLandmarker``'s default). That ROI is exactly
``crop_transform(box, keypoints, 192, margin=0.25, align=True)``, so the app's crop function is reused.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from desktop_app.core.detection.face_crop import crop_transform
from desktop_app.core.detection.landmark_model import (
    INPUT_SIZE,
    LANDMARK_MODEL,
    ROI_MARGIN,
    LandmarkModel,
)

PRESENCE_THRESHOLD = 0.5


@dataclass(frozen=True)
class FaceLandmarks:
    """``points`` (468, 3): x, y in the pixels of the image that was given; z is depth relative to the
    face centre in the same pixel scale (smaller is nearer the camera). ``presence`` is the model's
    face-presence probability: below ``PRESENCE_THRESHOLD`` the points mean little."""
    points: np.ndarray
    presence: float

    @property
    def xy(self) -> np.ndarray:
        return self.points[:, :2]

    @property
    def is_face(self) -> bool:
        return self.presence >= PRESENCE_THRESHOLD


class FaceLandmarker:
    """Built once, closed once (``with`` or ``close()``)."""

    def __init__(self, model_path: Path | str = LANDMARK_MODEL, num_threads: int = 2) -> None:
        self._model = LandmarkModel(model_path, num_threads)

    def _run(self, face_bgr_192: np.ndarray) -> tuple[np.ndarray, float]:
        points, presence = self._model.run(face_bgr_192[None])
        return points[0], float(presence[0])

    def in_crop(self, crop_bgr: np.ndarray) -> FaceLandmarks:
        """Landmarks of a face crop taken as the whole ROI (the app's crops and AffectNet's images are
        already face-centred squares); points come back in the crop's pixels."""
        h, w = crop_bgr.shape[:2]
        face = cv2.resize(crop_bgr, (INPUT_SIZE, INPUT_SIZE), interpolation=cv2.INTER_AREA
                          if min(h, w) > INPUT_SIZE else cv2.INTER_LINEAR)
        if face.ndim == 2:
            face = cv2.cvtColor(face, cv2.COLOR_GRAY2BGR)
        points, presence = self._run(face)
        points[:, 0] *= w / INPUT_SIZE
        points[:, 1] *= h / INPUT_SIZE
        points[:, 2] *= w / INPUT_SIZE
        return FaceLandmarks(points, presence)

    def in_frame(self, frame_bgr: np.ndarray, box: tuple[float, float, float, float],
                 keypoints: np.ndarray | None) -> FaceLandmarks:
        """Landmarks of the face a detector found (box x, y, w, h and its six keypoints), in frame pixels."""
        matrix = crop_transform(box, keypoints, INPUT_SIZE, ROI_MARGIN, align=True)
        face = cv2.warpAffine(frame_bgr, matrix, (INPUT_SIZE, INPUT_SIZE), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        points, presence = self._run(face)
        inverse = cv2.invertAffineTransform(matrix)
        xy = points[:, :2] @ inverse[:, :2].T + inverse[:, 2]
        scale = float(np.sqrt(abs(np.linalg.det(inverse[:, :2]))))
        return FaceLandmarks(np.column_stack([xy, points[:, 2] * scale]).astype(np.float32), presence)

    def close(self) -> None:
        self._model.close()

    def __enter__(self) -> FaceLandmarker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
