"""The rolling probability graph: each label's probability over the last seconds, from ring buffers."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.ui.charts.chart_text import PROBABILITY_TICKS, TEXT_COLOR, base_point_size, end_tick_room, point_font


class RollingGraph(pg.GraphicsLayoutWidget):
    """Each label's probability over the last ``seconds``, from fixed-size ring buffers. The legend sits
    in its own column to the right of the plot, never over the curves; a graph narrower than
    ``LEGEND_MIN_WIDTH`` drops it (the bars beside it name the same colours) rather than squeeze the curves."""

    LEGEND_MIN_WIDTH = 360

    def __init__(self, seconds: float = 20.0, capacity: int = 2400, parent=None) -> None:
        super().__init__(parent)
        self.seconds = seconds
        self.capacity = capacity
        self.plot_item = self.addPlot(row=0, col=0)
        self.plot_item.setMouseEnabled(False, False)
        self.plot_item.hideButtons()
        self.plot_item.setYRange(0, 1, padding=0.02)
        self.plot_item.getAxis("left").setTicks(PROBABILITY_TICKS)
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
        end_tick_room(self.plot_item.getAxis("left"), font)
        top = int(QFontMetricsF(font).height() / 2) + 2  # half a line: room for "1.0" at the top
        self.plot_item.layout.setContentsMargins(2, top, 2, 2)
        self.plot_item.setLabel("bottom", "seconds ago", **{"font-size": f"{points:.1f}pt", "color": TEXT_COLOR})
        self.legend.setLabelTextSize(f"{points:.1f}pt")
        for _sample, label in self.legend.items:  # setLabelTextSize leaves drawn labels as they were
            label.setText(label.text)
        self._fit_legend()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "legend", None) is not None:  # (Qt resizes it once before __init__ has made it)
            self.show_legend(self.width() >= self.LEGEND_MIN_WIDTH)

    def show_legend(self, show: bool) -> None:
        if show == (self.legend.scene() is not None and self.legend.isVisible()):
            return
        if show:
            self.addItem(self.legend, row=0, col=1)
            self.ci.layout.setAlignment(self.legend, Qt.AlignmentFlag.AlignTop)
            self.legend.show()
        else:
            self.ci.removeItem(self.legend)
            self.legend.hide()

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
