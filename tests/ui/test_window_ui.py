"""What a teacher and a student meet in the real window (offscreen, real worker, real pipeline)."""
from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage, QKeySequence, QPainter

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.core.label_placement import overlaps
from desktop_app.core.media.frame_sources import DEMO_FACE_REGION
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_store import SampleStore
from desktop_app.ui.window.main_window import MainWindow
from support.media import write_video


@pytest.fixture(scope="module")
def crowd_video(tmp_path_factory, astronaut):
    """Twelve real faces side by side (labels compete for room) and one larger face."""
    x0, y0, w0, h0 = DEMO_FACE_REGION
    face = astronaut[y0:y0 + h0, x0:x0 + w0]
    frame = np.full((480, 640, 3), 60, np.uint8)
    for (x, y), side in (((10, 120), 200), ((220, 40), 260), ((490, 120), 140)):
        frame[y:y + side, x:x + side] = cv2.resize(face, (side, side))
    return write_video(tmp_path_factory.mktemp("crowd") / "three.avi", [frame] * 40, fps=10)


@pytest.fixture
def make_window(qtbot, tmp_path):
    windows = []

    def make(source: str, detector: str = "short") -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("dataset", str(tmp_path / "dataset"))
        win = MainWindow(source, str(DEFAULT_MODEL), detector, settings=settings)
        qtbot.addWidget(win)
        win.show()
        windows.append(win)
        qtbot.waitUntil(lambda: win.session.result is not None and bool(win.session.result.faces), timeout=20000)
        return win

    yield make
    for win in windows:
        win.close()


def fonts_of(win: MainWindow) -> dict:
    return {"bars": (win.bars.point_size, win.bars.getAxis("left").style["tickFont"].pointSizeF(),
                     win.bars.detail_size, win.bars.getAxis("bottom").style["tickFont"].pointSizeF()),
            "compare_bars": (win.compare_bars.point_size,
                             win.compare_bars.getAxis("left").style["tickFont"].pointSizeF()),
            "room": (win.room.point_size, win.room.getAxis("left").style["tickFont"].pointSizeF(),
                     win.room.detail_size, win.room.getAxis("bottom").style["tickFont"].pointSizeF()),
            "graph": (win.graph.point_size, win.graph.plot_item.getAxis("left").style["tickFont"].pointSizeF(),
                      win.graph.legend.opts["labelTextSize"]),
            "video": win.video.font_size, "status": win.status.font().pointSizeF()}


def test_presentation_enlarges_the_words_drops_the_graph_and_restores_exactly(qtbot, make_window):
    win = make_window("demo")
    before = fonts_of(win)
    qtbot.keyClick(win, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: win.room.isVisible(), timeout=3000)
    during = fonts_of(win)
    words = win.presentation.points
    assert words >= 1.5 * before["bars"][0]  # the expression words grow ...
    for key in ("bars", "room"):
        assert during[key][:2] == (words, words) and during[key][2] == during[key][3] < words  # ... numbers less
    assert during["compare_bars"] == (words, words) and during["video"] == words  # and the labels on faces
    assert during["graph"] == before["graph"] and not win.graph.isVisible()  # the thin-line graph is gone
    hidden = (win.toolbar, win.tuning_bar, win.capture_dock, win.menuBar(), win.seek_bar)
    assert not any(w.isVisible() for w in hidden)
    qtbot.waitUntil(lambda: win.room.height() >= win.room.minimumHeight(), timeout=3000)
    assert win.room.minimumHeight() == win.room.minimum_chart_height()  # every row's word fits: nothing cut
    qtbot.waitUntil(lambda: win.session.room_shares().sum() > 0.99, timeout=3000)
    qtbot.keyClick(win, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not win.room.isVisible(), timeout=3000)
    assert fonts_of(win) == before
    assert win.toolbar.isVisible() and win.capture_dock.isVisible() and win.graph.isVisible()
    assert win.menuBar().isVisible() and win.tuning_bar.isVisible()


def test_probability_axes_end_at_one(make_window):
    win = make_window("demo")
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:
        for axis in (win.bars.getAxis("bottom"), win.graph.plot_item.getAxis("left")):
            drawn = [text for _rect, _flags, text in axis.generateDrawSpecs(painter)[2]]
            assert "0" in drawn and "1.0" in drawn  # drawn, not hidden as overflowing the plot
    finally:
        painter.end()


