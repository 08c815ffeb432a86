"""Confidence bars: one horizontal bar per label, the selected face's (and, in presentation mode, the room's).

Every text they draw is sized from point sizes set explicitly at construction, so presentation mode can scale
all of it and restore it exactly. The words (their rows) use one size and the title and the probability axis a
second, ``detail`` size, so presentation mode can make the words a back row must read large without giving the
numbers the same room. Probability axes end at 1.0, with the "1.0" drawn.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.ui.charts.chart_text import PROBABILITY_TICKS, base_point_size, end_tick_room, point_font

MIN_ROW_EMS = 1.05  # a bar's row at least this many line heights of its word: names never overlap


class LabelBars(pg.PlotWidget):
    """One horizontal bar per label, in the model's label order, each in its expression's colour."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.title = title
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setXRange(0, 1, padding=0)
        for x in (0.25, 0.5, 0.75, 1.0):  # grid lines of our own: an axis grid would hide the "1.0" tick
            self.addItem(pg.InfiniteLine(x, angle=90, pen=pg.mkPen(150, 150, 150, 80)))
        self.labels: tuple[str, ...] = ()
        self.values = np.zeros(0)
        self._bars: pg.BarGraphItem | None = None
        self.getAxis("bottom").setTicks(PROBABILITY_TICKS)
        self.point_size = self.detail_size = 0.0
        self.set_point_size(base_point_size())

    def set_labels(self, labels: tuple[str, ...]) -> None:
        self.labels = tuple(labels)
        self.values = np.zeros(len(labels))
        if self._bars is not None:
            self.removeItem(self._bars)
        n = len(labels)
        self._bars = pg.BarGraphItem(x0=np.zeros(n), y=np.arange(n), height=0.7, width=self.values,
                                     brushes=[pg.mkBrush(c) for c in expression_colors(self.labels)])
        self.addItem(self._bars)
        self.getAxis("left").setTicks([[(i, name) for i, name in enumerate(labels)]])
        self.setYRange(-0.5, n - 0.5, padding=0.02)
        self.getViewBox().invertY(True)
        self._fit_minimum_height()

    def set_title(self, title: str) -> None:
        self.title = title
        self.setTitle(self.title, size=f"{self.detail_size * 1.1:.1f}pt")

    def set_values(self, values: np.ndarray | None) -> None:
        self.values = np.zeros(len(self.labels)) if values is None else np.asarray(values, float)
        if self._bars is not None:
            self._bars.setOpts(width=self.values)

    def set_point_size(self, points: float, detail: float | None = None) -> None:
        """Size of the expression words (``points``) and of the title and probability axis (``detail``,
        the same unless given); presentation mode sets both."""
        detail = points if detail is None else detail
        self.point_size, self.detail_size = points, detail
        self.getAxis("left").setStyle(tickFont=point_font(points))
        bottom = self.getAxis("bottom")
        bottom.setStyle(tickFont=point_font(detail))
        room = end_tick_room(bottom, point_font(detail))
        self.getPlotItem().layout.setContentsMargins(2, 2, room, 2)
        self.setTitle(self.title, size=f"{detail * 1.1:.1f}pt")
        self._fit_minimum_height()

    def minimum_chart_height(self, points: float | None = None, detail: float | None = None,
                             labels: int | None = None) -> int:
        """Height that shows every row's word without overlap, plus the title and the axis."""
        word = QFontMetricsF(point_font(self.point_size if points is None else points)).height()
        small = QFontMetricsF(point_font(self.detail_size if detail is None else detail)).height()
        rows = len(self.labels) if labels is None else labels
        return int(max(rows, 1) * word * MIN_ROW_EMS + 2.6 * small + 16)

    def _fit_minimum_height(self) -> None:
        self.setMinimumHeight(self.minimum_chart_height())
