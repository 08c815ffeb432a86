"""Two models on the same faces (the pipeline's comparison mode): real LiteRT on the real demo face."""
from __future__ import annotations

import numpy as np

from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import ExpressionPipeline
from support.models import relabelled_copy


def test_without_a_comparison_results_carry_one_model(astronaut):
    with ExpressionPipeline(DEFAULT_MODEL) as pipeline:
        result = pipeline.process(astronaut)
    assert not result.comparing and result.compare_labels == () and "compare" not in result.timings_ms
    assert all(face.compare_probabilities is None and face.compare_label is None for face in result.faces)


def test_a_comparison_model_classifies_the_same_faces_with_its_own_labels(astronaut, tmp_path):
    same, _ = relabelled_copy(tmp_path, "same_crop")
    other_crop, _ = relabelled_copy(tmp_path, "wider_crop", crop_margin=0.3)
    with ExpressionPipeline(DEFAULT_MODEL, smoothing=0.0) as pipeline:
        pipeline.set_comparison(same)
        result = pipeline.process(astronaut)
        face = result.faces[0]
        assert result.comparing and result.compare_model_path == str(same)
        assert result.compare_model_name == "same_crop" and "anger" in result.compare_labels
        assert result.labels != result.compare_labels and "angry" in result.labels
        # the same network on the same crop: the same numbers, read with each model's own labels
        np.testing.assert_allclose(face.compare_probabilities, face.probabilities, atol=1e-6)
        assert face.label == face.compare_label == "happy"
        assert result.timings_ms["compare"] >= 0

        pipeline.set_comparison(other_crop)  # its own crop margin: another crop, other numbers
        wider = pipeline.process(astronaut).faces[0]
        assert wider.compare_label == "happy"
        assert not np.allclose(wider.compare_probabilities, wider.probabilities, atol=1e-4)

        pipeline.set_comparison(None)
        assert not pipeline.process(astronaut).comparing


def test_comparison_probabilities_are_smoothed_per_face(astronaut, tmp_path):
    same, _ = relabelled_copy(tmp_path, "same_crop")
    with ExpressionPipeline(DEFAULT_MODEL, smoothing=0.5) as pipeline:
        pipeline.set_comparison(same)
        for _ in range(3):
            face = pipeline.process(astronaut).faces[0]
        np.testing.assert_allclose(face.compare_probabilities, face.probabilities, atol=1e-5)
        handed = pipeline.release_comparison()  # a rebuilt pipeline takes it over, loaded
    assert handed is not None and handed.labels[0] == "anger"
    handed.close()


def test_ending_a_comparison_leaves_the_kept_models_view_of_the_shown_frame(astronaut, tmp_path):
    from desktop_app.core.session import Session

    same, _ = relabelled_copy(tmp_path, "same_crop", crop_margin=0.3)
    with ExpressionPipeline(DEFAULT_MODEL) as pipeline:
        pipeline.set_comparison(same)
        result = pipeline.process(astronaut)
    face = result.faces[0]
    session = Session()
    session.set_model(str(same), "same_crop", result.compare_labels)  # "Keep new": the new model is loaded
    session.set_comparison(str(same), "same_crop", result.compare_labels)
    session.take_result(astronaut, result)
    assert session.end_comparison() and session.comparison is None
    kept = session.selected_face()
    assert session.current_labels_match() and session.result.model_path == str(same)
    np.testing.assert_array_equal(kept.probabilities, face.compare_probabilities)
    assert kept.compare_probabilities is None and not session.result.comparing

    session.set_model(str(DEFAULT_MODEL), "old", result.labels)  # "Keep old"
    session.take_result(astronaut, result)
    assert session.end_comparison()
    np.testing.assert_array_equal(session.selected_face().probabilities, face.probabilities)
    assert session.result.model_path == str(DEFAULT_MODEL) and session.current_labels_match()
    assert not session.end_comparison()  # nothing left to end
