"""``train --init-from``: fine-tuning the bundled model (real TensorFlow, CPU) on real face crops stored by
the app's own SampleStore, the lines the window parses, the before/after report, the export the app
loads, and bad input (one line, exit 2, nothing written)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.model_spec import load_spec
from desktop_app.core.expression.preprocessing import prepare_batch
from desktop_app.core.fine_tune_job import Done, OutputReader, Progress, export_argv
from desktop_app.core.paths import DEFAULT_MODEL, MODELS_DIR
from desktop_app.core.samples.sample_store import SampleStore
from model_training.data.datasets import Example
from model_training.data.face_samples import lfw_face
from model_training.data.labels import SPEC_LABELS, DataError
from model_training.finetune.fine_tune_data import framing, stratified_split
from model_training.finetune.init_from import resolve_base
from model_training.train.spec_building import trained_spec
from support.real_face_crops import write_crops
from support.repo import REPO
from support.training_runs import cli, one_line_error

BUNDLED = "fer2013_mini_xception"
CONTEMPT_FACES = tuple(range(40, 56))  # LFW faces standing in for a class the base lacks (see dataset())


def fingerprint(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def store_crops(dataset: Path, crops: dict[str, list[np.ndarray]]) -> Path:
    """A captured dataset written by the app's SampleStore (manifest and all), crops already cut."""
    with SampleStore(dataset) as store:
        for label, images in crops.items():
            for image in images:
                store.save_crop(store.make_sample((0, 0, 10, 10), None, label), image)
    return dataset


def read_folder(folder: Path) -> list[np.ndarray]:
    return [cv2.imread(str(p)) for p in sorted(folder.glob("*.png"))]


@pytest.fixture(scope="module")
def real_crops(tmp_path_factory) -> dict[str, list[np.ndarray]]:
    """Re-photographed real faces cut by the app's detector and ``crop_face`` at the capture margin."""
    root = tmp_path_factory.mktemp("crops")
    assert min(write_crops(root, 16).values()) == 16
    return {"Happy": read_folder(root / "happy"), "Neutral": read_folder(root / "neutral")}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, real_crops) -> Path:
    """Happy and Neutral (the base knows them) plus Contempt, which the FER2013 base lacks. No real
    contempt photo ships here (shared/NOTES.md), so 16 real LFW faces are filed as Contempt: what the
    test shows is that a new output is added and learned, not that the model learns contempt."""
    contempt = [cv2.resize(lfw_face(i), (224, 224), interpolation=cv2.INTER_CUBIC) for i in CONTEMPT_FACES]
    return store_crops(tmp_path_factory.mktemp("captured") / "dataset", {**real_crops, "Contempt": contempt})


@pytest.fixture(scope="module")
def fine_tuned(tmp_path_factory, dataset) -> tuple[Path, list[str]]:
    """One real fine-tune of the bundled model through the CLI as the window runs it: (run dir, stdout)."""
    run = tmp_path_factory.mktemp("ft") / "run"
    out = subprocess.run([sys.executable, "-m", "model_training", "train", "--init-from", str(DEFAULT_MODEL),
                          "--train", str(dataset), "--val-split", "0.25", "--out", str(run), "--progress-json",
                          "--epochs", "8", "--head-epochs", "2"],
                         cwd=REPO, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    return run, out.stdout.splitlines()


# ----- the base and its new head (no training)

def test_a_bundled_name_a_tflite_and_a_run_resolve_to_their_keras_form(tmp_path):
    by_name = resolve_base(BUNDLED)
    assert by_name.keras_path == MODELS_DIR / f"{BUNDLED}.keras"
    assert by_name.spec == trained_spec(load_spec(DEFAULT_MODEL))
    assert by_name.spec.color == "gray"  # the Keras form's colour, not the export's RGB input
    by_tflite = resolve_base(str(DEFAULT_MODEL))
    assert by_tflite.keras_path == by_name.keras_path and by_tflite.spec.crop_margin == 0.15
    lone = tmp_path / "lone.tflite"  # an export whose Keras form and run folder are gone
    shutil.copy(DEFAULT_MODEL, lone)
    spec = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text())
    spec["provenance"]["run_dir"] = str(tmp_path / "deleted_run")
    lone.with_suffix(".json").write_text(json.dumps(spec))
    with pytest.raises(DataError, match=r"Keras form is missing: expected .*lone\.keras or its training run"):
        resolve_base(str(lone))
    with pytest.raises(DataError, match="not a run directory, .keras, .tflite or bundled model name"):
        resolve_base("fer2013_mini_xceptoin")
    keras_copy = tmp_path / "copy.keras"
    shutil.copy(by_name.keras_path, keras_copy)
    with pytest.raises(DataError, match=r"model spec not found: .*copy\.json \(every \.keras needs its \.json"):
        resolve_base(str(keras_copy))


