"""Small things users met while capturing: a face saved twice from one frame is flagged, the dataset
chooser can make a new folder, and a box the default detector predicted is detected before it is saved."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QToolButton

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, FaceDetector
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_store import SampleStore
from desktop_app.ui.window.main_window import MainWindow


def test_the_same_face_saved_twice_from_one_frame_is_flagged(window):
    win = window  # paused on one demo frame
    frame = win.session.result.index
    assert win.capture.capture(1) == 1
    assert "already saved" not in win.banner_text.text()
    assert win.capture.capture(2) == 1  # the same face of the same frame, now as Sad
    text = win.banner_text.text()
    assert win.banner.isVisible() and f"already saved from frame {frame}" in text
    assert "saved as Happy before" in text and "saved again as Sad" in text


def test_the_dataset_chooser_makes_a_new_folder(qtbot, window, tmp_path):
    window.capture.set_dataset(tmp_path / "datasets")
    (tmp_path / "datasets").mkdir()
    dialog = window.capture.dataset_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    button = dialog.findChild(QToolButton, "newFolderButton")
    assert button is not None and button.isVisible() and button.isEnabled()
    button.click()
    qtbot.waitUntil(lambda: any(p.is_dir() for p in (tmp_path / "datasets").iterdir()), timeout=3000)
    made = next((tmp_path / "datasets").iterdir())
    dialog.selectFile(str(made))
    dialog.accept()
    assert Path(dialog.selectedFiles()[0]) == made


def test_a_face_saved_from_a_predicted_frame_is_saved_with_its_detected_box(qtbot, tmp_path):
    """The default detector predicts every other frame of the demo (coasting.py). Samples are training
    data: the window detects such a frame again before it saves, as headless capture does."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("dataset", str(tmp_path / "dataset"))
    win = MainWindow("demo", str(DEFAULT_MODEL), DEFAULT_DETECTOR, settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.session.result is not None and any(f.predicted for f in win.session.result.faces),
                    timeout=30000)
    result, frame = win.session.result, win.session.frame  # nothing runs between the check and the save
    shown = result.faces[0]
    assert win.capture.save_faces("Happy", True, False) == 1
    win.capture.close_store()
    win.close()
    with FaceDetector() as detector:
        detected = detector.detect(frame)[0]
    with SampleStore(tmp_path / "dataset") as store:
        (sample,) = store.samples()
    assert sample.frame == result.index
    assert sample.box == pytest.approx(detected.box, abs=0.006)  # the manifest keeps two decimals
    assert sample.box != pytest.approx(shown.box, abs=0.006)  # what was shown was the prediction
