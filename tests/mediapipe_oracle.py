"""MediaPipe's own Tasks FaceDetector, kept only as the oracle the LiteRT detector is checked against.

The app never imports this (``libmediapipe.so`` looks up a Google host at start); tests do, offline.
"""
from __future__ import annotations

import importlib
import sys

import numpy as np


def _import_mediapipe_without_tensorflow():
    """``mediapipe.tasks`` tries ``import tensorflow`` for doc decorators only (+2 s, +650 MB)."""
    if "tensorflow" in sys.modules:
        return importlib.import_module("mediapipe")
    sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` fail fast
    try:
        importlib.import_module("mediapipe.tasks.python.vision.face_detector")
        return importlib.import_module("mediapipe")
    finally:
        del sys.modules["tensorflow"]


class TasksFaceDetector:
    """Detections as (boxes xmin, ymin, xmax, ymax in pixels, keypoints (N, 6, 2) pixels, scores)."""

    def __init__(self, model_path: str, min_score: float) -> None:
        self._mp = _import_mediapipe_without_tensorflow()
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import face_detector as mp_face

        options = mp_face.FaceDetectorOptions(base_options=BaseOptions(model_asset_path=model_path),
                                              min_detection_confidence=min_score)
        self._detector = mp_face.FaceDetector.create_from_options(options)

    def detect(self, image_bgr: np.ndarray):
        height, width = image_bgr.shape[:2]
        rgb = np.ascontiguousarray(image_bgr[:, :, ::-1])
        result = self._detector.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb))
        boxes, keypoints, scores = [], [], []
        for det in result.detections:
            bb = det.bounding_box
            boxes.append([bb.origin_x, bb.origin_y, bb.origin_x + bb.width, bb.origin_y + bb.height])
            keypoints.append([[k.x * width, k.y * height] for k in det.keypoints])
            scores.append(det.categories[0].score)
        return (np.array(boxes, np.float32).reshape(-1, 4), np.array(keypoints, np.float32).reshape(-1, 6, 2),
                np.array(scores, np.float32))

    def close(self) -> None:
        self._detector.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
