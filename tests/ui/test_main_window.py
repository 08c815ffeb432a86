"""The real window, offscreen: real worker thread, real pipeline, a video the test writes."""
from __future__ import annotations

import shutil
import time

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from desktop_app.core.expression.model_spec import load_spec, spec_path_for
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import ExpressionPipeline
from desktop_app.ui.window.main_window import MainWindow
from support.media import write_video


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture(scope="module")
def face_video(tmp_path_factory, astronaut):
    frames = []
    for i in range(60):
        frame = np.full((480, 640, 3), 60, np.uint8)
        x = 60 + 2 * i
        frame[20:460, x:x + 440] = cv2.resize(astronaut, (440, 440))
        frames.append(frame)
    return write_video(tmp_path_factory.mktemp("ui") / "face.avi", frames)


@pytest.fixture
def window(qtbot, settings, face_video):
    win = MainWindow(str(face_video), str(DEFAULT_MODEL), "short", settings=settings)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def wait_results(qtbot, win, count: int) -> list:
    results = []
    win.worker.result_ready.connect(lambda frame, result: results.append((frame, result)))
    qtbot.waitUntil(lambda: len(results) >= count, timeout=20000)
    return results


def test_bars_graph_and_status_follow_the_core(qtbot, window):
    wait_results(qtbot, window, 10)
    qtbot.waitUntil(lambda: window.session.result is not None and bool(window.session.result.faces), timeout=5000)
    frame, result = window.session.frame, window.session.result
    face = next(f for f in result.faces if f.face_id == window.session.selected_id)
    np.testing.assert_allclose(window.bars.values, face.probabilities)
    assert window.bars.labels == load_spec(DEFAULT_MODEL).labels
    # The core alone, on the frame the window showed, agrees (no smoothing: first frame of a track).
    with ExpressionPipeline(DEFAULT_MODEL, smoothing=0.0) as core:
        alone = core.process(frame)
    assert alone.faces[0].label == face.label == "happy"
    times, probs = window.graph.history()
    assert len(times) >= 5 and probs.shape[1] == len(window.session.labels)
    window._update_status()
    assert "fps" in window.status.text() and "faces 1" in window.status.text()
    assert "detector short" in window.status.text()  # what the detector is doing (auto: close-up, room)


def test_switch_detector_model_and_source_while_running(qtbot, window, tmp_path):
    wait_results(qtbot, window, 3)
    window.detector_box.setCurrentIndex(window.detector_box.findData("full"))
    qtbot.waitUntil(lambda: window.worker.settings.detector == "full", timeout=10000)
    wait_results(qtbot, window, 3)
    model = tmp_path / "copy.tflite"
    shutil.copy(DEFAULT_MODEL, model)
    shutil.copy(spec_path_for(DEFAULT_MODEL), spec_path_for(model))
    seen_at_emit = []  # a direct connection runs in the worker thread, at the moment of emission
    window.worker.model_loaded.connect(
        lambda spec, path: seen_at_emit.append((path, window.worker.settings.model_path)),
        Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(window.worker.model_loaded, timeout=10000) as loaded:
        window.load_model(str(model))
    assert loaded.args[1] == str(model)
    assert seen_at_emit[-1] == (str(model), str(model))  # settings stored before the signal, not after
    qtbot.waitUntil(lambda: window.session.result.model_path == str(model), timeout=10000)
    assert window.session.model.path == str(model) and window.settings.value("model") == str(model)
    window.set_source("demo")
    results = wait_results(qtbot, window, 5)
    assert results[-1][0].shape == (480, 640, 3)
    assert window.settings.value("source") == "demo"


def test_bad_model_keeps_the_previous_one(qtbot, window, tmp_path):
    wait_results(qtbot, window, 2)
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"nope" * 100)
    with qtbot.waitSignal(window.worker.failed, timeout=10000) as signal:
        window.load_model(str(bad))
    assert "spec not found" in signal.args[0]
    assert window.banner.isVisibleTo(window)
    assert window.worker.settings.model_path == str(DEFAULT_MODEL)
    wait_results(qtbot, window, 2)  # still running


def test_missing_camera_shows_a_message_and_offers_the_demo(qtbot, window):
    window.set_source("7")
    qtbot.waitUntil(lambda: window.banner.isVisibleTo(window), timeout=5000)
    assert "camera 7" in window.banner_text.text()
    window.demo_button.click()
    wait_results(qtbot, window, 3)
    assert window.session.source_spec == "demo"


def test_pause_step_and_click_to_select(qtbot, window):
    wait_results(qtbot, window, 3)
    window.pause_button.setChecked(True)
    qtbot.wait(300)
    before = window.pump.state.frames_read
    qtbot.wait(300)
    assert window.pump.state.frames_read == before
    window.step()
    qtbot.waitUntil(lambda: window.pump.state.frames_read == before + 1, timeout=3000)
    face = window.session.result.faces[0]
    x, y, w, h = face.box
    window.video.select_at(x + w / 2, y + h / 2)
    assert window.session.selected_id == face.face_id


def test_close_stops_threads_within_a_second(qtbot, settings):
    win = MainWindow("demo", str(DEFAULT_MODEL), "short", settings=settings)
    qtbot.addWidget(win)
    win.show()
    wait_results(qtbot, win, 3)
    started = time.monotonic()
    win.close()
    assert time.monotonic() - started < 1.5
    assert win.worker.isFinished()
    assert not win.pump._thread.is_alive()


def test_presentation_mode_shows_the_room_chart(qtbot, window):
    wait_results(qtbot, window, 3)
    window.toggle_presentation()
    qtbot.waitUntil(lambda: window.room.isVisible(), timeout=3000)
    qtbot.wait(GRAPH_WAIT_MS)
    shares = window.session.room_shares()
    assert shares.sum() == pytest.approx(1.0)
    drawn = window.room._bars.opts["width"]  # the bars as the chart draws them
    np.testing.assert_allclose(drawn, shares)
    assert drawn[list(window.session.labels).index("happy")] == pytest.approx(1.0)  # the demo face is happy
    window.toggle_presentation()


GRAPH_WAIT_MS = 300
