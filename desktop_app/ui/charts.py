"""Confidence bars, the rolling probability graph and the room chart (pyqtgraph).

Every text they draw (title, axis ticks, axis labels, legend) is sized from one point size, set
explicitly at construction, so presentation mode can scale all of it and restore it exactly.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from desktop_app.core.expression.expression_colors import expression_colors

TEXT_COLOR = "#969696"  # pyqtgraph's default foreground; an axis label styled by hand must name it


def base_point_size() -> float:
    app = QApplication.instance()
    size = app.font().pointSizeF() if app is not None else 9.0
    return size if size > 0 else 9.0


def point_font(points: float) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    return font


class LabelBars(pg.PlotWidget):
    """One horizontal bar per label, in the model's label order, each in its expression's colour."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.title = title
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setXRange(0, 1, padding=0.02)
        self.showGrid(x=True, alpha=0.3)
        self.labels: tuple[str, ...] = ()
        self.values = np.zeros(0)
        self._bars: pg.BarGraphItem | None = None
        self.point_size = 0.0
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

    def set_title(self, title: str) -> None:
        self.title = title
        self.setTitle(self.title, size=f"{self.point_size * 1.1:.1f}pt")

    def set_values(self, values: np.ndarray | None) -> None:
        self.values = np.zeros(len(self.labels)) if values is None else np.asarray(values, float)
        if self._bars is not None:
            self._bars.setOpts(width=self.values)

    def set_point_size(self, points: float) -> None:
        """Size of every text in the chart (presentation mode scales it)."""
        self.point_size = points
        font = point_font(points)
        for name in ("left", "bottom"):
            self.getAxis(name).setStyle(tickFont=font)
        self.setTitle(self.title, size=f"{points * 1.1:.1f}pt")


class RollingGraph(pg.GraphicsLayoutWidget):
    """Each label's probability over the last ``seconds``, from fixed-size ring buffers. The legend sits
    in its own column to the right of the plot, never over the curves."""

    def __init__(self, seconds: float = 20.0, capacity: int = 2400, parent=None) -> None:
        super().__init__(parent)
        self.seconds = seconds
        self.capacity = capacity
        self.plot_item = self.addPlot(row=0, col=0)
        self.plot_item.setMouseEnabled(False, False)
        self.plot_item.hideButtons()
        self.plot_item.setYRange(0, 1, padding=0.02)
        self.plot_item.setXRange(-seconds, 0, padding=0)
        self.legend = pg.LegendItem(verSpacing=-4)
        self.addItem(self.legend, row=0, col=1)
        self.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
        self.labels: tuple[str, ...] = ()
        self._curves: list[pg.PlotDataItem] = []
        self._t = np.zeros(capacity)
        self._p = np.zeros((capacity, 0))
        self._count = 0
        self._head = 0
        self.point_size = 0.0
        self.set_point_size(base_point_size())

    def set_labels(self, labels: tuple[str, ...]) -> None:
        for curve in self._curves:
            self.plot_item.removeItem(curve)
        self.legend.clear()
        self.labels = tuple(labels)
        self._curves = [self.plot_item.plot(pen=pg.mkPen(color, width=2))
                        for color in expression_colors(self.labels)]
        for curve, name in zip(self._curves, self.labels):
            self.legend.addItem(curve, name)
        self._fit_legend()
        self._p = np.zeros((self.capacity, len(labels)))
        self.clear_history()

    def set_point_size(self, points: float) -> None:
        """Size of every text in the graph: axis ticks, the axis label and the legend."""
        self.point_size = points
        font = point_font(points)
        for name in ("left", "bottom"):
            self.plot_item.getAxis(name).setStyle(tickFont=font)
        self.plot_item.setLabel("bottom", "seconds ago", **{"font-size": f"{points:.1f}pt", "color": TEXT_COLOR})
        self.legend.setLabelTextSize(f"{points:.1f}pt")
        for _sample, label in self.legend.items:  # setLabelTextSize leaves drawn labels as they were
            label.setText(label.text)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """Keep the legend as tall as its entries, at the top of its column (a stretched legend spreads
        its names away from their colour samples)."""
        layout = self.legend.layout
        layout.activate()
        height = sum(max((layout.itemAt(r, c).preferredHeight() for c in range(layout.columnCount())
                          if layout.itemAt(r, c) is not None), default=0) for r in range(layout.rowCount()))
        self.legend.setMaximumHeight(height + 10)

    def clear_history(self) -> None:
        self._count = self._head = 0

    def append(self, t: float, probabilities: np.ndarray) -> None:
        self._t[self._head] = t
        self._p[self._head] = probabilities
        self._head = (self._head + 1) % self.capacity
        self._count = min(self._count + 1, self.capacity)

    def history(self) -> tuple[np.ndarray, np.ndarray]:
        """(times, probabilities) of the points within the window, oldest first."""
        idx = (self._head - self._count + np.arange(self._count)) % self.capacity
        t, p = self._t[idx], self._p[idx]
        if len(t):
            keep = t >= t[-1] - self.seconds
            t, p = t[keep], p[keep]
        return t, p

    def redraw(self) -> None:
        t, p = self.history()
        x = t - t[-1] if len(t) else t
        for i, curve in enumerate(self._curves):
            curve.setData(x, p[:, i])
        self.plot_item.setXRange(-self.seconds, 0, padding=0)
