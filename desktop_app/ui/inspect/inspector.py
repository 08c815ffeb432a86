"""Why did the model say that? The exact model input, every probability (raw and smoothed), an
occlusion-sensitivity map, the detector's keypoints and the face's 468 landmarks with the geometry
they measure ("mouth corners up; the model says sad"), for one face of a frozen frame. "Compare with…"
adds a second row: another model's input, occlusion map and probabilities for the same face, and whether
the two agree (core.model_comparison crops and reads it exactly as the live comparison and analyze do)."""
from __future__ import annotations

import time

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.detection.face_crop import crop_face, crop_transform
from desktop_app.core.detection.face_geometry import FaceGeometry, face_geometry, feature_line, reading
from desktop_app.core.detection.face_landmarks import FaceLandmarker, FaceLandmarks
from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.model_comparison import agrees, face_crop_for, load_comparison
from desktop_app.core.expression.model_spec import ModelSpecError
from desktop_app.core.expression.occlusion import occlusion_map
from desktop_app.core.expression.preprocessing import batch_to_images, prepare_batch
from desktop_app.core.expression.valence_arousal import valence_arousal_text
from desktop_app.core.pipeline import FaceResult
from desktop_app.core.samples.sample_records import CROP_MARGIN
from desktop_app.ui.charts.label_bars import LabelBars
from desktop_app.ui.qt.images_qt import pixmap_from_bgr

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
        self.first_titles: list[QLabel] = []  # named "model 1" while a second model is shown
        for col, (title, widget) in enumerate((("What the model saw", self.model_input),
                                               ("Occlusion: what it relied on", self.occlusion),
                                               ("Keypoints and landmarks", self.keypoints))):
            self.first_titles.append(QLabel(f"<b>{title}</b>"))
            grid.addWidget(self.first_titles[-1], 0, col)
            widget.setFixedSize(VIEW_SIZE, VIEW_SIZE)
            grid.addWidget(widget, 1, col)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.frame_note = QLabel()  # which frame the views show: they follow Step and seek while paused
        self.frame_index: int | None = None
        self._compare_classifier: ExpressionClassifier | None = None
        self.follows_live_comparison = False  # model 2 was set by the window's live comparison, not by the user
        self._shown: tuple[np.ndarray, FaceResult] | None = None  # the frame and face on show
        self.compare_probabilities: np.ndarray | None = None  # the second model on this face (this frame)
        self.compare_label: str | None = None
        self.compare_agrees: bool | None = None
        controls = QHBoxLayout()
        self.compare_button = QPushButton("Compare with…", clicked=self.choose_compare_model)
        self.one_model_button = QPushButton("One model", clicked=lambda: self.set_compare_model(None))
        self.one_model_button.setEnabled(False)
        self.compare_status = QLabel("Compare this face with a second model's view of it.")
        self.compare_status.setWordWrap(True)
        controls.addWidget(self.compare_button)
        controls.addWidget(self.one_model_button)
        controls.addWidget(self.compare_status, 1)
        self.compare_row = QWidget()  # the second model's input, occlusion map and bars
        second = QGridLayout(self.compare_row)
        second.setContentsMargins(0, 0, 0, 0)
        self.compare_heading = QLabel()  # two fixed lines: a wrapped label's height is misjudged by the layout
        self.compare_input = QLabel()
        self.compare_occlusion = QLabel()
        self.compare_bars = LabelBars("")
        second.addWidget(self.compare_heading, 0, 0, 1, 3)
        for col, (title, widget) in enumerate((("What model 2 saw", self.compare_input),
                                               ("Occlusion: what model 2 relied on", self.compare_occlusion),
                                               ("Model 2's probabilities (this frame)", self.compare_bars))):
            second.addWidget(QLabel(f"<b>{title}</b>"), 1, col)
            widget.setFixedSize(VIEW_SIZE, VIEW_SIZE)
            second.addWidget(widget, 2, col)
        self.compare_row.hide()
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["label", "raw", "smoothed"])
        self.table.verticalHeader().hide()
        views = QVBoxLayout()  # the model's views, and model 2's below them
        views.addLayout(grid)
        views.addWidget(self.compare_row)
        views.addStretch(1)
        side = QHBoxLayout()  # the probabilities beside the views: two rows of views still fit a laptop screen
        side.addLayout(views)
        side.addWidget(self.table, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout(self)
        column.addWidget(self.frame_note)
        column.addLayout(controls)
        column.addLayout(side)
        column.addWidget(self.details)
        self.occlusion_ms = 0.0
        self.top_labels: list[str] = []

    def classifier_for(self, model_path: str) -> ExpressionClassifier:
        if self._classifier is None or str(self._classifier.model_path) != str(model_path):
            self._classifier = ExpressionClassifier(model_path)
        return self._classifier

    def inspect(self, frame_bgr: np.ndarray, face: FaceResult, model_path: str,
                frame_index: int | None = None) -> None:
        """Show ``face`` of this frame. Reopened (it was closed), it starts clean: no message of an earlier
        attempt stays on show."""
        if not self.isVisible():
            self._describe_comparison()
        classifier = self.classifier_for(model_path)
        spec = classifier.spec
        crop = face.crop if face.crop is not None else face_crop_for(spec, frame_bgr, face)
        _, self.occlusion_ms = self._show_views(classifier, crop, self.model_input, self.occlusion)
        if self._landmarker is None:
            self._landmarker = FaceLandmarker()
        self.landmarks = self._landmarker.in_frame(frame_bgr, face.box, face.keypoints)
        self.geometry = face_geometry(self.landmarks.points, frame_bgr) if self.landmarks.is_face else None
        self.keypoints.setPixmap(pixmap_from_bgr(self._keypoint_view(frame_bgr, face), VIEW_SIZE, smooth=True))
        self._fill_table(spec.labels, face)
        x, y, w, h = face.box
        points = ", ".join(f"{n} ({px:.0f}, {py:.0f})" for n, (px, py) in zip(KEYPOINT_NAMES, face.keypoints))
        found = (f"Box predicted from the last two detections (the detector skipped this frame; last score "
                 f"{face.score:.2f})" if face.predicted else f"Detector score {face.score:.2f}")
        self.details.setText(
            f"<b>Face #{face.face_id}</b>: {face.label} {face.confidence:.0%}. {found}, "
            f"box x {x:.0f} y {y:.0f} w {w:.0f} h {h:.0f}. Model input {spec.input_width}×{spec.input_height} "
            f"{spec.color}, (pixel − {spec.mean:g}) / {spec.std:g}. Occlusion map {self.occlusion_ms:.0f} ms "
            f"(red = covering it lowers '{face.label}' most).<br>"
            + (f"<b>{valence_arousal_text(face.valence_arousal)}</b><br>" if face.valence_arousal else "")
            + f"Keypoints: {points}<br>"
            + self._geometry_text(face.label))
        self._shown = (frame_bgr, face)
        self.frame_index = frame_index
        where = f"Frame {frame_index}, face #{face.face_id}" if frame_index is not None else f"Face #{face.face_id}"
        self.frame_note.setText(f"<b>{where}</b>")
        self._show_comparison()
        self.show()
        self.raise_()

    def show_missing(self, frame_index: int, face_id: int | None) -> None:
        """The window moved to a frame without the inspected face: say which frame the views still show."""
        shown = f"frame {self.frame_index}" if self.frame_index is not None else "an earlier frame"
        self.frame_note.setText(f"<b><span style='color:#c0392b'>Frame {frame_index} has no face #{face_id}"
                                f"</span>: the views below still show {shown}.</b>")

    def choose_compare_model(self) -> None:
        """The "Compare with…" button: pick a second .tflite (its .json beside it)."""
        path, _ = QFileDialog.getOpenFileName(self, "Compare with a second model", "", "TFLite models (*.tflite)")
        if path:
            self.try_compare_model(path)

    def try_compare_model(self, path: str) -> bool:
        """Compare with ``path``; one that cannot be read is said in the dialog (until it is reopened)."""
        try:
            self.set_compare_model(path)
        except ModelSpecError as exc:
            self.compare_status.setText(f"<span style='color:#c0392b'>Cannot compare: {exc}</span>")
            return False
        return True

    @property
    def compare_model_path(self) -> str | None:
        return str(self._compare_classifier.model_path) if self._compare_classifier is not None else None

    def set_compare_model(self, model_path: str | None, show: bool = True) -> None:
        """Show a second model's view of the face beside the first (None: back to one model). A model
        that fails to load raises ModelSpecError and leaves the inspector as it was. ``show=False``: only
        set it, for a caller about to ``inspect`` another face (no occlusion map of the old one)."""
        classifier = load_comparison(model_path) if model_path is not None else None
        if self._compare_classifier is not None:
            self._compare_classifier.close()
        self._compare_classifier = classifier
        self.one_model_button.setEnabled(classifier is not None)
        self._describe_comparison()
        if show:
            self._show_comparison()

    def _describe_comparison(self) -> None:
        classifier = self._compare_classifier
        self.compare_status.setText(
            f"Model 2: <b>{classifier.spec.name}</b> ({len(classifier.labels)} labels, "
            f"{classifier.spec.input_width}×{classifier.spec.input_height} {classifier.spec.color})"
            if classifier is not None else "Compare this face with a second model's view of it.")

    def _show_comparison(self) -> None:
        """Fill the second row for the face on show, or hide it when there is no second model."""
        classifier = self._compare_classifier
        titles = ("What model 1 saw", "Occlusion: what model 1 relied on") if classifier is not None else (
            "What the model saw", "Occlusion: what it relied on")
        for label, title in zip(self.first_titles, titles):
            label.setText(f"<b>{title}</b>")
        if classifier is None or self._shown is None:
            self.compare_probabilities = self.compare_label = self.compare_agrees = None
            if not self.compare_row.isHidden():
                self.compare_row.hide()
                self._fit()
            return
        frame_bgr, face = self._shown
        spec = classifier.spec
        crop = face_crop_for(spec, frame_bgr, face)  # its own crop, as the live comparison makes it
        batch, _ = self._show_views(classifier, crop, self.compare_input, self.compare_occlusion)
        probabilities = classifier.classify_batch(batch)[0]
        label = spec.labels[int(np.argmax(probabilities))]
        if self.compare_bars.labels != spec.labels:
            self.compare_bars.set_labels(spec.labels)
        self.compare_bars.set_values(probabilities)
        self.compare_probabilities, self.compare_label = probabilities, label
        self.compare_agrees = agrees(face.label, label)
        verdict = ("<span style='color:#1e7b34'>they agree</span>" if self.compare_agrees
                   else "<span style='color:#c0392b'>they disagree</span>")
        first = self._classifier.spec.name if self._classifier is not None else "model 1"
        self.compare_heading.setText(
            f"<b>Model 2, {spec.name}</b>, says <b>{label}</b> {probabilities.max():.0%}; model 1, {first}, "
            f"says <b>{face.label}</b> {face.confidence:.0%}: <b>{verdict}</b>.<br>Model 2's crop: margin "
            f"{spec.crop_margin:g}, input {spec.input_width}×{spec.input_height} {spec.color}.")
        if self.compare_row.isHidden():
            self.compare_row.show()
            self._fit()

    @staticmethod
    def _show_views(classifier: ExpressionClassifier, crop: np.ndarray, input_view: QLabel,
                    occlusion_view: QLabel) -> tuple[np.ndarray, float]:
        """What the model saw and its occlusion map, for either row; returns (its input batch, the
        occlusion map's time in ms)."""
        spec = classifier.spec
        batch = prepare_batch([crop], spec)
        seen = batch_to_images(batch, spec)[0]
        input_view.setPixmap(pixmap_from_bgr(seen, VIEW_SIZE))
        started = time.perf_counter()
        heat = occlusion_map(classifier, crop, spec)
        occlusion_ms = (time.perf_counter() - started) * 1e3
        occlusion_view.setPixmap(pixmap_from_bgr(occlusion_overlay(seen, heat), VIEW_SIZE))
        return batch, occlusion_ms

    def _fit(self) -> None:
        """Grow or shrink to the rows shown. adjustSize alone leaves the dialog short of its wrapped
        text's height (the details), squeezing the views over it; the layout's height for this width
        is the true one."""
        self.adjustSize()
        self.resize(self.width(), max(self.height(), self.layout().totalHeightForWidth(self.width())))

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
        width = sum(table.columnWidth(c) for c in range(table.columnCount())) + 2 * table.frameWidth()
        table.setFixedWidth(width)  # beside the views: as wide as its columns, no scroll bar