def test_one_colour_per_expression_in_bars_graph_and_boxes(make_window):
    win = make_window("demo")
    colors = expression_colors(win.session.labels)
    bars = [brush.color().getRgb()[:3] for brush in win.bars._bars.opts["brushes"]]
    curves = [curve.opts["pen"].color().getRgb()[:3] for curve in win.graph._curves]
    assert bars == curves == colors
    face = win.session.result.faces[0]
    rect, _text = win.video._boxes[0]
    assert rect.pen().color().getRgb()[:3] == colors[win.session.labels.index(face.label)]


def test_graph_legend_sits_outside_the_curves(qtbot, make_window):
    win = make_window("demo")
    win.resize(1300, 760)
    qtbot.waitUntil(lambda: win.graph.width() >= win.graph.LEGEND_MIN_WIDTH and win.graph.legend.isVisible(),
                    timeout=3000)
    qtbot.wait(100)  # the layout places the legend on its next pass
    plot_area = win.graph.plot_item.vb.sceneBoundingRect()
    legend = win.graph.legend.sceneBoundingRect()
    assert legend.width() > 0 and not plot_area.intersects(legend)
    text_height = sum(label.item.boundingRect().height() for _sample, label in win.graph.legend.items)
    assert legend.height() < 1.3 * text_height  # compact: names stay beside their colours, not spread out
    assert "color:#969696" in win.graph.plot_item.getAxis("bottom").label.toHtml()  # readable on black


def test_face_labels_do_not_overlap_when_crowded(qtbot, make_window, crowd_video):
    win = make_window(str(crowd_video), detector="full")
    qtbot.waitUntil(lambda: len(win.session.result.faces) == 3, timeout=10000)
    win.resize(700, 500)  # a small window: labels are large next to the faces
    qtbot.waitUntil(lambda: len(win.video.placed_labels) == 3, timeout=10000)
    rects = [rect for _id, _text, rect in win.video.placed_labels]
    assert not any(overlaps(a, b) for a, b in itertools.combinations(rects, 2))
    selected = next(text for fid, text, _ in win.video.placed_labels if fid == win.session.selected_id)
    assert selected.endswith("%")  # the selected face keeps its whole label
    win.pause_button.setChecked(True)
    qtbot.wait(200)
    height = win.video.placed_labels[0][2][3]  # in image units: the text keeps its size on screen
    win.resize(1200, 800)  # a larger view while paused: labels placed again for the new scale
    qtbot.waitUntil(lambda: win.video.placed_labels[0][2][3] < 0.8 * height, timeout=5000)


def test_ctrl_digit_saves_every_face_not_only_the_selected_one(qtbot, make_window, crowd_video, tmp_path):
    win = make_window(str(crowd_video), detector="full")
    qtbot.waitUntil(lambda: len(win.session.result.faces) == 3, timeout=10000)
    win.pause_button.setChecked(True)
    qtbot.wait(200)
    boxes = sorted(tuple(round(v) for v in face.box) for face in win.session.result.faces)
    qtbot.keyClick(win, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert win.capture.saved == 3
    win.capture.close_store()
    with SampleStore(tmp_path / "dataset") as store:
        samples = store.samples()
    assert [s.label for s in samples] == ["Happy"] * 3
    assert sorted(tuple(round(v) for v in s.box) for s in samples) == boxes  # each face once


def test_switching_source_selects_the_largest_face(qtbot, make_window, crowd_video):
    win = make_window("demo", detector="full")
    win.set_source(str(crowd_video))
    qtbot.waitUntil(lambda: win.session.result is not None and len(win.session.result.faces) == 3, timeout=10000)
    largest = max(win.session.result.faces, key=lambda f: f.box[2] * f.box[3])
    assert win.session.selected_id == largest.face_id


def test_file_graph_follows_media_time_through_pause_and_step(qtbot, make_window, crowd_video):
    win = make_window(str(crowd_video))  # 10 fps: points 0.1 s apart in media time
    qtbot.waitUntil(lambda: len(win.graph.history()[0]) >= 4, timeout=10000)
    win.pause_button.setChecked(True)
    frames_read = win.pump.state.frames_read
    qtbot.waitUntil(lambda: win.session.result.index == frames_read - 1, timeout=5000)
    kept = len(win.graph.history()[0])
    win.step()
    qtbot.waitUntil(lambda: len(win.graph.history()[0]) == kept + 1, timeout=5000)
    times, _ = win.graph.history()
    assert len(times) == kept + 1  # pausing kept the history
    gaps = np.diff(times) / 0.1  # media time: whole frame periods (a dropped frame leaves two)
    np.testing.assert_allclose(gaps, np.round(gaps), atol=1e-6)
    assert gaps[-1] == pytest.approx(1.0)  # the step lands one frame after the pause, whatever the wall clock did


def test_single_letter_keys_stay_in_dialogs_and_escape_closes_them(qtbot, make_window):
    win = make_window("demo")
    win.pause_button.setChecked(True)
    win.capture.capture(1)
    win.capture.open_gallery()
    gallery = win.capture._gallery
    qtbot.waitUntil(gallery.isActiveWindow, timeout=3000)
    gallery.target.setFocus()
    detector = win.detector_box.currentIndex()
    qtbot.keyClick(gallery.target, Qt.Key.Key_D)  # choose Disgust by typing, as a user does
    assert gallery.target.currentText() == "Disgust"
    assert win.detector_box.currentIndex() == detector  # the window's D did not fire
    qtbot.keyClick(gallery, Qt.Key.Key_Escape)
    assert not gallery.isVisible()
    win.inspect_selected()
    inspector = win.inspector
    table = inspector.table
    assert table.verticalScrollBar().maximum() == 0  # every row in view
    assert table.rowCount() == len(win.session.labels)
    qtbot.keyClick(inspector, Qt.Key.Key_Escape)
    assert not inspector.isVisible()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)
    qtbot.keyClick(win, Qt.Key.Key_F1)
    assert win.help.isVisible()
    qtbot.keyClick(win, Qt.Key.Key_Escape)
    assert not win.help.isVisible() and not win.presenting


