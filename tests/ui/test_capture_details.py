"""Small things users met while capturing: a face saved twice from one frame is flagged, and the dataset
chooser can make a new folder."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QToolButton


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
