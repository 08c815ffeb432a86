"""Confidence bars, the rolling probability graph and the room chart (pyqtgraph).

Every text they draw (title, axis ticks, axis labels, legend) is sized from point sizes set explicitly at
construction, so presentation mode can scale all of it and restore it exactly. The bars draw the expression
words (their rows) at one size and the title and the probability axis at a second, ``detail`` size, so
presentation mode can make the words a back row must read large without giving the numbers the same room.
Probability axes end at 1.0, with the "1.0" drawn.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication

from desktop_app.core.expression.expression_colors import expression_colors

TEXT_COLOR = "#969696"  # pyqtgraph's default foreground; an axis label styled by hand must name it
PROBABILITY_TICKS = [[(0.0, "0"), (0.5, "0.5"), (1.0, "1.0")], [(0.25, "0.25"), (0.75, "0.75")]]
MIN_ROW_EMS = 1.05  # a bar's row at least this many line heights of its word: names never overlap


def base_point_size() -> float:
    app = QApplication.instance()
    size = app.font().pointSizeF() if app is not None else 9.0
    return size if size > 0 else 9.0


def point_font(points: float) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    return font


def end_tick_room(axis: pg.AxisItem, font: QFont, text: str = "1.0") -> int:
    """Let the last tick's text ("1.0") run past the axis end by half its width and return that width, so
    the plot can keep as much margin free (pyqtgraph otherwise hides a label that overflows)."""
    half = int(QFontMetricsF(font).horizontalAdvance(text) / 2) + 4
    axis.setStyle(hideOverlappingLabels=half)
    return half


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
