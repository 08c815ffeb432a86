"""MediaPipe's own Tasks, kept only as oracles: the FaceDetector the LiteRT detector is checked against,
and the ImageClassifier a mobile app would load our exported expression models with.

The app never imports this (``libmediapipe.so`` looks up a Google host at start); tests do, offline.
"""
from __future__ import annotations

import importlib
import sys

import numpy as np


def _import_mediapipe_without_tensorflow(task: str = "face_detector"):
    """``mediapipe.tasks`` tries ``import tensorflow`` for doc decorators only (+2 s, +650 MB)."""
    if "tensorflow" in sys.modules:
        importlib.import_module(f"mediapipe.tasks.python.vision.{task}")
        return importlib.import_module("mediapipe")
    sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` fail fast
    try:
        importlib.import_module(f"mediapipe.tasks.python.vision.{task}")
        return importlib.import_module("mediapipe")
    finally:
        del sys.modules["tensorflow"]


class _ClosedOnExit:
    """``with`` closes the MediaPipe task (its graph holds threads until then)."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class TasksFaceDetector(_ClosedOnExit):
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


class TasksImageClassifier(_ClosedOnExit):
    """MediaPipe Tasks' ImageClassifier on a ``.tflite`` as a mobile app loads it: the model's own metadata
    (RGB, normalisation, labels.txt) is all it reads. ``scores`` gives label → score for every label."""

    def __init__(self, model_path: str) -> None:
        self._mp = _import_mediapipe_without_tensorflow("image_classifier")
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import image_classifier as mp_classifier

        options = mp_classifier.ImageClassifierOptions(base_options=BaseOptions(model_asset_path=model_path))
        self._classifier = mp_classifier.ImageClassifier.create_from_options(options)

    def scores(self, image_bgr: np.ndarray) -> dict[str, float]:
        rgb = np.ascontiguousarray(image_bgr[:, :, ::-1])
        result = self._classifier.classify(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb))
        return {c.category_name: c.score for c in result.classifications[0].categories}

    def close(self) -> None:
        self._classifier.close()
