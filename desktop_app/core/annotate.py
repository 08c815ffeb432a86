"""Draw boxes, ids and labels onto a BGR frame (for annotated videos; the UI draws its own)."""
from __future__ import annotations

import cv2
import numpy as np

from .pipeline import FrameResult


def draw_results(canvas: np.ndarray, result: FrameResult) -> None:
    thickness = max(1, round(canvas.shape[1] / 400))
    for face in result.faces:
        x, y, w, h = (int(round(v)) for v in face.box)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), (80, 220, 80), thickness)
        text = f"#{face.face_id} {face.label} {face.confidence:.0%}"
        cv2.putText(canvas, text, (x, max(12, y - 6)), cv2.FONT_HERSHEY_SIMPLEX,
                    0.4 * thickness + 0.2, (80, 220, 80), thickness, cv2.LINE_AA)
