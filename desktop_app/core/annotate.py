"""Draw boxes, ids and labels onto a BGR frame (for annotated videos; the UI draws its own), with the
window's rules: one colour per expression, labels placed so they never overlap."""
from __future__ import annotations

import cv2
import numpy as np

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.core.label_placement import HIDDEN, label_texts, place_labels
from desktop_app.core.pipeline import FrameResult

FONT = cv2.FONT_HERSHEY_SIMPLEX
PAD = 3  # pixels around a label's text


def draw_results(canvas: np.ndarray, result: FrameResult) -> None:
    thickness = max(1, round(canvas.shape[1] / 400))
    scale = 0.4 * thickness + 0.2
    colors = {label: rgb[::-1] for label, rgb in zip(result.labels, expression_colors(result.labels))}  # BGR
    texts = [label_texts(face.face_id, face.label, face.confidence) for face in result.faces]

    def size(text: str) -> tuple[float, float]:
        (w, h), baseline = cv2.getTextSize(text, FONT, scale, thickness)
        return w + 2 * PAD, h + baseline + 2 * PAD

    places = place_labels([face.box for face in result.faces], [[size(t) for t in variants] for variants in texts],
                          (canvas.shape[1], canvas.shape[0]))
    for face, variants, place in zip(result.faces, texts, places):
        color = colors.get(face.label, (255, 255, 255))
        x, y, w, h = (int(round(v)) for v in face.box)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), color, thickness)
        if place.variant == HIDDEN:
            continue
        text = variants[place.variant]
        tw, th = size(text)
        lx, ly = int(place.x), int(place.y)
        cv2.rectangle(canvas, (lx, ly), (lx + int(tw) - 1, ly + int(th) - 1), (0, 0, 0), -1)
        baseline = cv2.getTextSize(text, FONT, scale, thickness)[1]
        cv2.putText(canvas, text, (lx + PAD, ly + int(th) - PAD - baseline), FONT, scale, color, thickness,
                    cv2.LINE_AA)
