"""Presentation mode (F11) for a projector: what a back row can use, large; what it cannot, gone.

A back row 9 m from a 1.5 m screen reads letters of about 3% of the screen height (AVIXA: element height ≥
viewing distance / 200), 30+ px at 1080p. So the expression words (the bars' rows, the room chart's rows, the
labels on the faces) are sized from the screen's height (``EM_SHARE``), as large as the chart column allows for
the model's number of labels; titles, probability axes and the status line are front-row text (``DETAIL``).
The rolling graph (thin lines, 20 s) reads from the front row only: it hides, and the selected face's bars
and the room's shares share the column. The toolbar, menus, seek bar and capture panel hide; the window goes
full screen. Leaving puts back exactly what was there.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from desktop_app.ui.window.layout import settle

EM_SHARE = 0.042  # the words' font size (em) per screen height: 45 px at 1080 → words 33+ px high on screen
DETAIL = 0.55  # titles, axis numbers and the status line, relative to the words
CHARTS_SHARE = 0.45  # of the width, for the bars and the room chart
MIN_POINTS = 9.0  # never smaller than the window's normal text


def presentation_points(screen_height: int, dpi: float, chart_height: int, chart, labels: int) -> float:
    """The words' point size: ``EM_SHARE`` of the screen height, or less where ``labels`` rows and the chart's
    title and axis would not fit ``chart_height`` (nothing is cut at 1366×768 with eight labels)."""
    points = max(MIN_POINTS, screen_height * EM_SHARE * 72 / max(dpi, 1.0))
    while points > MIN_POINTS and chart.minimum_chart_height(points, points * DETAIL, labels) > chart_height:
        points -= 0.5
    return points


class PresentationMode:
    def __init__(self, window) -> None:
        self.window = window
        self.active = False
        self._saved: dict | None = None
        self.points = 0.0  # the words' size while presenting

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self) -> None:
        w = self.window
        charts = (w.bars, w.compare_bars, w.room, w.va_plane)
        self._saved = {"charts": [(c.point_size, c.detail_size) for c in charts],
                       "video": w.video.font_size, "status": QFont(w.status.font()),
                       "hidden": {x: x.isVisible() for x in (w.toolbar, w.tuning_bar, w.capture_dock,
                                                             w.menuBar(), w.seek_bar, w.graph)},
                       "room_visible": w.room.isVisible(), "sizes": w.side.sizes(), "split": w.splitter.sizes(),
                       "orientation": w.splitter.orientation(), "maximized": w.isMaximized()}
        self.active = True
        screen = w.screen()
        height, dpi = screen.geometry().height(), screen.logicalDotsPerInchY()
        status = QFont(w.status.font())
        chart_height = (height - 2 * status.pointSizeF() * dpi / 72 - 24) // 2  # two charts above the status
        self.points = presentation_points(height, dpi, int(chart_height), w.room, len(w.session.labels) or 7)
        for chart in charts:
            chart.set_point_size(self.points, self.points * DETAIL)
        w.video.font_size = self.points
        status.setPointSizeF(max(status.pointSizeF(), self.points * DETAIL * 0.8))
        w.status.setFont(status)
        for widget in self._saved["hidden"]:
            widget.hide()
        w.room.show()
        w.arrange(stacked=False)
        # bars and room chart share the column equally, with the room's valence–arousal plane for a model
        # that has it; the graph is hidden
        w.side.setSizes([1, 0, 1, 1 if w.va_plane.isVisible() else 0])
        width = screen.geometry().width()
        w.splitter.setSizes([int(width * (1 - CHARTS_SHARE)), int(width * CHARTS_SHARE)])
        w.showFullScreen()
        w.redraw_frame()

    def leave(self) -> None:
        w, saved = self.window, self._saved
        if saved is None:
            return
        self.active = False
        for chart, (points, detail) in zip((w.bars, w.compare_bars, w.room, w.va_plane), saved["charts"]):
            chart.set_point_size(points, detail)
        w.video.font_size = saved["video"]
        w.status.setFont(saved["status"])
        # Lay the small fonts out now: shown again while the layout still holds presentation's large minimum,
        # the toolbars and menus would stretch the window past the screen, and Qt, its full-screen window
        # resized, would forget it is full screen while the window manager keeps it so.
        settle(w)
        for widget, visible in saved["hidden"].items():
            widget.setVisible(visible)
        w.room.setVisible(saved["room_visible"])
        settle(w)  # the normal minimum size, or the window manager stretches the old size to a stale one
        w.showMaximized() if saved["maximized"] else w.showNormal()
        w.arrange(stacked=saved["orientation"] == Qt.Orientation.Vertical)
        w.side.setSizes(saved["sizes"])
        w.splitter.setSizes(saved["split"])
        self._saved = None
        w.redraw_frame()
