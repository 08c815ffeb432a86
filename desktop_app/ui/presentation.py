"""Presentation mode (F11) for a projector: every text the window draws grows by one factor (bars, a compared
model's bars, room chart, graph axes and legend, face labels, status line), the toolbar and the capture panel hide,
the room chart shows, the window goes full screen. Leaving puts back exactly what was there."""
from __future__ import annotations

from PySide6.QtGui import QFont

SCALE = 1.8  # legible from the back of a classroom; at 2.0 seven bar labels collide on a 1280×800 screen
SIDE_SHARES = (0.33, 0.34, 0.33)  # of the chart column's height: bars, graph (with its legend), room chart
PLANE_SHARES = (0.25, 0.2, 0.25, 0.3)  # the same with the room's valence–arousal plane (a model with them)
CHARTS_SHARE = 0.45  # of the width, for the charts at twice their text size


class PresentationMode:
    def __init__(self, window) -> None:
        self.window = window
        self.active = False
        self._saved: dict | None = None

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self) -> None:
        w = self.window
        self._saved = {"bars": w.bars.point_size, "compare_bars": w.compare_bars.point_size,
                       "room": w.room.point_size, "graph": w.graph.point_size, "plane": w.va_plane.point_size,
                       "video": w.video.font_size, "status": QFont(w.status.font()),
                       "toolbar": w.toolbar.isVisible(), "dock": w.capture_dock.isVisible(),
                       "room_visible": w.room.isVisible(), "sizes": w.side.sizes(), "split": w.splitter.sizes(),
                       "maximized": w.isMaximized()}
        self.active = True
        for chart in (w.bars, w.compare_bars, w.room, w.graph, w.va_plane):
            chart.set_point_size(chart.point_size * SCALE)
        w.video.font_size *= SCALE
        status = QFont(w.status.font())
        status.setPointSizeF(status.pointSizeF() * SCALE)
        w.status.setFont(status)
        w.toolbar.hide()
        w.capture_dock.hide()
        w.room.show()
        height, width = max(w.side.height(), 3), max(sum(w.splitter.sizes()), 2)
        shares = PLANE_SHARES if w.va_plane.isVisible() else (*SIDE_SHARES, 0.0)  # + the valence–arousal plane
        w.side.setSizes([int(height * share) for share in shares])  # bars, graph, room chart
        w.splitter.setSizes([int(width * (1 - CHARTS_SHARE)), int(width * CHARTS_SHARE)])  # large text needs room
        w.showFullScreen()
        w.redraw_frame()

    def leave(self) -> None:
        w, saved = self.window, self._saved
        if saved is None:
            return
        self.active = False
        w.bars.set_point_size(saved["bars"])
        w.compare_bars.set_point_size(saved["compare_bars"])
        w.room.set_point_size(saved["room"])
        w.graph.set_point_size(saved["graph"])
        w.va_plane.set_point_size(saved["plane"])
        w.video.font_size = saved["video"]
        w.status.setFont(saved["status"])
        w.toolbar.setVisible(saved["toolbar"])
        w.capture_dock.setVisible(saved["dock"])
        w.room.setVisible(saved["room_visible"])
        w.showMaximized() if saved["maximized"] else w.showNormal()
        w.side.setSizes(saved["sizes"])
        w.splitter.setSizes(saved["split"])
        self._saved = None
        w.redraw_frame()
