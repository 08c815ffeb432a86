"""Confidence bars, the rolling probability graph and the room chart (pyqtgraph)."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

PALETTE = [(228, 26, 28), (55, 126, 184), (77, 175, 74), (152, 78, 163), (255, 127, 0),
           (200, 200, 51), (166, 86, 40), (247, 129, 191), (153, 153, 153), (0, 200, 200)]


def label_color(i: int) -> tuple[int, int, int]:
    return PALETTE[i % len(PALETTE)]


class LabelBars(pg.PlotWidget):
    """One horizontal bar per label, in the model's label order."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setTitle(title)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setXRange(0, 1, padding=0.02)
        self.showGrid(x=True, alpha=0.3)
        self.labels: tuple[str, ...] = ()
        self.values = np.zeros(0)
        self._bars: pg.BarGraphItem | None = None

    def set_labels(self, labels: tuple[str, ...]) -> None:
        self.labels = tuple(labels)
        self.values = np.zeros(len(labels))
        if self._bars is not None:
            self.removeItem(self._bars)
        n = len(labels)
        self._bars = pg.BarGraphItem(x0=np.zeros(n), y=np.arange(n), height=0.7, width=self.values,
                                     brushes=[pg.mkBrush(label_color(i)) for i in range(n)])
        self.addItem(self._bars)
        axis = self.getAxis("left")
        axis.setTicks([[(i, name) for i, name in enumerate(labels)]])
        self.setYRange(-0.5, n - 0.5, padding=0.02)
        self.getViewBox().invertY(True)

    def set_values(self, values: np.ndarray | None) -> None:
        self.values = np.zeros(len(self.labels)) if values is None else np.asarray(values, float)
        if self._bars is not None:
            self._bars.setOpts(width=self.values)

    def set_font_size(self, points: int) -> None:
        font = pg.QtGui.QFont()
        font.setPointSize(points)
        self.getAxis("left").setStyle(tickFont=font)
        self.getAxis("bottom").setStyle(tickFont=font)


class RollingGraph(pg.PlotWidget):
    """Each label's probability over the last ``seconds``, from fixed-size ring buffers."""

    def __init__(self, seconds: float = 20.0, capacity: int = 2400, parent=None) -> None:
        super().__init__(parent)
        self.seconds = seconds
        self.capacity = capacity
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.setYRange(0, 1, padding=0.02)
        self.setLabel("bottom", "seconds ago")
        self.legend = self.addLegend(offset=(5, 5), labelTextSize="8pt")
        self.labels: tuple[str, ...] = ()
        self._curves: list[pg.PlotDataItem] = []
        self._t = np.zeros(capacity)
        self._p = np.zeros((capacity, 0))
        self._count = 0
        self._head = 0

    def set_labels(self, labels: tuple[str, ...]) -> None:
        for curve in self._curves:
            self.removeItem(curve)
        self.legend.clear()
        self.labels = tuple(labels)
        self._curves = [self.plot(pen=pg.mkPen(label_color(i), width=2), name=name)
                        for i, name in enumerate(labels)]
        self._p = np.zeros((self.capacity, len(labels)))
        self.clear_history()

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
        self.setXRange(-self.seconds, 0, padding=0)
