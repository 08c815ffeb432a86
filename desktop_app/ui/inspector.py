"""Why did the model say that? The exact model input, every probability (raw and smoothed), an
occlusion-sensitivity map, the detector's keypoints and the face's 468 landmarks with the geometry
they measure ("mouth corners up; the model says sad"), for one face of a frozen frame."""
from __future__ import annotations

import time

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QDialog, QGridLayout, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout)

from ..core.classifier import ExpressionClassifier
from ..core.face_crop import crop_face, crop_transform
from ..core.face_geometry import FaceGeometry, face_geometry, feature_line, reading
from ..core.face_landmarks import FaceLandmarker, FaceLandmarks
from ..core.occlusion import occlusion_map
from ..core.pipeline import FaceResult
from ..core.preprocessing import batch_to_images, prepare_batch
from ..core.sample_records import CROP_MARGIN
from .images_qt import pixmap_from_bgr

VIEW_SIZE = 256
TOP_K = 3
KEYPOINT_NAMES = ("right eye", "left eye", "nose tip", "mouth", "right ear", "left ear")


def occlusion_overlay(crop_bgr: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """Blend a JET map of the probability drop (0 … max) over the crop."""
    scale = max(float(heat.max()), 1e-6)
    colored = cv2.applyColorMap(np.clip(heat / scale * 255, 0, 255).astype(np.uint8), cv2.COLORMAP_JET)
    base = cv2.resize(crop_bgr, (heat.shape[1], heat.shape[0]))
    return cv2.addWeighted(base, 0.5, colored, 0.5, 0)


class InspectorDialog(QDialog):
    """Non-modal; built with its own classifier (LiteRT interpreters are not shared across threads)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Inspector")
        self._classifier: ExpressionClassifier | None = None
        self._landmarker: FaceLandmarker | None = None
        self.landmarks: FaceLandmarks | None = None
        self.geometry: FaceGeometry | None = None
        grid = QGridLayout()
        self.model_input = QLabel()
        self.occlusion = QLabel()
        self.keypoints = QLabel()
        for col, (title, widget) in enumerate((("What the model saw", self.model_input),
                                               ("Occlusion: what it relied on", self.occlusion),
                                               ("Keypoints and landmarks", self.keypoints))):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
            widget.setFixedSize(VIEW_SIZE, VIEW_SIZE)
            grid.addWidget(widget, 1, col)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["label", "raw", "smoothed"])
        self.table.verticalHeader().hide()
        column = QVBoxLayout(self)
        column.addLayout(grid)
        column.addWidget(self.details)
        column.addWidget(self.table)
        self.occlusion_ms = 0.0
        self.top_labels: list[str] = []

    def classifier_for(self, model_path: str) -> ExpressionClassifier:
        if self._classifier is None or str(self._classifier.model_path) != str(model_path):
            self._classifier = ExpressionClassifier(model_path)
        return self._classifier

    def inspect(self, frame_bgr: np.ndarray, face: FaceResult, model_path: str) -> None:
        classifier = self.classifier_for(model_path)
        spec = classifier.spec
        crop = face.crop if face.crop is not None else crop_face(
            frame_bgr, face.box, face.keypoints, spec.input_width, spec.crop_margin, spec.align_eyes)
        batch = prepare_batch([crop], spec)
        seen = batch_to_images(batch, spec)[0]
        self.model_input.setPixmap(pixmap_from_bgr(seen, VIEW_SIZE))
        started = time.perf_counter()
        heat = occlusion_map(classifier, crop, spec)
        self.occlusion_ms = (time.perf_counter() - started) * 1e3
        self.occlusion.setPixmap(pixmap_from_bgr(occlusion_overlay(seen, heat), VIEW_SIZE))
        if self._landmarker is None:
            self._landmarker = FaceLandmarker()
        self.landmarks = self._landmarker.in_frame(frame_bgr, face.box, face.keypoints)
        self.geometry = face_geometry(self.landmarks.points, frame_bgr) if self.landmarks.is_face else None
        self.keypoints.setPixmap(pixmap_from_bgr(self._keypoint_view(frame_bgr, face), VIEW_SIZE, smooth=True))
        self._fill_table(spec.labels, face)
        x, y, w, h = face.box
        points = ", ".join(f"{n} ({px:.0f}, {py:.0f})" for n, (px, py) in zip(KEYPOINT_NAMES, face.keypoints))
        self.details.setText(
            f"<b>Face #{face.face_id}</b>: {face.label} {face.confidence:.0%}. Detector score {face.score:.2f}, "
            f"box x {x:.0f} y {y:.0f} w {w:.0f} h {h:.0f}. Model input {spec.input_width}×{spec.input_height} "
            f"{spec.color}, (pixel − {spec.mean:g}) / {spec.std:g}. Occlusion map {self.occlusion_ms:.0f} ms "
            f"(red = covering it lowers '{face.label}' most).<br>Keypoints: {points}<br>"
            + self._geometry_text(face.label))
        self.show()
        self.raise_()

    def _geometry_text(self, label: str) -> str:
        if self.geometry is None:
            presence = self.landmarks.presence if self.landmarks is not None else 0.0
            return f"<b>Face geometry</b>: the landmark model finds no face here (presence {presence:.2f})"
        return f"<b>Face geometry: {reading(self.geometry, label)}</b>. {feature_line(self.geometry)}"

    def _keypoint_view(self, frame_bgr: np.ndarray, face: FaceResult) -> np.ndarray:
        size, margin = VIEW_SIZE, CROP_MARGIN  # framed as a captured sample is
        view = crop_face(frame_bgr, face.box, face.keypoints, size, margin, align=False)
        matrix = crop_transform(face.box, face.keypoints, size, margin, align=False)
        if self.landmarks is not None and self.landmarks.is_face:
            for px, py in cv2.transform(self.landmarks.xy[None].astype(np.float32), matrix)[0]:
                cv2.circle(view, (int(px), int(py)), 1, (80, 220, 80), -1, cv2.LINE_AA)
        for px, py in cv2.transform(face.keypoints[None].astype(np.float32), matrix)[0]:
            cv2.circle(view, (int(px), int(py)), 4, (0, 255, 255), -1, cv2.LINE_AA)
        return view

    def _fill_table(self, labels: tuple[str, ...], face: FaceResult) -> None:
        order = np.argsort(-face.probabilities)
        self.top_labels = [labels[i] for i in order[:TOP_K]]
        self.table.setRowCount(len(labels))
        bold = QFont()
        bold.setBold(True)
        for row, i in enumerate(order):
            cells = (labels[i], f"{face.raw_probabilities[i]:.3f}", f"{face.probabilities[i]:.3f}")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if row < TOP_K:
                    item.setFont(bold)
                    item.setBackground(QBrush(QColor(255, 220, 120)))
                    item.setForeground(QBrush(QColor(0, 0, 0)))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.resizeRowsToContents()
        table = self.table  # tall enough for every row: nothing hides below a scroll bar
        height = (table.horizontalHeader().height() + sum(table.rowHeight(r) for r in range(table.rowCount()))
                  + 2 * table.frameWidth())
        table.setMinimumHeight(height)
        table.setMaximumHeight(height)
