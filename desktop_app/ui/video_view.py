"""The video with a box, id, label and confidence per face; click a face to select it."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPen

from ..core.pipeline import FrameResult

BOX_COLOR = (80, 220, 80)
SELECTED_COLOR = (255, 200, 0)


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
        self._styles: list[tuple | None] = []  # (selected, font size) each box was last drawn with
        self._result: FrameResult | None = None
        self._size: tuple[int, int] | None = None
        self.mirror = False
        self.font_size = 11
        self.scene().sigMouseClicked.connect(self._on_click)

    def show_frame(self, frame_bgr: np.ndarray, result: FrameResult, selected_id: int | None) -> None:
        rgb = frame_bgr[:, :, ::-1]
        if self.mirror:
            rgb = rgb[:, ::-1]
        self.image.setImage(rgb, autoLevels=False, levels=(0, 255))
        size = (frame_bgr.shape[1], frame_bgr.shape[0])
        if size != self._size:
            self._size = size
            self.view.setRange(QRectF(0, 0, *size), padding=0)
        self._result = result
        self._draw_boxes(result, selected_id)

    def _display_box(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        x, y, w, h = box
        if self.mirror and self._size:
            x = self._size[0] - x - w
        return x, y, w, h

    def _draw_boxes(self, result: FrameResult, selected_id: int | None) -> None:
        while len(self._boxes) < len(result.faces):  # items are reused, never rebuilt per frame
            rect = pg.QtWidgets.QGraphicsRectItem()
            text = pg.TextItem(anchor=(0, 1), fill=pg.mkBrush(0, 0, 0, 160))
            self.view.addItem(rect)
            self.view.addItem(text)
            self._boxes.append((rect, text))
            self._styles.append(None)
        for i, (rect, text) in enumerate(self._boxes):
            visible = i < len(result.faces)
            rect.setVisible(visible)
            text.setVisible(visible)
            if not visible:
                continue
            face = result.faces[i]
            x, y, w, h = self._display_box(face.box)
            selected = face.face_id == selected_id
            style = (selected, self.font_size)
            if style != self._styles[i]:  # restyle only on change: cheaper, and pyqtgraph's
                self._styles[i] = style   # TextItem.setColor keeps a reference per call
                color = SELECTED_COLOR if selected else BOX_COLOR
                pen = QPen(pg.mkColor(color))
                pen.setWidth(3 if selected else 2)
                pen.setCosmetic(True)
                rect.setPen(pen)
                font = QFont()
                font.setPointSize(self.font_size)
                font.setBold(True)
                text.setFont(font)
                text.setColor(color)
            rect.setRect(QRectF(x, y, w, h))
            text.setText(f"#{face.face_id} {face.label} {face.confidence:.0%}")
            near_right = self._size is not None and x + w / 2 > self._size[0] * 0.6
            text.setAnchor((1, 1) if near_right else (0, 1))  # keep labels inside the picture
            text.setPos(x + w if near_right else x, y)

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
