"""Is this candidate a face? The face-presence output of the bundled ``face_landmark.tflite``.

BlazeFace gives textures (coins, a starfield, a rocket seen through a tile) scores up to 0.8, higher than
some small real faces get. MediaPipe's face-landmark model, given the candidate's region much as its
``face_landmark`` graph prepares it (the box grown 1.5× as a square, 192×192 RGB in [0, 1]), also
outputs a face-presence logit; it separates the two where the detector's score cannot. Only this output is used here (the landmarks themselves live in ``face_landmarks.py``).

The region is not turned eyes-level here: BlazeFace's eye keypoints on a half-profile face move by a
few pixels between runs, and the turned crop's presence swung 0.70–0.996 with them (the cameraman in
skimage.data); upright crops gave real faces ≥ 0.999 and face-free candidates ≤ 0.89.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .face_crop import crop_face
from .paths import MODELS_DIR

LANDMARK_MODEL = MODELS_DIR / "face_landmark.tflite"
INPUT_SIZE = 192
ROI_MARGIN = 0.25  # side × (1 + 2 × 0.25): the graph's 1.5× region of interest


class FacePresence:
    """Built once, closed once; ``scores`` runs every candidate in one batched invoke."""

    def __init__(self, model_path: Path | str = LANDMARK_MODEL, num_threads: int = 2) -> None:
        from ai_edge_litert.interpreter import Interpreter

        path = Path(model_path)
        if not path.is_file():
            raise FileNotFoundError(f"landmark model missing: {path} (run resources/models/build_models.py)")
        self._interp = Interpreter(model_path=str(path), num_threads=num_threads)
        self._input = self._interp.get_input_details()[0]["index"]
        self._flag = next(o["index"] for o in self._interp.get_output_details() if int(np.prod(o["shape"])) == 1)
        self._batch = 0

    def scores(self, frame_bgr: np.ndarray, boxes, keypoints) -> np.ndarray:
        """Face-presence probability per candidate (box x, y, w, h and its (6, 2) keypoints)."""
        if len(boxes) == 0:
            return np.zeros(0, np.float32)
        crops = np.stack([crop_face(frame_bgr, box, kps, INPUT_SIZE, ROI_MARGIN, align=False)
                          for box, kps in zip(boxes, keypoints)])
        if len(crops) != self._batch:
            self._interp.resize_tensor_input(self._input, [len(crops), INPUT_SIZE, INPUT_SIZE, 3])
            self._interp.allocate_tensors()
            self._batch = len(crops)
        self._interp.set_tensor(self._input, crops[..., ::-1].astype(np.float32) * np.float32(1 / 255.0))
        self._interp.invoke()
        logits = self._interp.get_tensor(self._flag).reshape(-1).astype(np.float64)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    def close(self) -> None:
        self._interp = None
