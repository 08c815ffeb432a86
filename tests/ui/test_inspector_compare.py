"""The inspector's second row: another real model's view of the same face (real LiteRT, real Qt widgets
offscreen, the real demo face)."""
from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.detection.face_crop import crop_face
from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.model_spec import ModelSpecError, load_spec
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import ExpressionPipeline
from desktop_app.ui.inspect.inspector import InspectorDialog
from support.models import relabelled_copy, swapped_copy


@pytest.fixture
def inspected(qtbot, astronaut):
    with ExpressionPipeline(DEFAULT_MODEL) as pipeline:
        face = pipeline.process(astronaut).faces[0]
    dialog = InspectorDialog()
    qtbot.addWidget(dialog)
    dialog.inspect(astronaut, face, str(DEFAULT_MODEL))
    yield dialog, astronaut, face
    dialog.close()


def own_view(model, frame, face) -> np.ndarray:
    """What ``model`` says on its own crop of the face, asked directly (crop_face with its spec values)."""
    spec = load_spec(model)
    crop = crop_face(frame, face.box, face.keypoints, spec.input_width, spec.crop_margin, spec.align_eyes)
    with ExpressionClassifier(model) as classifier:
        return classifier.classify([crop])[0]


def test_a_second_model_gets_its_own_row_and_clearing_removes_it(qtbot, inspected, tmp_path):
    dialog, frame, face = inspected
    assert dialog.compare_row.isHidden() and dialog.compare_label is None
    wider, labels = relabelled_copy(tmp_path, "wider_crop", crop_margin=0.3)
    dialog.set_compare_model(str(wider))
    assert not dialog.compare_row.isHidden() and dialog.one_model_button.isEnabled()
    expected = own_view(wider, frame, face)
    assert dialog.compare_label == labels[int(np.argmax(expected))] == "happy"
    np.testing.assert_allclose(dialog.compare_probabilities, expected, atol=1e-6)
    assert dialog.compare_bars.labels == tuple(labels)  # its own labels ("anger"), its own bars
    np.testing.assert_allclose(dialog.compare_bars.values, expected, atol=1e-6)
    # its own crop: not the first model's numbers
    assert not np.allclose(dialog.compare_probabilities, face.raw_probabilities, atol=1e-4)
    assert dialog.compare_agrees and "they agree" in dialog.compare_heading.text()
    assert "wider_crop" in dialog.compare_heading.text() and "margin 0.3" in dialog.compare_heading.text()
    for view in (dialog.compare_input, dialog.compare_occlusion):
        assert not view.pixmap().isNull() and view.pixmap().width() > 100
    # the dialog grew to hold the row: nothing is squeezed over the views below it
    def unsqueezed() -> bool:
        row = dialog.compare_row
        return (dialog.compare_input.geometry().bottom() < row.height()
                and row.geometry().bottom() < dialog.details.geometry().top())
    qtbot.waitUntil(unsqueezed, timeout=3000)
    assert dialog.compare_bars.height() == dialog.compare_input.height() == 256

    swapped = swapped_copy(tmp_path)  # happy and sad swapped: model 2 now says sad
    dialog.set_compare_model(str(swapped))
    assert dialog.compare_label == "sad" and not dialog.compare_agrees
    assert "they disagree" in dialog.compare_heading.text()

    dialog.set_compare_model(None)
    assert dialog.compare_row.isHidden() and dialog.compare_label is None
    assert not dialog.one_model_button.isEnabled() and dialog._compare_classifier is None


def test_the_second_row_follows_the_next_inspected_face(qtbot, inspected, tmp_path, astronaut):
    dialog, _, _ = inspected
    wider, labels = relabelled_copy(tmp_path, "wider_crop", crop_margin=0.3)
    dialog.set_compare_model(str(wider))
    mirrored = np.ascontiguousarray(astronaut[:, ::-1])
    with ExpressionPipeline(DEFAULT_MODEL) as pipeline:
        face = pipeline.process(mirrored).faces[0]
    dialog.inspect(mirrored, face, str(DEFAULT_MODEL))
    np.testing.assert_allclose(dialog.compare_probabilities, own_view(wider, mirrored, face), atol=1e-6)


def test_a_bad_second_model_leaves_the_inspector_as_it_was(inspected, tmp_path, monkeypatch):
    dialog, _, _ = inspected
    wider, _ = relabelled_copy(tmp_path, "wider_crop", crop_margin=0.3)
    dialog.set_compare_model(str(wider))
    corrupt = tmp_path / "corrupt.tflite"
    corrupt.write_bytes(b"\x00not a flatbuffer" * 64)
    with pytest.raises(ModelSpecError, match="model to compare with"):
        dialog.set_compare_model(str(corrupt))
    assert dialog.compare_label == "happy" and not dialog.compare_row.isHidden()

    from desktop_app.ui.inspect import inspector  # the button: the file dialog answers with the corrupt model
    monkeypatch.setattr(inspector.QFileDialog, "getOpenFileName", lambda *a, **k: (str(corrupt), ""))
    dialog.compare_button.click()
    assert "Cannot compare" in dialog.compare_status.text() and dialog.compare_label == "happy"
    swapped = swapped_copy(tmp_path)
    monkeypatch.setattr(inspector.QFileDialog, "getOpenFileName", lambda *a, **k: (str(swapped), ""))
    dialog.compare_button.click()
    assert dialog.compare_label == "sad" and "swapped" in dialog.compare_status.text()
    dialog.one_model_button.click()
    assert dialog.compare_row.isHidden()


def test_a_window_comparing_two_models_opens_the_inspector_on_both(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from desktop_app.ui.window.main_window import MainWindow

    wider, labels = relabelled_copy(tmp_path, "wider_crop", crop_margin=0.3)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("dataset", str(tmp_path / "dataset"))
    window = MainWindow("demo", str(DEFAULT_MODEL), "short", settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.comparison.compare_with(str(wider))
    qtbot.waitUntil(lambda: window.session.result is not None and window.session.result.comparing
                    and bool(window.session.result.faces), timeout=20000)
    window.pause_button.setChecked(True)
    qtbot.wait(200)
    window.inspect_selected()
    inspector = window.inspector
    assert inspector.compare_model_path == str(wider) and not inspector.compare_row.isHidden()
    face = window.session.selected_face()
    np.testing.assert_allclose(inspector.compare_probabilities, own_view(wider, window.session.frame, face),
                               atol=1e-6)

    with qtbot.waitSignal(window.worker.comparison_loaded, timeout=20000):  # Keep old ends the comparison ...
        window.comparison.keep_old_model()
    window.pause_button.setChecked(False)
    qtbot.waitUntil(lambda: not window.session.result.comparing and bool(window.session.result.faces), timeout=20000)
    window.pause_button.setChecked(True)
    qtbot.wait(200)
    window.inspect_selected()
    assert inspector.compare_model_path is None and inspector.compare_row.isHidden()  # ... in the inspector too
    inspector.set_compare_model(str(wider))  # a second model the user picks stays while no comparison runs
    window.inspect_selected()
    assert inspector.compare_model_path == str(wider) and not inspector.compare_row.isHidden()
    window.close()
