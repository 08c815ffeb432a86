"""model_training end to end on a synthetic AffectNet-layout dataset: train → evaluate → export →
the app's own ExpressionClassifier; resume; convert. Real TensorFlow and LiteRT, CPU, small."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.preprocessing import prepare_batch
from model_training.__main__ import main
from model_training.data.labels import SPEC_LABELS
from model_training.export.mobile_input import RGB_TO_GREY
from model_training.train.spec_building import trained_spec
from support.training_runs import train_run

CHANCE = 0.25  # four classes
TRAIN = ["--input-size", "32", "--batch-size", "16", "--seed", "1"]


@pytest.fixture(scope="module")
def run_dir(data) -> Path:
    return train_run(data, "run", "--epochs", "6", *TRAIN)


def val_images(data: Path) -> list[np.ndarray]:
    import cv2
    return [cv2.imread(str(p)) for p in sorted((data / "val_set" / "images").glob("*.jpg"))]


def test_stats_prints_the_class_table(data, capsys):
    assert main(["stats", str(data / "train_set")]) == 0
    out = capsys.readouterr().out
    assert "Neutral" in out and "25.0%" in out and "unreadable files: 0" in out


def test_train_writes_the_run_and_learns(run_dir):
    for name in ("config.json", "best.keras", "last.keras", "state.json", "curves.png"):
        assert (run_dir / name).is_file(), name
    assert any((run_dir / "logs").rglob("*tfevents*"))
    config = json.loads((run_dir / "config.json").read_text())
    assert config["input_size"] == 32 and config["color"] == "gray" and config["mean"] == 127.5
    state = json.loads((run_dir / "state.json").read_text())
    assert state["epochs_done"] == 6 and len(state["history"]["val_balanced_accuracy"]) == 6
    assert state["best_balanced_accuracy"] > CHANCE + 0.4


def test_evaluate_then_export_float32_and_int8_load_in_the_app(run_dir, data, capsys):
    assert main(["evaluate", str(run_dir), "--data", str(data / "val_set")]) == 0
    report = json.loads((run_dir / "evaluation.json").read_text())
    assert report["balanced_accuracy"] > CHANCE + 0.4 and report["n"] == 60
    assert {"accuracy", "macro_f1", "per_class", "confusion_matrix", "confident_mistakes"} <= set(report)
    assert (run_dir / "eval" / "confusion.png").is_file()

    import keras
    model = keras.models.load_model(run_dir / "best.keras", compile=False)
    images = val_images(data)
    for quant, min_agreement in (("float32", 1.0), ("int8", 0.9)):
        out = run_dir / f"m_{quant}.tflite"
        assert main(["export", str(run_dir), "--quant", quant, "--out", str(out)]) == 0
        printed = capsys.readouterr().out
        assert "parity vs Keras" in printed and "latency" in printed
        classifier = ExpressionClassifier(out)
        spec = classifier.spec
        assert spec.labels == SPEC_LABELS and spec.input_width == 32 and spec.color == "rgb"  # mobile-ready
        assert spec.provenance["trained_color"] == "gray"
        assert spec.metrics["balanced_accuracy"] == report["balanced_accuracy"]
        assert spec.provenance["quantization"] == quant and "tensorflow" in spec.provenance
        lite = classifier.classify(images)
        # The grey Keras model on the float grey of the RGB input, as the export's fixed first step does it.
        rgb = prepare_batch(images, replace(trained_spec(spec), color="rgb"))
        outputs = model((rgb @ np.float32(RGB_TO_GREY))[..., None], training=False)
        if isinstance(outputs, dict):  # the valence/arousal head beside it (the synthetic set has values)
            outputs = outputs["probabilities"]
        elif isinstance(outputs, (list, tuple)):
            outputs = outputs[[o.name.split("/")[0] for o in model.outputs].index("probabilities")]
        ref = np.asarray(outputs)
        agreement = float((lite.argmax(1) == ref.argmax(1)).mean())
        assert agreement >= min_agreement, (quant, agreement)
        if quant == "float32":
            assert np.abs(lite - ref).max() < 1e-4

    assert main(["evaluate", str(run_dir / "m_int8.tflite"), "--data", str(data / "val_set")]) == 0
    report = json.loads((run_dir / "m_int8.eval" / "report.json").read_text())
    assert report["balanced_accuracy"] > CHANCE + 0.4


def test_convert_an_existing_keras_file(run_dir, data, capsys):
    out = data / "converted.tflite"
    assert main(["convert", str(run_dir / "best.keras"), "--out", str(out), "--labels", ",".join(SPEC_LABELS),
                 "--data", str(data / "val_set"), "--quant", "float16"]) == 0
    assert "top-1 identical" in capsys.readouterr().out
    assert ExpressionClassifier(out).spec.input_height == 32


def test_interrupted_run_resumes_from_its_checkpoint(data, capsys):
    import keras

    out = data / "resumed"
    args = ["train", "--train", str(data / "val_set"), "--val", str(data / "val_set"), "--out", str(out), *TRAIN]
    assert main([*args, "--epochs", "1"]) == 0
    steps = int(keras.models.load_model(out / "last.keras").optimizer.iterations.numpy())
    assert steps >= 4  # 60 images / 16 per epoch
    capsys.readouterr()
    assert main(["train", "--out", str(out), "--resume", "--epochs", "2"]) == 0
    assert f"resuming {out} from epoch 1" in capsys.readouterr().out
    state = json.loads((out / "state.json").read_text())
    assert state["epochs_done"] == 2 and len(state["history"]["loss"]) == 2
    resumed = int(keras.models.load_model(out / "last.keras").optimizer.iterations.numpy())
    assert resumed >= steps + 4, (steps, resumed)  # the optimizer went on counting from the checkpoint
    assert main(["train", "--out", str(out), "--resume", "--epochs", "2"]) == 2  # nothing left to do


@pytest.mark.slow
def test_bench_prints_throughput_and_latency(capsys):
    assert main(["bench", "--archs", "mini_xception", "--quants", "float32,int8", "--batches", "3"]) == 0
    out = capsys.readouterr().out
    assert "images/s" in out and "| mini_xception | 64 | int8 |" in out
