"""Is this candidate a face? The face-presence output of the bundled ``face_landmark.tflite``.

BlazeFace gives textures (coins, a starfield, a rocket seen through a tile) scores up to 0.8, higher than
some small real faces get. MediaPipe's face-landmark model, given the candidate's region much as its
``face_landmark`` graph prepares it (the box grown 1.5× as a square, 192×192 RGB in [0, 1]), also
outputs a face-presence logit; it separates the two where the detector's score cannot. Only this output is
used here (the landmarks themselves live in ``face_landmarks.py``; both run the model through
``landmark_model.py``).

The region is not turned eyes-level here: BlazeFace's eye keypoints on a half-profile face move by a
few pixels between runs, and the turned crop's presence swung 0.70–0.996 with them (the cameraman in
skimage.data); upright crops gave real faces ≥ 0.999 and face-free candidates ≤ 0.89.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.core.detection.face_crop import crop_face
from desktop_app.core.detection.landmark_model import INPUT_SIZE, LANDMARK_MODEL, ROI_MARGIN, LandmarkModel


class FacePresence:
    """Built once, closed once; ``scores`` runs every candidate in one batched invoke."""

    def __init__(self, model_path: Path | str = LANDMARK_MODEL, num_threads: int = 2) -> None:
        self._model = LandmarkModel(model_path, num_threads)

    def scores(self, frame_bgr: np.ndarray, boxes, keypoints) -> np.ndarray:
        """Face-presence probability per candidate (box x, y, w, h and its (6, 2) keypoints)."""
        if len(boxes) == 0:
            return np.zeros(0, np.float32)
        crops = np.stack([crop_face(frame_bgr, box, kps, INPUT_SIZE, ROI_MARGIN, align=False)
                          for box, kps in zip(boxes, keypoints)])
        return self._model.run(crops)[1]

    def close(self) -> None:
        self._model.close()
