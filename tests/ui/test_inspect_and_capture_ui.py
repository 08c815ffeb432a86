"""Inspector, capture keys and the gallery in the real window (offscreen, real pipeline, real files)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from desktop_app.core.expression.model_spec import load_spec
from desktop_app.core.expression.preprocessing import batch_to_images, prepare_batch
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_store import SampleStore


def qimage_to_bgr(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :3 * image.width()].reshape(image.height(), image.width(), 3)[:, :, ::-1].copy()


def test_click_on_a_frozen_face_opens_the_inspector(qtbot, window):
    face = window.session.result.faces[0]
    x, y, w, h = face.box
    window.video.select_at(x + w / 2, y + h / 2)
    inspector = window.inspector
    assert inspector is not None and inspector.isVisible()
    spec = inspector._classifier.spec
    expected = batch_to_images(prepare_batch([face.crop], spec), spec)[0]
    shown = qimage_to_bgr(inspector.model_input.pixmap().toImage())
    assert shown.shape[0] == shown.shape[1] > expected.shape[0]  # enlarged, square
    scale = shown.shape[0] / expected.shape[0]  # sample each enlarged pixel at its centre
    centres = ((np.arange(expected.shape[0]) + 0.5) * scale).astype(int)
    np.testing.assert_array_equal(shown[np.ix_(centres, centres)], expected)
    assert inspector.top_labels[0] == face.label == "happy" and len(inspector.top_labels) == 3
    assert inspector.table.rowCount() == len(spec.labels)
    assert inspector.table.item(0, 0).text() == "happy"
    assert 0 < inspector.occlusion_ms < 2000


def test_label_keys_save_faces_and_count_corrections(qtbot, window, tmp_path):
    qtbot.keyClick(window, Qt.Key.Key_1)  # AffectNet 1 = Happy: agrees with the model
    window.capture.wrong.setChecked(True)
    qtbot.keyClick(window, Qt.Key.Key_2)  # 2 = Sad, marked as a wrong prediction
    assert window.capture.saved == 2
    assert dict(window.capture.session_confusions) == {("happy", "Sad"): 1}
    assert window.capture.table.rowCount() == 1
    window.capture.close_store()
    window.capture.store = None
    with SampleStore(tmp_path / "dataset") as store:
        samples = store.samples()
        assert sorted(s.label for s in samples) == ["Happy", "Sad"]
        assert all(store.path_of(s).is_file() for s in samples)
        sad = next(s for s in samples if s.label == "Sad")
        assert sad.correction and sad.predicted == "happy" and sad.source == "demo"
        assert set(sad.probabilities) == set(window.session.labels)
        # the manifest's model is the spec name, as the CLI writes it, and the path is beside it
        assert sad.model == load_spec(DEFAULT_MODEL).name and sad.model_path == str(DEFAULT_MODEL)


def test_burst_saves_several_frames(qtbot, window, tmp_path):
    """N new frames, never one frame twice: paused, a burst saves the frame shown and then waits for the
    next; each single step (Right) gives it one more."""
    window.capture.burst.setChecked(True)
    window.capture.burst_count.setValue(3)
    window.capture.burst_interval.setValue(50)
    window.capture.capture(3)  # Surprise
    qtbot.wait(400)  # eight ticks on a paused frame
    assert window.capture.saved == 1
    for saved in (2, 3):
        qtbot.keyClick(window, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda n=saved: window.capture.saved == n, timeout=10000)
    qtbot.waitUntil(lambda: window.capture._burst is None, timeout=10000)
    window.capture.close_store()
    window.capture.store = None
    with SampleStore(tmp_path / "dataset") as store:
        samples = store.samples()
    assert [s.label for s in samples] == ["Surprise"] * 3
    frames = [s.frame for s in samples]
    assert len(set(frames)) == 3 and frames == sorted(frames), frames  # three new frames, in order


def test_gallery_relabels_deletes_and_undoes(qtbot, window):
    window.capture.capture(1)
    window.capture.capture(1)
    window.capture.open_gallery()
    gallery = window.capture._gallery
    assert gallery.list.count() == 2
    gallery.list.item(0).setSelected(True)
    gallery.target.setCurrentText("Neutral")
    gallery.relabel_selected()
    assert sorted(window.capture.store.label_counts().items()) == [("Happy", 1), ("Neutral", 1)]
    gallery.list.item(0).setSelected(True)
    gallery.delete_selected()
    assert gallery.list.count() == 1
    gallery.undo()
    assert gallery.list.count() == 2
    gallery.undo()
    assert sorted(window.capture.store.label_counts().items()) == [("Happy", 2)]


def test_original_frames_are_kept_on_request_and_open_from_the_gallery(qtbot, window, tmp_path):
    window.capture.capture(1)  # not kept by default
    window.capture.keep_frames.setChecked(True)
    window.capture.capture(1)
    window.capture.open_gallery()
    gallery = window.capture._gallery
    ids = [gallery.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(gallery.list.count())]
    frames = tmp_path / "dataset" / ".frames"
    assert [p.stem for p in frames.iterdir()] == [ids[1]]  # only the second, and no temp file left
    gallery.list.item(0).setSelected(True)
    assert gallery.open_original() is None and "no original frame" in gallery.message.text()
    gallery.list.item(0).setSelected(False)
    gallery.list.item(1).setSelected(True)
    view = gallery.open_original()
    assert view is not None and view.pixmap().width() > 0
    window.capture.close_store()
    window.capture.store = None
    with SampleStore(tmp_path / "dataset") as store:  # .frames is no label folder to recovery
        assert store.report.clean and len(store.samples()) == 2
