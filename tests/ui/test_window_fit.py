"""The window fits the screen it opens on and stays legible when narrow (offscreen Qt: an 800×800 screen)."""
from __future__ import annotations

import json

import cv2
import pytest
from PySide6.QtCore import QRect, QSettings, Qt

from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.ui.window.layout import first_geometry
from desktop_app.ui.window.main_window import MainWindow
from support.media import write_video


@pytest.fixture
def settings(tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("dataset", str(tmp_path / "dataset"))
    return settings


@pytest.fixture
def open_window(qtbot, settings):
    windows = []

    def make(source: str = "demo") -> MainWindow:
        win = MainWindow(source, str(DEFAULT_MODEL), "short", settings=settings)
        qtbot.addWidget(win)
        win.show()
        windows.append(win)
        qtbot.waitUntil(lambda: win.session.result is not None, timeout=20000)
        return win

    yield make
    for win in windows:
        win.close()


@pytest.mark.parametrize("screen", [QRect(0, 0, 1366, 768 - 40), QRect(0, 0, 910, 535), QRect(0, 24, 800, 476)])
def test_a_first_window_leaves_room_for_the_title_bar_and_taskbar(screen):
    window = first_geometry(screen)
    assert window.width() <= 1280 and window.height() <= 760
    assert window.left() >= screen.left() and window.right() <= screen.right()
    assert window.top() >= screen.top() + 20 and window.bottom() <= screen.bottom()  # title bar above, status in


def test_the_first_window_fits_the_screens_available_area(qtbot, open_window):
    win = open_window()
    available = win.screen().availableGeometry()
    qtbot.waitUntil(lambda: available.contains(win.frameGeometry()), timeout=3000)
    assert win.status.isVisible() and win.statusBar().geometry().bottom() < win.height()


def test_a_long_status_line_never_widens_the_window(qtbot, open_window):
    """auto's activity ("room, tiles 28/40, every 2nd frame") makes a long status line: it is cut
    at the window's edge, never a reason for the window to be wider than the screen."""
    win = open_window()
    available = win.screen().availableGeometry()
    win.status.setText("   ".join(["processed 30 fps", "ms detect 12.3 crop 1.2 classify 4.5 track 0.4",
                                   "faces 4", "detector auto: room, tiles 28/40, every 2nd frame"] * 2))
    assert win.status.sizeHint().width() > available.width()
    assert win.minimumSizeHint().width() <= available.width()
    win.resize(available.width() - 40, 600)
    qtbot.waitUntil(lambda: win.width() <= available.width(), timeout=3000)


def test_a_narrow_window_stacks_the_charts_and_keeps_them_legible(qtbot, open_window):
    win = open_window()
    win.capture_dock.hide()
    win.resize(1300, 700)
    qtbot.waitUntil(lambda: win.splitter.orientation() == Qt.Orientation.Horizontal, timeout=3000)
    assert not win.toolBarBreak(win.tuning_bar)  # one toolbar row fits
    win.resize(520, 500)
    qtbot.waitUntil(lambda: win.splitter.orientation() == Qt.Orientation.Vertical, timeout=3000)
    assert win.side.orientation() == Qt.Orientation.Horizontal  # bars beside the graph, under the video
    assert win.toolBarBreak(win.tuning_bar)  # the sliders wrapped to a second row, none hidden
    qtbot.waitUntil(lambda: win.graph.width() >= win.graph.minimumWidth() > 0, timeout=3000)
    assert win.bars.height() >= win.bars.minimum_chart_height()  # every label's row
    assert win.bars.width() >= 180 and win.graph.width() >= 200  # side by side, neither squeezed out
    assert not win.graph.legend.isVisible()  # a narrow graph keeps its curves; the bars name the colours
    assert win.graph.plot_item.vb.sceneBoundingRect().width() > 120


def test_recent_files_are_offered_again(qtbot, open_window, tmp_path, astronaut):
    first = tmp_path / "first.png"
    cv2.imwrite(str(first), astronaut)
    clip = write_video(tmp_path / "clip.avi", [astronaut] * 3)
    win = open_window()
    win.set_source(str(first))
    win.set_source(str(clip))
    win.set_source("demo")
    recent = [a.text() for a in win.recent_menu.actions()]
    assert recent == [str(clip), str(first)]  # newest first; the demo is not a file
    box = [win.source_box.itemData(i) for i in range(win.source_box.count())]
    assert str(clip) in box and str(first) in box
    win.close()
    again = open_window()  # the same settings: remembered
    assert [a.text() for a in again.recent_menu.actions()] == [str(clip), str(first)]
    assert json.loads(again.settings.value("recent_sources")) == [str(clip), str(first)]


def test_status_counts_drops_per_source_and_a_still_image_has_no_frame_rate(qtbot, open_window, tmp_path, astronaut):
    image = tmp_path / "still.png"
    cv2.imwrite(str(image), astronaut)
    win = open_window()
    qtbot.waitUntil(lambda: win.slot.dropped + win.worker.skipped_results > 0, timeout=10000)
    win.set_source(str(image))
    qtbot.waitUntil(lambda: win.session.result is not None and win.pump.source is not None, timeout=10000)
    win._update_status()
    text = win.status.text()
    assert "still image" in text and "fps" not in text.split("processed")[0]
    assert "dropped 0" in text  # the demo's drops stay with the demo
