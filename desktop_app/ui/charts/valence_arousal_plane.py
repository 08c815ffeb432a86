"""The room on the valence–arousal plane (Russell's circumplex): each face a dot in its expression's colour,
the selected face ringed; pleasant to the right, excited at the top. Shown only for a model whose spec
declares valence and arousal; its text sizes follow one point size like the other charts (presentation)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.ui.charts.chart_text import base_point_size, point_font

DOT_SIZE = 14  # px at the base point size
CORNERS = (("pleasant, excited", 0.55, 0.92), ("unpleasant, excited", -0.55, 0.92),
           ("unpleasant, calm", -0.55, -0.92), ("pleasant, calm", 0.55, -0.92))


class ValenceArousalPlane(pg.PlotWidget):
    def __init__(self, title: str = "Room: valence and arousal", parent=None) -> None:
        super().__init__(parent=parent)
        self.title, self.point_size = title, base_point_size()
        self.detail_size = self.point_size
        self.labels: tuple[str, ...] = ()
        self.colors: list[tuple[int, int, int]] = []
        self.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0.05)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setAspectLocked(True)
        for pos, angle in ((0, 90), (0, 0)):
            self.addItem(pg.InfiniteLine(pos, angle=angle, pen=pg.mkPen((110, 110, 110), width=1)))
        self.corner_texts = []
        for text, x, y in CORNERS:
            item = pg.TextItem(text, color=(170, 170, 170), anchor=(0.5, 0.5))
            item.setPos(x, y)
            self.addItem(item)
            self.corner_texts.append(item)
        self.dots = pg.ScatterPlotItem(pxMode=True)
        self.addItem(self.dots)
        self.setLabel("bottom", "valence")
        self.setLabel("left", "arousal")
        self.set_point_size(self.point_size)

    def set_labels(self, labels: tuple[str, ...]) -> None:
        self.labels, self.colors = tuple(labels), expression_colors(labels)
        self.dots.clear()

    def set_faces(self, faces, selected_id: int | None = None) -> None:
        """``faces``: FaceResults; those with valence/arousal become dots (the rest are left out)."""
        spots = []
        for face in faces:
            if face.valence_arousal is None or face.label not in self.labels:
                continue
            color = self.colors[self.labels.index(face.label)]
            selected = face.face_id == selected_id
            spots.append({"pos": np.clip(face.valence_arousal, -1, 1), "brush": pg.mkBrush(*color),
                          "size": self.dot_size * (1.5 if selected else 1.0),
                          "pen": pg.mkPen("w", width=3) if selected else pg.mkPen((20, 20, 20), width=1)})
        self.dots.setData(spots)

    @property
    def dot_size(self) -> float:
        return DOT_SIZE * self.point_size / base_point_size()

    def set_point_size(self, points: float, detail: float | None = None) -> None:
        """``points`` for the dots and corner words, ``detail`` (default: the same) for axes and title."""
        self.point_size, self.detail_size = points, points if detail is None else detail
        font = point_font(self.detail_size)
        for axis in ("bottom", "left"):
            self.getAxis(axis).setStyle(tickFont=font)
            self.getAxis(axis).label.setFont(font)
        for item in self.corner_texts:
            item.setFont(point_font(points * 0.9))
        self.setTitle(self.title, size=f"{self.detail_size * 1.1:.1f}pt")
