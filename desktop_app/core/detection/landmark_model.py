"""The bundled ``face_landmark.tflite`` in one LiteRT interpreter: the one owner of that model.

Its input is a 192×192 RGB face in [0, 1]; it outputs 468 × (x, y, z) in those pixels and one
face-presence logit. ``face_presence`` (is this candidate a face?) and ``face_landmarks`` (where are its
points?) both run it through ``LandmarkModel``, each preparing the region its own way.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.core.paths import LANDMARK_MODEL

INPUT_SIZE = 192
NUM_LANDMARKS = 468
ROI_MARGIN = 0.25  # side × (1 + 2 × 0.25) = MediaPipe's face_landmark graph's 1.5× region of interest


class LandmarkModel:
    """Built once, closed once; ``run`` takes a batch of BGR faces and resizes the input only when the
    batch size changes."""

    def __init__(self, model_path: Path | str = LANDMARK_MODEL, num_threads: int = 2) -> None:
        from ai_edge_litert.interpreter import Interpreter

        path = Path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f"landmark model missing: {path} (run python -m model_training build-models)")
        self._interp = Interpreter(model_path=str(path), num_threads=num_threads)
        self._input = self._interp.get_input_details()[0]["index"]
        outputs = {int(np.prod(o["shape"])): o["index"] for o in self._interp.get_output_details()}
        self._points_out, self._flag_out = outputs[NUM_LANDMARKS * 3], outputs[1]
        self._batch = 0

    def run(self, faces_bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``faces_bgr`` (B, 192, 192, 3) uint8 → points (B, 468, 3) in input pixels and presence
        probabilities (B,)."""
        if self._interp is None:
            raise RuntimeError("the landmark model is closed")
        if len(faces_bgr) != self._batch:
            self._interp.resize_tensor_input(self._input, [len(faces_bgr), INPUT_SIZE, INPUT_SIZE, 3])
            self._interp.allocate_tensors()
            self._batch = len(faces_bgr)
        self._interp.set_tensor(self._input, faces_bgr[..., ::-1].astype(np.float32) * np.float32(1 / 255.0))
        self._interp.invoke()
        points = self._interp.get_tensor(self._points_out).reshape(-1, NUM_LANDMARKS, 3).copy()
        logits = self._interp.get_tensor(self._flag_out).reshape(-1).astype(np.float64)
        return points, (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def close(self) -> None:
        self._interp = None
