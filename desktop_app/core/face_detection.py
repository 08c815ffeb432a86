"""Face detection with MediaPipe Tasks ``FaceDetector`` on the bundled BlazeFace models (offline)."""
from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .paths import DETECTOR_MODELS

# BlazeFace short range works on a 128×128 view of the frame and loses faces at 1280×720 full size;
# detecting on a copy at most this wide keeps accuracy and costs less.
MAX_DETECT_WIDTH = 640


def _import_mediapipe_without_tensorflow():
    """``mediapipe.tasks`` tries ``import tensorflow`` for doc decorators only (+2 s, +650 MB).

    Block that one import while mediapipe loads unless TensorFlow is already in the process.
    """
    if "tensorflow" in sys.modules:
        return importlib.import_module("mediapipe")
    sys.modules["tensorflow"] = None  # type: ignore[assignment]  # makes `import tensorflow` fail fast
    try:
        importlib.import_module("mediapipe.tasks.python.vision.face_detector")
        return importlib.import_module("mediapipe")
    finally:
        del sys.modules["tensorflow"]


@dataclass(frozen=True)
class Detection:
    box: tuple[float, float, float, float]  # x, y, w, h in frame pixels
    score: float
    keypoints: np.ndarray  # (6, 2) frame pixels: right eye, left eye, nose, mouth, right ear, left ear


class FaceDetector:
    """Built once, closed once (``with`` or ``close()``); MediaPipe prints a TypeError at exit otherwise."""

    def __init__(self, kind: str = "short", min_score: float = 0.5) -> None:
        if kind not in DETECTOR_MODELS:
            raise ValueError(f"unknown detector {kind!r}: choose {' or '.join(DETECTOR_MODELS)}")
        model = Path(DETECTOR_MODELS[kind])
        if not model.is_file():
            raise FileNotFoundError(f"detector model missing: {model} (run resources/models/build_models.py)")
        mp = _import_mediapipe_without_tensorflow()
        from mediapipe.tasks.python.core.base_options import BaseOptions
        from mediapipe.tasks.python.vision import face_detector as mp_face

        self._mp = mp
        self.kind = kind
        self.min_score = float(min_score)
        options = mp_face.FaceDetectorOptions(
            base_options=BaseOptions(model_asset_path=str(model)),
            min_detection_confidence=min(self.min_score, 0.99) if self.min_score > 0 else 0.01,
        )
        self._detector = mp_face.FaceDetector.create_from_options(options)

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        height, width = frame_bgr.shape[:2]
        scale = min(1.0, MAX_DETECT_WIDTH / width)
        small = frame_bgr if scale == 1.0 else cv2.resize(
            frame_bgr, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        rgb = np.ascontiguousarray(small[:, :, ::-1])
        result = self._detector.detect(self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb))
        sw, sh = small.shape[1], small.shape[0]
        faces = []
        for det in result.detections:
            score = det.categories[0].score if det.categories else 0.0
            if score < self.min_score:
                continue
            bb = det.bounding_box
            box = (bb.origin_x / scale, bb.origin_y / scale, bb.width / scale, bb.height / scale)
            kps = np.array([[k.x * sw / scale, k.y * sh / scale] for k in det.keypoints], np.float32)
            if kps.shape != (6, 2):
                kps = np.zeros((6, 2), np.float32)
            faces.append(Detection(box=box, score=float(score), keypoints=kps))
        return faces

    def close(self) -> None:
        if self._detector is not None:
            self._detector.close()
            self._detector = None

    def __enter__(self) -> "FaceDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