def test_the_new_head_keeps_the_bases_predictions_and_adds_contempt(real_crops):
    from model_training.finetune.init_from import load_base, map_probabilities, with_affectnet_head

    base_model = resolve_base(BUNDLED)
    spec = base_model.spec
    crops = [c for images in real_crops.values() for c in images]
    batch = prepare_batch(crops, spec)
    base = load_base(base_model)
    before = map_probabilities(np.asarray(base(batch, training=False)), spec)
    model = with_affectnet_head(base, spec)
    after = np.asarray(model(batch, training=False))
    assert after.shape == (len(crops), len(SPEC_LABELS))
    np.testing.assert_allclose(after, before, atol=1e-5)  # step 0: the base's answer, class by class
    assert after[:, SPEC_LABELS.index("contempt")].max() < 1e-5  # a new output, quiet until trained
    assert len({int(i) for i in before.argmax(1)}) >= 2  # the crops are not all one answer


def test_a_dense_head_on_a_nested_backbone_is_remapped_too():
    """The ImageNet backbones' shape (a nested model, then Dense → softmax), with three labels in an
    order of their own: each maps by name, the rest of AffectNet's classes start quiet."""
    import keras

    from desktop_app.core.expression.model_spec import ModelSpec
    from model_training.finetune.fine_tune import _nested_layers
    from model_training.finetune.init_from import map_probabilities, with_affectnet_head

    inner_in = keras.Input((32, 32, 3))
    features = keras.layers.GlobalAveragePooling2D()(keras.layers.BatchNormalization()(
        keras.layers.Conv2D(4, 3)(inner_in)))
    backbone = keras.Model(inner_in, features, name="backbone")
    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Activation("softmax")(keras.layers.Dense(3)(backbone(inputs)))
    base = keras.Model(inputs, outputs, name="tiny")
    base.layers[-2].set_weights([np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32),
                                 np.array([0.5, -0.2, 0.1], np.float32)])
    spec = ModelSpec("tiny", ("sad", "happy", "surprised"), 32, 32, "rgb", 0.0, 1.0)
    x = np.random.default_rng(1).normal(size=(5, 32, 32, 3)).astype(np.float32)
    before = map_probabilities(np.asarray(base(x, training=False)), spec)
    model = with_affectnet_head(base, spec)
    # logits near 0 here, so each of the five new classes starts at e^-10 ≈ 4.5e-5 of the mass
    np.testing.assert_allclose(np.asarray(model(x, training=False)), before, atol=1e-4)
    assert before[:, [SPEC_LABELS.index(n) for n in ("sad", "happy", "surprise")]].min() > 0
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in _nested_layers(model))


