"""Mobile-ready exports: every exported .tflite (float32, float16, int8) and the bundled default load in
MediaPipe Tasks' ImageClassifier, the way an Android, iOS or web app loads them, from their own metadata
alone, and name the same top label as the app's ExpressionClassifier on real face crops.

Real parts: a model trained here on real re-photographed face crops (tests/support/real_face_crops.py) by the
training CLI, exported by the export CLI, run by LiteRT (the app) and by libmediapipe (the oracle).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.model_spec import load_spec
from desktop_app.core.paths import DEFAULT_MODEL
from model_training.__main__ import main
from model_training.export.tflite_metadata import packed_labels
from model_training.train.config import ARCH_DEFAULTS, TrainConfig
from support.mediapipe_oracle import TasksImageClassifier
from support.real_face_crops import write_crops

DEFAULT_SIZE = ARCH_DEFAULTS[TrainConfig.arch][0]  # 64: what `train` gives without --input-size
SCORE_TOLERANCE = 1e-4  # same model, same input: the two runtimes differ only in float rounding


@pytest.fixture(scope="module")
def crops(tmp_path_factory) -> tuple[Path, list[np.ndarray]]:
    """Folder of training crops, and held-out real face crops (BGR, 224 px as capture writes them)."""
    root = tmp_path_factory.mktemp("faces")
    assert write_crops(root / "train", 24, "train") == {"happy": 24, "neutral": 24}
    assert write_crops(root / "val", 8, "val") == {"happy": 8, "neutral": 8}
    held_out = [cv2.imread(str(p)) for p in sorted((root / "val").rglob("*.png"))]
    return root, held_out


@pytest.fixture(scope="module")
def run_dir(crops) -> Path:
    """A run at the settings users get (the default architecture at its default input size, 64 px), so the
    int8 and MediaPipe gates below check the export users make, not a 32 px stand-in."""
    root, _ = crops
    run = root / "run"
    assert main(["train", "--train", str(root / "train"), "--val", str(root / "val"), "--out", str(run),
                 "--epochs", "2", "--batch-size", "16", "--seed", "1"]) == 0
    return run


def assert_mediapipe_agrees(model: Path, held_out: list[np.ndarray]) -> None:
    """MediaPipe reads the labels from the model's metadata and gives the app's top label and scores."""
    app = ExpressionClassifier(model)
    spec = app.spec
    assert spec.color == "rgb"
    assert packed_labels(model.read_bytes()) == list(spec.labels)
    # At the model's input size, so MediaPipe's own resize does not differ from the app's.
    sized = [cv2.resize(c, (spec.input_width, spec.input_height), interpolation=cv2.INTER_AREA) for c in held_out]
    probabilities = app.classify(sized)
    with TasksImageClassifier(str(model)) as oracle:
        for crop, probs in zip(sized, probabilities):
            scores = oracle.scores(crop)
            assert sorted(scores) == sorted(spec.labels)
            assert max(scores, key=scores.get) == spec.labels[int(np.argmax(probs))]
            diff = max(abs(scores[label] - float(p)) for label, p in zip(spec.labels, probs))
            assert diff < SCORE_TOLERANCE, (model.name, diff)
    app.close()


@pytest.mark.parametrize("quant", ["float32", "float16", "int8"])
def test_each_export_loads_in_mediapipe_and_agrees_with_the_app(run_dir, crops, quant):
    out = run_dir / f"mobile_{quant}.tflite"
    assert main(["export", str(run_dir), "--quant", quant, "--out", str(out)]) == 0
    spec = load_spec(out)
    assert spec.provenance["trained_color"] == "gray"  # the run trained on grey; the export takes RGB
    assert (spec.input_width, spec.input_height) == (DEFAULT_SIZE, DEFAULT_SIZE)
    if quant == "int8":  # raw pixels, exactly: uint8 with scale 1 and zero point 0, normalisation inside
        assert (spec.input_dtype, spec.mean, spec.std) == ("uint8", 0.0, 1.0)
    else:
        assert (spec.input_dtype, spec.mean, spec.std) == ("float32", 127.5, 127.5)
    assert_mediapipe_agrees(out, crops[1])


def test_convert_with_an_exports_spec_rebuilds_the_grey_model_for_mobile(run_dir, crops):
    """An export's spec describes its RGB uint8 input; ``convert --spec-from`` reads the training colour
    and normalisation back from its provenance, so the grey Keras file converts again."""
    first = run_dir / "first_int8.tflite"
    assert main(["export", str(run_dir), "--quant", "int8", "--out", str(first)]) == 0
    out = run_dir / "converted.tflite"
    assert main(["convert", str(run_dir / "best.keras"), "--out", str(out), "--quant", "float32",
                 "--spec-from", str(first.with_suffix(".json")), "--data", str(crops[0] / "val")]) == 0
    spec = load_spec(out)
    assert (spec.color, spec.input_dtype, spec.mean) == ("rgb", "float32", 127.5)
    assert spec.provenance["trained_color"] == "gray"
    assert_mediapipe_agrees(out, crops[1])


def test_bundled_default_loads_in_mediapipe_and_agrees_with_the_app(crops):
    assert_mediapipe_agrees(DEFAULT_MODEL, crops[1])


def test_metadata_is_deterministic_and_replaced_not_stacked():
    """Writing the bundled model's metadata again gives the same bytes (fixed zip timestamps, one
    TFLITE_METADATA buffer, the old zip tail dropped)."""
    from model_training.bundled.fer_conversion import with_mobile_metadata

    bundled = DEFAULT_MODEL.read_bytes()
    assert with_mobile_metadata(bundled, load_spec(DEFAULT_MODEL)) == bundled


def test_metadata_reads_back_with_the_standard_schema():
    """Name, version, author, licence and the RGB normalisation, read with the metadata schema module
    MediaPipe ships (generated from the same metadata_schema.fbs), not with our writer."""
    from mediapipe.tasks.metadata import metadata_schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(DEFAULT_MODEL.read_bytes()))
    (entry,) = [m for m in model.metadata if m.name == b"TFLITE_METADATA"]
    data = bytes(model.buffers[entry.buffer].data)
    assert schema.ModelMetadata.ModelMetadataBufferHasIdentifier(data, 0)
    meta = schema.ModelMetadataT.InitFromObj(schema.ModelMetadata.GetRootAsModelMetadata(data, 0))
    assert (meta.name, meta.version, meta.license) == (b"fer2013_mini_xception", b"25.10.3", b"MIT")
    assert b"Arriaga" in meta.author
    (inp,) = meta.subgraphMetadata[0].inputTensorMetadata
    assert inp.content.contentProperties.colorSpace == schema.ColorSpaceType.RGB
    (norm,) = inp.processUnits
    assert list(norm.options.mean) == [127.5] * 3 and list(norm.options.std) == [127.5] * 3
    (out,) = meta.subgraphMetadata[0].outputTensorMetadata
    (labels,) = out.associatedFiles
    assert (labels.name, labels.type) == (b"labels.txt", schema.AssociatedFileType.TENSOR_AXIS_LABELS)