def test_misclassification_table_follows_a_gallery_relabel(qtbot, make_window):
    win = make_window("demo")
    win.pause_button.setChecked(True)
    win.capture.wrong.setChecked(True)
    win.capture.capture(2)  # Sad, marked as a wrong "happy"
    table = win.capture.table
    assert [table.item(0, c).text() for c in range(3)] == ["happy", "Sad", "1"]
    count_column = table.horizontalHeader().sectionViewportPosition(2) + table.columnWidth(2)
    assert table.columnWidth(2) > 0 and count_column <= table.viewport().width()
    win.capture.open_gallery()
    gallery = win.capture._gallery
    gallery.list.item(0).setSelected(True)
    gallery.target.setCurrentText("Fear")
    gallery.relabel_selected()
    assert [table.item(0, c).text() for c in range(3)] == ["happy", "Fear", "1"]
    gallery.list.item(0).setSelected(True)
    gallery.target.setCurrentText("Happy")  # agrees with the model: no longer a misclassification
    gallery.relabel_selected()
    assert table.rowCount() == 0


def test_every_key_in_the_table_is_bound_once_and_the_help_lists_it(make_window):
    from desktop_app.ui.window.shortcuts import LABEL_KEYS, SHORTCUTS

    win = make_window("demo")
    bound = [action.shortcut().toString() for action in win.actions() if not action.shortcut().isEmpty()]
    wanted = [QKeySequence(key).toString() for s in SHORTCUTS for key in s.keys]
    assert sorted(bound) == sorted(wanted) and len(set(bound)) == len(bound)
    assert all(QKeySequence(str(d)).toString() in bound for d in range(LABEL_KEYS))
    help_text = win.help.text()
    assert all(s.description in help_text for s in SHORTCUTS)
    assert "0 … 7" in help_text and "Ctrl+0 … 7" in help_text  # AffectNet's eight labels: keys 0–7, not 0–9
    win.capture.label_set.setCurrentIndex(win.capture.label_set.findData("model"))
    assert "0 … 6" in win.help.text()  # the bundled model's seven labels
    assert win.capture.capture(8) == 0 and "key 8 saves nothing" in win.banner_text.text()
    assert "0–6" in win.capture.status.text()


def test_digits_typed_into_the_burst_count_stay_there(qtbot, make_window):
    win = make_window("demo")
    win.pause_button.setChecked(True)
    box = win.capture.burst_count
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=3000)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "25")
    assert box.value() == 25 and win.capture.saved == 0  # no label key fired


def test_closing_in_presentation_mode_remembers_the_normal_window(qtbot, make_window, tmp_path):
    win = make_window("demo")
    sizes = win.splitter.sizes()
    win.toggle_presentation()
    qtbot.waitUntil(lambda: not win.toolbar.isVisible(), timeout=3000)
    win.close()
    again = make_window("demo")  # same settings file
    assert again.toolbar.isVisible() and again.capture_dock.isVisible() and not again.room.isVisible()
    assert again.splitter.sizes() == pytest.approx(sizes, abs=2)