def test_framing_and_the_held_out_split():
    fraction, margin = framing(0.15)
    assert fraction == pytest.approx(1.3 / 1.5) and margin == 0.15  # the 0.15 crop inside the stored 0.25 one
    assert framing(0.4) == (1.0, 0.25)  # wider than what is stored: used as is, and said so in the spec
    examples = [Example(f"/d/{label}/{i:02d}.png", label) for label, n in ((0, 10), (1, 5), (7, 2)) for i in range(n)]
    train, held = stratified_split(examples, 0.2, seed=3)
    assert sorted(e.label for e in held) == [0, 0, 1, 7]  # round(n·0.2), at least one, never the whole class
    assert {e.path for e in train} | {e.path for e in held} == {e.path for e in examples}
    assert stratified_split(list(reversed(examples)), 0.2, seed=3) == (train, held)  # order-independent


# ----- a real fine-tune

def test_fine_tune_prints_the_windows_lines_and_a_before_after_report(fine_tuned):
    run, lines = fine_tuned
    reader = OutputReader()
    events = reader.feed("\n".join(lines) + "\n")
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.epoch for p in progress] == list(range(1, 9)) and {p.epochs for p in progress} == {8}
    assert [p.phase for p in progress] == ["head"] * 2 + ["all"] * 6
    assert all(p.val_balanced_accuracy is not None and p.eta_s is not None for p in progress)
    assert progress[-1].eta_s == 0 and progress[-1].elapsed_s > progress[0].elapsed_s
    done = [e for e in events if isinstance(e, Done)]
    assert len(done) == 1 and done[0].run_dir == str(run) and Path(done[0].report).is_file()
    assert sum(line.startswith("progress ") for line in lines) == 8

    report = json.loads(Path(done[0].report).read_text())
    rows = {row["class"]: row for row in report["classes"]}
    assert report["held_out"] == 12 and {rows[c]["support"] for c in ("Happy", "Neutral", "Contempt")} == {4}
    for name in ("Happy", "Neutral", "Contempt"):
        assert {"base_recall", "fine_tuned_recall"} <= set(rows[name])
    assert rows["Contempt"]["base_recall"] == 0 and rows["Contempt"]["fine_tuned_recall"] >= 0.75  # learned
    for name in ("Happy", "Neutral"):  # the classes the base knew do not collapse
        assert rows[name]["fine_tuned_recall"] >= min(rows[name]["base_recall"], 0.75)
    assert report["fine_tuned_balanced_accuracy"] > report["base_balanced_accuracy"]
    assert done[0].best_balanced_accuracy == pytest.approx(report["fine_tuned_balanced_accuracy"], abs=1e-4)
    assert "| Contempt | 4 |" in "\n".join(lines)  # the readable table
    config = json.loads((run / "config.json").read_text())
    assert config["init_from"] == str(DEFAULT_MODEL) and config["crop_margin"] == 0.15
    assert not [p for p in run.iterdir() if "partial" in p.name]


