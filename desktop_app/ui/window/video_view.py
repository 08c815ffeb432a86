"""The video with a box, id, label and confidence per face; click a face to select it."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QPen

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.core.label_placement import HIDDEN, comparison_label_texts, label_texts, layout_labels
from desktop_app.core.pipeline import FrameResult

SELECTED_TEXT = (255, 255, 255)  # the selected face: thick box in its expression's colour, white label
NOTE_TEXT = (255, 255, 255)  # "+N faces unlabelled"
BOX_PEN = {"selected": 5, "unlabelled": 4, "labelled": 2}  # an unlabelled face's colour is its box alone
TEXT_MARGIN = 2  # QTextDocument's margin around a TextItem's text, in screen pixels


class VideoView(pg.GraphicsLayoutWidget):
    face_clicked = Signal(int)  # face id

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground("k")
        self.view = self.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.view.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self._boxes: list[tuple[pg.QtWidgets.QGraphicsRectItem, pg.TextItem]] = []
        self._styles: list[tuple | None] = []  # (selected, font size, colour) each box was last drawn with
        self._result: FrameResult | None = None
        self._selected_id: int | None = None
        self.note = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(0, 0, 0, 200), color=NOTE_TEXT)
        self.note.textItem.document().setDocumentMargin(TEXT_MARGIN)
        self.note.setZValue(2)
        self.note.hide()
        self.view.addItem(self.note)
        self._size: tuple[int, int] | None = None
        self.mirror = False
        self.font_size = 11.0
        self.placed_labels: list[tuple[int, str, tuple[float, float, float, float]]] = []  # id, text, rect
        self.scene().sigMouseClicked.connect(self._on_click)
        self.view.sigResized.connect(self._relayout)  # labels keep their screen size: a new scale, new spots

    def show_frame(self, frame_bgr: np.ndarray, result: FrameResult, selected_id: int | None) -> None:
        rgb = frame_bgr[:, :, ::-1]
        if self.mirror:
            rgb = rgb[:, ::-1]
        self.image.setImage(rgb, autoLevels=False, levels=(0, 255))
        size = (frame_bgr.shape[1], frame_bgr.shape[0])
        if size != self._size:
            self._size = size
            self.view.setRange(QRectF(0, 0, *size), padding=0)
        self._result, self._selected_id = result, selected_id
        self._draw_boxes(result, selected_id)

    def _relayout(self, *_args) -> None:
        if self._result is not None:
            self._draw_boxes(self._result, self._selected_id)

    def _display_box(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x, y, w, h = box
        if self.mirror and self._size:
            x = self._size[0] - x - w
        return x, y, w, h

    def _draw_boxes(self, result: FrameResult, selected_id: int | None) -> None:
        while len(self._boxes) < len(result.faces):  # items are reused, never rebuilt per frame
            rect = pg.QtWidgets.QGraphicsRectItem()
            text = pg.TextItem(anchor=(0, 0), fill=pg.mkBrush(0, 0, 0, 170))
            text.textItem.document().setDocumentMargin(TEXT_MARGIN)
            text.setZValue(1)  # over every box
            self.view.addItem(rect)
            self.view.addItem(text)
            self._boxes.append((rect, text))
            self._styles.append(None)
        colors = dict(zip(result.labels, expression_colors(result.labels)))
        font = QFont()
        font.setPointSizeF(self.font_size)
        font.setBold(True)
        boxes = [self._display_box(face.box) for face in result.faces]
        texts = [self._label_texts(face) for face in result.faces]
        selected_index = next((i for i, f in enumerate(result.faces) if f.face_id == selected_id), None)
        layout = layout_labels(boxes, texts, lambda t: self._text_size(t, font), self._size or (1e9, 1e9),
                               first=selected_index, spare=self._spare())
        placements = layout.placements
        self._draw_note(layout, font)
        self.placed_labels = []
        for i, (rect, text) in enumerate(self._boxes):
            visible = i < len(result.faces)
            rect.setVisible(visible)
            text.setVisible(visible and placements[i].variant != HIDDEN)
            if not visible:
                continue
            face, place = result.faces[i], placements[i]
            selected = face.face_id == selected_id
            color = colors.get(face.label, (255, 255, 255))
            pen_width = BOX_PEN["selected" if selected else "unlabelled" if place.variant == HIDDEN else "labelled"]
            style = (pen_width, selected, self.font_size, color)
            if style != self._styles[i]:  # restyle only on change: cheaper, and pyqtgraph's
                self._styles[i] = style   # TextItem.setColor keeps a reference per call
                pen = QPen(pg.mkColor(color))
                pen.setWidth(pen_width)
                pen.setCosmetic(True)
                rect.setPen(pen)
                text.setFont(font)
                text.setColor(SELECTED_TEXT if selected else color)
            rect.setRect(QRectF(*boxes[i]))
            if place.variant == HIDDEN:  # no spot even for the word: the box alone, thicker
                continue
            label = texts[i][place.variant]
            text.setText(label)
            text.setPos(place.x, place.y)
            self.placed_labels.append((face.face_id, label, (place.x, place.y, *self._text_size(label, font))))

    def _spare(self) -> tuple[float, float, float, float] | None:
        """The black band under the frame (or beside it) that a letterboxed view shows, for the note."""
        if self._size is None:
            return None
        width, height = self._size
        shown = self.view.viewRect()
        if shown.bottom() > height:
            return max(0.0, shown.left()), float(height), min(width, shown.right()) - max(0.0, shown.left()), \
                shown.bottom() - height
        if shown.right() > width:
            return float(width), max(0.0, shown.top()), shown.right() - width, min(height, shown.bottom())
        return None

    def _draw_note(self, layout, font: QFont) -> None:
        """How many faces a crowded frame leaves without a label, where the layout put it."""
        self.note.setVisible(layout.note is not None)
        if layout.note is not None:
            self.note.setFont(font)
            self.note.setText(layout.note)
            self.note.setPos(*layout.note_rect[:2])

    @staticmethod
    def _label_texts(face) -> list[str]:
        if face.compare_probabilities is None:
            return label_texts(face.face_id, face.label, face.confidence)
        return comparison_label_texts(face.face_id, face.label, face.confidence, face.compare_label,
                                      float(face.compare_probabilities.max()))

    def _text_size(self, text: str, font: QFont) -> tuple[float, float]:
        """A label's size in image units (labels keep their size on screen whatever the zoom)."""
        metrics = QFontMetricsF(font)
        px, py = self.view.viewPixelSize()
        return (metrics.horizontalAdvance(text) + 2 * TEXT_MARGIN) * px, (metrics.height() + 2 * TEXT_MARGIN) * py

    def _on_click(self, event) -> None:
        if self._result is None or event.button() != Qt.MouseButton.LeftButton:
            return
        point = self.view.mapSceneToView(event.scenePos())
        self.select_at(point.x(), point.y())

    def select_at(self, x: float, y: float) -> None:
        """Select the smallest face whose box holds the point (image coordinates as displayed)."""
        if self._result is None:
            return
        hits = []
        for face in self._result.faces:
            bx, by, bw, bh = self._display_box(face.box)
            if bx <= x <= bx + bw and by <= y <= by + bh:
                hits.append((bw * bh, face.face_id))
        if hits:
            self.face_clicked.emit(min(hits)[1])
