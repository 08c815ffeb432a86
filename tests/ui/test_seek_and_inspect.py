"""A student goes where the question is: the seek bar of a file moves to that frame, the inspector
follows Step and seek (or says which frame it shows), and a reopened inspector starts clean."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QSettings

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR
from desktop_app.core.media.frame_sources import DEMO_FACE_REGION
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.ui.window.main_window import MainWindow
from support.media import write_video

FRAMES, FACE_FRAMES = 40, 30  # the face moves right 6 px a frame for 30 frames, then leaves


@pytest.fixture(scope="module")
def moving_face(tmp_path_factory, astronaut):
    x0, y0, w0, h0 = DEMO_FACE_REGION
    face = cv2.resize(astronaut[y0:y0 + h0, x0:x0 + w0], (200, 200))
    frames = []
    for i in range(FRAMES):
        frame = np.full((360, 640, 3), 60, np.uint8)
        if i < FACE_FRAMES:
            frame[80:280, 40 + 6 * i:240 + 6 * i] = face
        frames.append(frame)
    return write_video(tmp_path_factory.mktemp("seek") / "moving.avi", frames, fps=10)


@pytest.fixture
def window(qtbot, tmp_path, moving_face):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("dataset", str(tmp_path / "dataset"))
    settings.setValue("loop", False)
    win = MainWindow(str(moving_face), str(DEFAULT_MODEL), "short", settings=settings)
    qtbot.addWidget(win)
    win.pause_button.setChecked(True)
    win.show()
    qtbot.waitUntil(lambda: win.seek_bar.isVisible(), timeout=20000)
    yield win
    win.close()


def face_x(win: MainWindow) -> float:
    return win.session.selected_face().box[0]


def test_seek_bar_goes_to_the_frame_and_the_inspector_follows(qtbot, window):
    win = window
    assert win.seek_bar.slider.maximum() == FRAMES - 1
    win.seek_bar.slider.setValue(5)
    qtbot.waitUntil(lambda: win.session.result is not None and win.session.result.index == 5, timeout=10000)
    at_5 = face_x(win)
    win.seek_bar.slider.setValue(20)  # what a drag ends with
    qtbot.waitUntil(lambda: win.session.result.index == 20, timeout=10000)
    assert "frame 20 / 39" in win.seek_bar.label.text() and "0:02.00" in win.seek_bar.label.text()
    at_20 = face_x(win)
    assert at_20 - at_5 == pytest.approx(6 * 15, abs=8)  # the face where frame 20 has it
    win.inspect_selected()
    inspector = win.inspector
    assert "Frame 20" in inspector.frame_note.text()
    details_20 = inspector.details.text()
    win.step()
    qtbot.waitUntil(lambda: win.session.result.index == 21, timeout=10000)
    qtbot.waitUntil(lambda: "Frame 21" in inspector.frame_note.text(), timeout=10000)
    assert inspector.details.text() != details_20 and face_x(win) > at_20  # its box, one frame on
    assert win.seek_bar.slider.value() == 21  # the slider follows Step
    win.seek_bar.slider.setValue(35)  # no face there
    qtbot.waitUntil(lambda: win.session.result.index == 35, timeout=10000)
    qtbot.waitUntil(lambda: "Frame 35 has no face" in inspector.frame_note.text(), timeout=10000)
    assert "still show frame 21" in inspector.frame_note.text()
    win.seek_bar.slider.setValue(5)  # back, after the end of the file
    qtbot.waitUntil(lambda: win.session.result.index == 5, timeout=10000)
    qtbot.waitUntil(lambda: "Frame 5, face" in inspector.frame_note.text(), timeout=10000)


def test_the_inspector_says_when_a_box_was_predicted(qtbot, tmp_path, moving_face):
    """The default detector skips every other frame of a steady video: a student asking why a frame
    says "sad" is told that frame's box was predicted, not detected."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("dataset", str(tmp_path / "dataset"))
    win = MainWindow(str(moving_face), str(DEFAULT_MODEL), DEFAULT_DETECTOR, settings=settings)
    qtbot.addWidget(win)
    win.pause_button.setChecked(True)
    win.show()
    qtbot.waitUntil(lambda: win.seek_bar.isVisible(), timeout=20000)
    win.step()  # paused from the start: a step shows the next frame
    qtbot.waitUntil(lambda: win.session.result is not None, timeout=20000)
    seen = {}
    for _ in range(12):
        index = win.session.result.index
        face = win.session.selected_face()
        if face is not None:
            win.inspect_selected()
            seen[face.predicted] = win.inspector.details.text()
        win.step()
        qtbot.waitUntil(lambda i=index: win.session.result.index > i, timeout=10000)
    win.close()
    assert "Box predicted from the last two detections" in seen[True]
    assert "Detector score" in seen[False] and "predicted" not in seen[False]


def test_a_reopened_inspector_clears_an_old_error(qtbot, window, tmp_path):
    win = window
    win.seek_bar.slider.setValue(3)  # paused from the start: the seek shows a frame
    qtbot.waitUntil(lambda: win.session.selected_face() is not None, timeout=10000)
    win.inspect_selected()
    bad = tmp_path / "broken.tflite"
    bad.write_bytes(b"not a model")
    assert not win.inspector.try_compare_model(str(bad))
    assert "Cannot compare" in win.inspector.compare_status.text()
    win.inspector.close()
    win.inspect_selected()
    assert "Cannot compare" not in win.inspector.compare_status.text() and win.inspector.isVisible()


def test_the_demo_and_a_single_image_have_no_seek_bar(qtbot, tmp_path, astronaut):
    image = tmp_path / "one.png"
    cv2.imwrite(str(image), astronaut)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow("demo", str(DEFAULT_MODEL), "short", settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.session.result is not None, timeout=20000)
    assert not win.seek_bar.isVisible()
    win.set_source(str(image))
    qtbot.waitUntil(lambda: win.pump.source is not None and win.session.result is not None, timeout=10000)
    win.sources.sync_seek_bar()
    assert not win.seek_bar.isVisible()
    win.close()