def test_export_of_a_fine_tune_loads_in_the_app_with_eight_labels(fine_tuned, tmp_path, dataset):
    # export checks parity on the crops training held out, as recorded in split.json, even when the
    # dataset changed meanwhile (here: its folder is gone from the copied run's config)
    run = tmp_path / "run"
    shutil.copytree(fine_tuned[0], run)
    split = json.loads((run / "split.json").read_text())
    assert len(split["held_out"]) == 12 and len(split["train"]) == 36
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "train": [str(tmp_path / "deleted_dataset")]}))
    out = tmp_path / "app" / "fine_tuned.tflite"
    done = subprocess.run(export_argv(run, out), cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "parity vs Keras on 12 images" in done.stdout
    with ExpressionClassifier(out) as classifier:
        spec = classifier.spec
        assert spec.labels == SPEC_LABELS and (spec.input_width, spec.crop_margin) == (64, 0.15)
        assert spec.color == "rgb" and spec.provenance["trained_color"] == "gray"  # every export takes RGB
        probs = classifier.classify_batch(prepare_batch([cv2.imread(str(next(dataset.glob("Contempt/*.png"))))],
                                                        spec))
        assert probs.shape == (1, 8) and abs(float(probs.sum()) - 1) < 1e-4
    assert spec.provenance["config"]["init_from"] == str(DEFAULT_MODEL)
    again = resolve_base(str(out))  # fine-tuning the fine-tuned export finds its run through the spec
    assert again.keras_path.resolve() == (run / "best.keras").resolve()
    assert again.spec.labels == SPEC_LABELS and again.spec.color == "gray"


def test_batch_normalization_stays_as_the_base_had_it(fine_tuned):
    """"BatchNormalization stays frozen in inference mode, as a few hundred crops cannot re-estimate its
    statistics": after 8 epochs every BatchNormalization layer of best.keras still holds the base's
    scale, offset and moving statistics, while the layers around them did train."""
    import keras

    from model_training.finetune.fine_tune import _nested_layers

    def layers(model, kind):
        return [layer for layer in _nested_layers(model) if isinstance(layer, kind)]

    base = keras.models.load_model(MODELS_DIR / f"{BUNDLED}.keras", compile=False)
    tuned = keras.models.load_model(fine_tuned[0] / "best.keras", compile=False)
    norms = list(zip(layers(base, keras.layers.BatchNormalization),
                     layers(tuned, keras.layers.BatchNormalization), strict=True))
    assert len(norms) > 10
    for before, after in norms:
        for a, b in zip(before.get_weights(), after.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b, err_msg=before.name)
    convs = list(zip(layers(base, keras.layers.SeparableConv2D), layers(tuned, keras.layers.SeparableConv2D),
                     strict=True))
    assert convs and any(not np.array_equal(a.get_weights()[0], b.get_weights()[0]) for a, b in convs)


def test_a_moved_fine_tune_still_checks_itself(fine_tuned, tmp_path):
    """split.json names the run's crops relative to the run: a moved run (its old folder gone) exports
    with the parity check on its own held-out crops, float32 and int8 alike."""
    run = shutil.copytree(fine_tuned[0], tmp_path / "moved")
    split = json.loads((run / "split.json").read_text())
    assert all(not Path(p).is_absolute() for rows in split.values() for p, _, _ in rows)
    original = fine_tuned[0] / "face_crops"
    hidden = original.with_name("face_crops.hidden")
    original.rename(hidden)  # what the moved run pointed at before is gone
    try:
        for quant in ("float32", "int8"):
            out = tmp_path / f"moved_{quant}.tflite"
            # OpenCV's own read errors on (OPENCV_LOG_LEVEL set: the kit silences them otherwise), so a crop
            # the moved run cannot find would show here
            done = subprocess.run(export_argv(run, out) + ["--quant", quant], cwd=REPO, capture_output=True,
                                  text=True, timeout=600, env={**os.environ, "OPENCV_LOG_LEVEL": "WARNING"})
            assert done.returncode == 0, done.stderr[-3000:]
            assert "parity vs Keras on 12 images" in done.stdout and "can't open/read" not in done.stderr, done.stderr
    finally:
        hidden.rename(original)


def test_a_killed_fine_tune_leaves_no_half_written_model(tmp_path, dataset):
    before = fingerprint(dataset)
    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "model_training", "train", "--init-from", BUNDLED,
                                "--train", str(dataset), "--val-split", "0.2", "--out", str(run),
                                "--progress-json", "--epochs", "50"],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in process.stdout:
            if line.startswith("progress "):
                break
        time.sleep(0.7)  # kill it somewhere in the next epoch, maybe while it saves
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
    import keras

    model = keras.models.load_model(run / "best.keras", compile=False)  # what is there is whole
    assert model.outputs[0].shape[-1] == 8
    assert not list(run.glob("*.tflite"))
    assert fingerprint(dataset) == before


# ----- bad input: one line, exit 2, nothing written

