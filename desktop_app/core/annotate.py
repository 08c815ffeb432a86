"""Draw boxes, ids and labels onto a BGR frame (for annotated videos; the UI draws its own), with the
window's rules (``label_placement``): one colour per expression, labels next to their own face that never
overlap, and a note counting the faces a crowded frame leaves unlabelled."""
from __future__ import annotations

import cv2
import numpy as np

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.core.label_placement import HIDDEN, LabelLayout, label_texts, layout_labels
from desktop_app.core.pipeline import FrameResult

FONT = cv2.FONT_HERSHEY_SIMPLEX
PAD = 3  # pixels around a label's text
NOTE_COLOR = (255, 255, 255)


def text_size(text: str, canvas_width: int) -> tuple[float, float]:
    """A label's (w, h) in pixels as ``draw_results`` draws it on a frame that wide."""
    thickness = max(1, round(canvas_width / 400))
    (w, h), baseline = cv2.getTextSize(text, FONT, 0.4 * thickness + 0.2, thickness)
    return w + 2 * PAD, h + baseline + 2 * PAD


def draw_results(canvas: np.ndarray, result: FrameResult) -> LabelLayout:
    """Draws ``result`` on ``canvas``; returns where the labels went."""
    thickness = max(1, round(canvas.shape[1] / 400))
    scale = 0.4 * thickness + 0.2
    colors = {label: rgb[::-1] for label, rgb in zip(result.labels, expression_colors(result.labels))}  # BGR
    texts = [label_texts(face.face_id, face.label, face.confidence) for face in result.faces]

    def size(text: str) -> tuple[float, float]:
        return text_size(text, canvas.shape[1])

    def label(text: str, x: float, y: float, color: tuple[int, int, int]) -> None:
        tw, th = size(text)
        lx, ly = int(x), int(y)
        cv2.rectangle(canvas, (lx, ly), (lx + int(tw) - 1, ly + int(th) - 1), (0, 0, 0), -1)
        baseline = cv2.getTextSize(text, FONT, scale, thickness)[1]
        cv2.putText(canvas, text, (lx + PAD, ly + int(th) - PAD - baseline), FONT, scale, color, thickness,
                    cv2.LINE_AA)

    layout = layout_labels([face.box for face in result.faces], texts, size, (canvas.shape[1], canvas.shape[0]))
    for face, place in zip(result.faces, layout.placements):  # every box first: none is drawn over a label
        x, y, w, h = (int(round(v)) for v in face.box)
        width = thickness * (2 if place.variant == HIDDEN else 1)  # an unlabelled face's colour is its box alone
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colors.get(face.label, (255, 255, 255)), width)
    for face, variants, place in zip(result.faces, texts, layout.placements):
        if place.variant != HIDDEN:
            label(variants[place.variant], place.x, place.y, colors.get(face.label, (255, 255, 255)))
    if layout.note is not None:
        label(layout.note, layout.note_rect[0], layout.note_rect[1], NOTE_COLOR)
    return layout
