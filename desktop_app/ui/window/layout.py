"""The window's layout and how it fits the screen: the video (over its seek bar) beside a column of charts,
or the charts under the video when the window is narrower than ``STACK_WIDTH``; the tuning sliders wrap
to a second toolbar row; a first window fits the screen's available area, title bar and taskbar included.
Charts keep minimum sizes, so a narrow window stays legible."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QSizePolicy, QSplitter, QVBoxLayout, QWidget

FIRST_SIZE = QSize(1280, 760)  # a first window, where the screen has room for it
FRAME_ALLOWANCE = QSize(16, 40)  # a window manager's borders, title bar included, until the real ones are known
TITLE_ALLOWANCE = 30  # of which the title bar, above the window's client area
STACK_WIDTH = 560  # a central area narrower than this puts the charts under the video


def side_by_side(widgets: tuple[QWidget, ...]) -> QWidget:
    """Columns that share the width, never clipped (the selected face's bars and the new model's)."""
    row_widget = QWidget()
    row = QHBoxLayout(row_widget)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(2)
    for widget in widgets:
        widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(widget)
    return row_widget


def video_and_charts(video: QWidget, seek_bar: QWidget, charts: tuple[QWidget, ...]) -> tuple[QSplitter, QSplitter]:
    """(splitter, side): the video over its seek bar, beside ``side``, the charts in a column."""
    side = QSplitter(Qt.Orientation.Vertical)
    side.setChildrenCollapsible(False)
    for chart in charts:
        side.addWidget(chart)
    video_column = QWidget()
    column = QVBoxLayout(video_column)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(video, 1)
    column.addWidget(seek_bar)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(video_column)
    splitter.addWidget(side)
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    return splitter, side


def arrange(window: QMainWindow, stacked: bool | None = None) -> None:
    """Charts beside the video, or under it when the window is narrow (``stacked`` None: decide by width)."""
    splitter, side = window.splitter, window.side
    if stacked is None:
        stacked = window.centralWidget().width() < STACK_WIDTH
    if stacked == (splitter.orientation() == Qt.Orientation.Vertical):
        return  # as it is (a restored layout keeps its sizes)
    splitter.setOrientation(Qt.Orientation.Vertical if stacked else Qt.Orientation.Horizontal)
    side.setOrientation(Qt.Orientation.Horizontal if stacked else Qt.Orientation.Vertical)
    shown = [not w.isHidden() for w in (side.widget(i) for i in range(side.count()))]
    side.setSizes([1000 if visible else 0 for visible in shown])  # the charts share the new direction
    total = max(sum(splitter.sizes()), 2)
    splitter.setSizes([int(total * 0.55), int(total * 0.45)] if stacked else [total * 3 // 5, total * 2 // 5])


def wrap_toolbars(window: QMainWindow) -> None:
    """One toolbar row when both fit the width, else the tuning sliders on a second row."""
    needed = window.toolbar.sizeHint().width() + window.tuning_bar.sizeHint().width() + 8
    wrap = needed > window.width()
    if wrap != window.toolBarBreak(window.tuning_bar):
        if wrap:
            window.insertToolBarBreak(window.tuning_bar)
        else:
            window.removeToolBarBreak(window.tuning_bar)


def fit_to_screen(window: QMainWindow) -> None:
    """Shrink and move the window so its frame (title bar included) lies within the screen's available
    area (a taskbar excluded)."""
    available, frame = window.screen().availableGeometry(), window.frameGeometry()
    extra_w, extra_h = frame.width() - window.width(), frame.height() - window.height()
    width = min(window.width(), available.width() - extra_w)
    height = min(window.height(), available.height() - extra_h)
    window.resize(width, height)
    x = min(max(frame.x(), available.x()), available.right() + 1 - (width + extra_w))
    y = min(max(frame.y(), available.y()), available.bottom() + 1 - (height + extra_h))
    window.move(x, y)


def first_geometry(available: QRect) -> QRect:
    """A first window: ``FIRST_SIZE`` where it fits, else the available area less a window manager's frame,
    centred horizontally at the top of the area."""
    width = min(FIRST_SIZE.width(), available.width() - FRAME_ALLOWANCE.width())
    height = min(FIRST_SIZE.height(), available.height() - FRAME_ALLOWANCE.height())
    x = available.x() + (available.width() - width) // 2
    return QRect(x, available.y() + TITLE_ALLOWANCE, width, height)


def settle(window: QMainWindow) -> None:
    """Lay the window out now for the fonts and visibility just changed, so its minimum size is the current
    layout's. Left to the event loop, the change climbs one level of nesting per turn (chart, splitter, central
    widget, window), and a window manager asked meanwhile for a smaller size grows the window to the stale,
    larger minimum (presentation mode's big charts)."""
    for widget in reversed(window.findChildren(QWidget)):  # children before their parents
        widget.updateGeometry()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # what sizes itself then: the status bar
    window.layout().activate()