@pytest.mark.parametrize("flags, says", [
    (["--input-size", "96"], "--input-size 96 disagrees with --init-from"),
    (["--color", "rgb"], "--color rgb disagrees with --init-from"),
    (["--head-epochs", "20", "--epochs", "5"], "--head-epochs 20 is more than --epochs 5"),
    (["--resume"], "--resume does not apply to --init-from"),
    (["--arch", "efficientnet_b0"], "--arch and --weights do not apply to --init-from"),
])
def test_flags_that_disagree_with_the_base_are_refused(dataset, tmp_path, capsys, flags, says):
    run = tmp_path / "run"
    argv = ["train", "--init-from", BUNDLED, "--train", str(dataset), "--val-split", "0.2", "--out", str(run)]
    assert cli(argv + flags) == 2
    assert says in one_line_error(capsys) and not run.exists()


def test_fine_tune_flags_without_init_from_are_refused(dataset, tmp_path, capsys):
    assert cli(["train", "--train", str(dataset), "--val-split", "0.2", "--out", str(tmp_path / "r")]) == 2
    assert "go with --init-from MODEL" in one_line_error(capsys)


def test_a_damaged_keras_file_is_refused_in_one_line(dataset, tmp_path, capsys):
    damaged = tmp_path / "damaged.keras"
    data = bytearray((MODELS_DIR / f"{BUNDLED}.keras").read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the weights: the zip's CRC no longer matches
    damaged.write_bytes(bytes(data))
    shutil.copy(MODELS_DIR / f"{BUNDLED}.json", tmp_path / "damaged.json")
    assert cli(["train", "--init-from", str(damaged), "--train", str(dataset), "--val-split", "0.2",
                "--out", str(tmp_path / "run")]) == 2
    assert "does not load in Keras" in one_line_error(capsys)
    assert not (tmp_path / "run").exists()  # not even the crops cut for it
    assert cli(["convert", str(damaged), "--spec-from", str(MODELS_DIR / f"{BUNDLED}.json"),
                "--out", str(tmp_path / "m.tflite")]) == 2
    assert "does not load in Keras" in one_line_error(capsys)


def test_a_missing_or_unknown_base_is_refused(dataset, tmp_path, capsys):
    for model, says in ((str(tmp_path / "gone.tflite"), "file not found"),
                        ("no_such_model", "bundled model name (bundled: fer2013_mini_xception)")):
        assert cli(["train", "--init-from", model, "--train", str(dataset), "--val-split", "0.2",
                    "--out", str(tmp_path / "run")]) == 2
        assert says in one_line_error(capsys)
    assert not (tmp_path / "run").exists()


def test_bad_datasets_are_refused_and_left_as_they_were(tmp_path, capsys, real_crops):
    one_class = store_crops(tmp_path / "one", {"Happy": real_crops["Happy"][:6]})
    empty = tmp_path / "empty"
    (empty / "Happy").mkdir(parents=True)
    (empty / "Sad").mkdir()
    broken = tmp_path / "broken"  # image names, but nothing OpenCV can decode or crop
    for label in ("Happy", "Sad"):
        (broken / label).mkdir(parents=True)
        for i in range(3):
            (broken / label / f"{i}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40) + b"IEND")
    faceless = tmp_path / "faceless"  # whole photos (':crop') in which the detector finds no face
    for label in ("Happy", "Sad"):
        (faceless / label).mkdir(parents=True)
        for i in range(3):
            cv2.imwrite(str(faceless / label / f"{i}.png"), np.full((120, 160, 3), 40 * i, np.uint8))
    cases = [(str(one_class), "only one label has samples (Happy 6)"),
             (str(empty), "no labelled images found"),
             (str(broken), "could be cropped (unreadable image: 6)"),
             (f"{faceless}::crop", "no face found: 6")]
    for data, says in cases:
        root = Path(data.split("::")[0])
        before = fingerprint(root)
        run = tmp_path / f"run_{root.name}"
        assert cli(["train", "--init-from", BUNDLED, "--train", data, "--val-split", "0.2", "--out", str(run)]) == 2
        assert says in one_line_error(capsys), data
        assert fingerprint(root) == before and not run.exists()
