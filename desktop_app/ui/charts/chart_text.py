"""What every chart writes with: point sizes set explicitly (so presentation mode can scale them and
restore them exactly), the probability axis's ticks, and room for its last tick's text."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QApplication

TEXT_COLOR = "#969696"  # pyqtgraph's default foreground; an axis label styled by hand must name it
PROBABILITY_TICKS = [[(0.0, "0"), (0.5, "0.5"), (1.0, "1.0")], [(0.25, "0.25"), (0.75, "0.75")]]


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
