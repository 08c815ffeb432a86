"""Valence and arousal (AffectNet's ``N_val.npy`` / ``N_aro.npy``) through the kit: read and checked, trained
as a second head by default, scored by ``evaluate``, carried and parity-checked by every export, loaded by
the app's classifier and by MediaPipe's ImageClassifier (as a second head), off with --no-valence-arousal.

Real parts: the synthetic AffectNet-shaped set (its values are each class's place on the circumplex plus
noise, so the head has something to learn), real training with TensorFlow, real LiteRT and libmediapipe.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.model_spec import VALENCE_AROUSAL, ModelSpec, ModelSpecError, load_spec
from model_training.__main__ import main
from model_training.data.datasets import Source, list_examples
from model_training.data.synthetic import write_affectnet_like
from model_training.data.valence_arousal import (
    IGNORED_NO_VALUE,
    ONE_MISSING,
    OUT_OF_RANGE,
    UNREADABLE,
)
from model_training.export.tflite_metadata import packed_labels
from model_training.train.metrics import ccc
from support.mediapipe_oracle import TasksImageClassifier

SMALL = ["--input-size", "32", "--batch-size", "16", "--epochs", "4", "--seed", "1"]


def spoil(root: Path) -> None:
    """Five images of a synthetic set get bad values: -2, NaN, 1.5, an unreadable file, one file missing."""
    ann = root / "annotations"
    np.save(ann / "0_val.npy", np.array("-2"))
    np.save(ann / "1_aro.npy", np.array("nan"))
    np.save(ann / "2_val.npy", np.array(1.5))
    (ann / "3_aro.npy").write_bytes(b"not a npy file")
    (ann / "4_val.npy").unlink()


def test_bad_values_leave_the_image_to_the_expression_head_and_are_counted(tmp_path, capsys):
    root = write_affectnet_like(tmp_path / "train_set", per_class=3)
    spoil(root)
    listing = list_examples([Source(root)])
    assert len(listing.examples) == 12  # every image still trains the expression head
    assert sum(e.valence_arousal is not None for e in listing.examples) == 7
    assert {k: v for k, v in listing.skipped.items() if k.startswith("valence")} == {
        IGNORED_NO_VALUE: 1, OUT_OF_RANGE: 2, UNREADABLE: 1, ONE_MISSING: 1}
    assert all(-1 <= v <= 1 for e in listing.examples if e.valence_arousal for v in e.valence_arousal)

    assert main(["stats", str(root)]) == 0
    out = capsys.readouterr().out
    assert "valence/arousal: 7 of 12 images; valence " in out, out
    assert "skipped 2: valence/arousal outside [-1, 1] or not a number" in out


def test_a_set_without_values_counts_nothing_and_stats_says_so(tmp_path, capsys):
    root = write_affectnet_like(tmp_path / "train_set", per_class=2, valence_arousal=False)
    listing = list_examples([Source(root)])
    assert not listing.skipped and all(e.valence_arousal is None for e in listing.examples)
    assert main(["stats", str(root)]) == 0
    assert "valence/arousal: none in this data" in capsys.readouterr().out


def test_ccc_is_one_for_the_truth_and_punishes_a_shift():
    truth = np.linspace(-1, 1, 50)
    assert ccc(truth, truth) == pytest.approx(1.0)
    assert ccc(truth, truth + 0.5) < 0.8  # Pearson's r would still say 1
    assert ccc(truth, -truth) == pytest.approx(-1.0)


def test_a_spec_naming_an_unknown_extra_output_is_refused():
    spec = ModelSpec("m", ("a", "b"), 32, 32, "gray", 127.5, 127.5, extra_outputs=(VALENCE_AROUSAL,))
    data = spec.to_dict()
    assert ModelSpec.from_dict(data).has_valence_arousal
    data["extra_outputs"]["dominance"] = {"components": ["dominance"]}
    with pytest.raises(ModelSpecError, match="extra_outputs.dominance is not an output this app knows"):
        ModelSpec.from_dict(data)


@pytest.fixture(scope="module")
def va_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("va")
    write_affectnet_like(root / "train_set", per_class=30, seed=1)
    spoil(root / "train_set")
    write_affectnet_like(root / "val_set", per_class=10, seed=2)
    return root


@pytest.fixture(scope="module")
def joint_run(va_data) -> Path:
    out = va_data / "joint"
    assert main(["train", "--train", str(va_data / "train_set"), "--val", str(va_data / "val_set"),
                 "--out", str(out), *SMALL]) == 0
    return out


@pytest.mark.slow
def test_joint_training_scores_and_exports_valence_arousal(joint_run, va_data, capsys):
    assert json.loads((joint_run / "config.json").read_text())["valence_arousal"] is True
    state = json.loads((joint_run / "state.json").read_text())
    assert np.isfinite(state["history"]["valence_arousal_loss"]).all()

    capsys.readouterr()
    assert main(["evaluate", str(joint_run), "--data", str(va_data / "val_set")]) == 0
    printed = capsys.readouterr().out
    report = json.loads((joint_run / "eval" / "report.json").read_text())
    va = report["valence_arousal"]
    assert va["n"] == 40 and "valence CCC" in printed and "arousal CCC" in printed, printed
    assert all(np.isfinite(va[name]["rmse"]) and va[name]["rmse"] < 2 for name in ("valence", "arousal"))

    for quant in ("float32", "float16", "int8"):
        out = joint_run / f"va_{quant}.tflite"
        assert main(["export", str(joint_run), "--quant", quant, "--out", str(out)]) == 0
        assert "valence/arousal max diff" in capsys.readouterr().out
        spec = load_spec(out)
        assert spec.has_valence_arousal and "valence_arousal" in spec.metrics
        assert packed_labels(out.read_bytes()) == list(spec.labels)
        app = ExpressionClassifier(out)
        crops = [np.full((32, 32, 3), v, np.uint8) for v in (40, 120, 200)]
        probs, extras = app.classify_all(crops)
        assert probs.shape == (3, 8) and np.allclose(probs.sum(1), 1, atol=1e-2)
        assert extras[VALENCE_AROUSAL].shape == (3, 2) and (np.abs(extras[VALENCE_AROUSAL]) <= 1).all()
        with TasksImageClassifier(str(out)) as oracle:  # head 0 the expression, head 1 valence/arousal
            result = oracle._classifier.classify(oracle._mp.Image(image_format=oracle._mp.ImageFormat.SRGB,
                                                                  data=np.ascontiguousarray(crops[1][:, :, ::-1])))
            heads = {h.head_name: {c.category_name: c.score for c in h.categories} for h in result.classifications}
        assert result.classifications[0].head_index == 0 and sorted(heads["probability"]) == sorted(spec.labels)
        assert heads[VALENCE_AROUSAL]["valence"] == pytest.approx(float(extras[VALENCE_AROUSAL][1, 0]), abs=1e-3)
        assert heads[VALENCE_AROUSAL]["arousal"] == pytest.approx(float(extras[VALENCE_AROUSAL][1, 1]), abs=1e-3)
        app.close()


@pytest.mark.slow
def test_no_valence_arousal_trains_and_exports_the_classifier_alone(va_data, capsys):
    out = va_data / "single"
    assert main(["train", "--train", str(va_data / "train_set"), "--val", str(va_data / "val_set"),
                 "--out", str(out), "--no-valence-arousal", *SMALL[:-2], "--epochs", "1"]) == 0
    assert "valence/arousal head off" in capsys.readouterr().out
    assert main(["export", str(out), "--out", str(out / "m.tflite")]) == 0
    spec = load_spec(out / "m.tflite")
    assert not spec.has_valence_arousal and "extra_outputs" not in spec.to_dict()
    probs, extras = ExpressionClassifier(out / "m.tflite").classify_all([np.zeros((32, 32, 3), np.uint8)])
    assert extras == {} and probs.shape == (1, 8)

