"""model_training's data side: readers, label mapping, corrupt files, CLI errors (no model training)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from model_training.__main__ import main
from model_training.data.datasets import Source, list_examples, scan_unreadable
from model_training.data.labels import DataError, map_label
from model_training.data.synthetic import pattern_image, write_affectnet_like
from model_training.train.config import TrainConfig
from support.repo import REPO as ROOT


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_label_names_map_onto_affectnet_classes():
    assert [map_label(x) for x in ("Neutral", "HAPPINESS", "sad", "surprised", "Fear", "disgusted",
                                   "angry", "contempt")] == list(range(8))
    with pytest.raises(DataError, match="'bored' does not map"):
        map_label("bored")


def test_source_weights_and_crop_flag():
    assert Source.parse("data/captured:2.5") == Source(Path("data/captured"), 2.5, False)
    assert Source.parse("photos::crop") == Source(Path("photos"), 1.0, True)
    assert Source.parse("C:/data") == Source(Path("C:/data"), 1.0, False)


def test_affectnet_reader_skips_non_expression_classes(tmp_path):
    root = write_affectnet_like(tmp_path / "train_set", per_class=3)
    np.save(root / "annotations" / "999_exp.npy", np.array("9"))  # AffectNet's "uncertain"
    cv2.imwrite(str(root / "images" / "999.jpg"), pattern_image(0, 48, np.random.default_rng(0)))
    cv2.imwrite(str(root / "images" / "1000.jpg"), pattern_image(0, 48, np.random.default_rng(0)))
    listing = list_examples([Source(root)])
    assert list(listing.counts()[:4]) == [3, 3, 3, 3]
    assert listing.skipped == {"class 9 (not an expression)": 1, "no annotation": 1}


def test_pointing_at_affectnet_root_asks_for_a_split(tmp_path, capsys):
    write_affectnet_like(tmp_path / "affectnet" / "train_set", per_class=1)
    assert main(["stats", str(tmp_path / "affectnet")]) == 2
    assert "point at" in one_line_error(capsys)


def test_captured_dataset_follows_the_manifest_events(tmp_path):
    """The app's manifest rules (desktop_app.core.samples.sample_manifest): before they were shared, this
    reader took a line without an ``event`` for an add and accepted any id; both are now refused."""
    root = tmp_path / "captured"
    a1, b2, c3, d4, e5 = (f"{i:032x}" for i in range(1, 6))
    events = [{"event": "add", "id": a1, "label": "Happy"}, {"event": "add", "id": b2, "label": "Sad"},
              {"event": "add", "id": c3, "label": "Anger"}, {"event": "relabel", "id": b2, "to": "Neutral"},
              {"event": "delete", "id": c3, "label": "Anger"}, {"id": d4, "label": "surprised"},
              {"event": "add", "id": e5, "label": "Fear"}, {"event": "relabel", "id": e5, "to": None},
              {"event": "add", "id": "../../outside/secret", "label": "Happy"}]
    folders = {a1: "Happy", b2: "Neutral", d4: "surprised", e5: "Fear"}
    for sid, label in folders.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(root / label / f"{sid}.png"), np.full((224, 224, 3), 100, np.uint8))
    secret = tmp_path / "outside" / "secret.png"  # what the traversal line points at
    secret.parent.mkdir()
    cv2.imwrite(str(secret), np.zeros((8, 8, 3), np.uint8))
    (root / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events) + "{broken\n")
    listing = list_examples([Source.parse(f"{root}:2.0")])
    assert sorted((Path(e.path).stem, e.label, e.weight) for e in listing.examples) == [
        (a1, 1, 2.0), (b2, 0, 2.0), (e5, 4, 2.0)]  # e5 kept as Fear: a relabel to null is ignored
    assert all(Path(e.path).resolve().is_relative_to(root.resolve()) for e in listing.examples)
    # no event (d4), relabel to null, the traversal id, and the broken line; d4's file is counted, not read
    assert listing.skipped == {"bad manifest line": 4, "sample file the manifest does not list": 1}


def test_training_and_the_app_count_the_same_samples(tmp_path, astronaut):
    from desktop_app.core.samples.sample_store import SampleStore

    root = tmp_path / "captured"
    with SampleStore(root) as store:
        ids = [store.save(astronaut, (177, 82, 95, 95), None, label).id for label in ("Happy", "Sad", "Fear")]
        store.relabel(ids[1], "Anger")
        store.delete(ids[2])
        store.undo()
        store.manifest.append({"event": "relabel", "id": ids[0], "to": None})  # a hand-edited line
        app = sorted((s.id, s.label) for s in store.samples())
    training = sorted((Path(e.path).stem, e.label) for e in list_examples([Source(root)]).examples)
    assert [sid for sid, _ in app] == [sid for sid, _ in training] and len(app) == 3
    assert [map_label(label) for _, label in app] == [label for _, label in training]


def test_corrupt_images_are_counted_by_stats(tmp_path, capsys):
    root = write_affectnet_like(tmp_path / "val_set", per_class=5)
    (root / "images" / "0.jpg").write_bytes((root / "images" / "0.jpg").read_bytes()[:300])  # truncated
    (root / "images" / "1.jpg").write_bytes(b"not an image at all")
    assert main(["stats", str(root)]) == 0
    out = capsys.readouterr().out
    assert "unreadable files: 2" in out and out.splitlines()[9].split() == ["total", "20"]


def test_corrupt_image_passing_the_header_check_is_skipped_by_the_pipeline(tmp_path):
    from model_training.data.input_pipeline import make_dataset

    root = write_affectnet_like(tmp_path / "d", per_class=4)
    (root / "images" / "2.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage garbage\xff\xd9")
    examples = list_examples([Source(root)]).examples
    assert scan_unreadable(examples) == []  # fools the cheap check...
    ds = make_dataset(examples, 32, "gray", 127.5, 127.5, batch_size=8, training=True)
    images = sum(int(x.shape[0]) for x, _, _ in ds)
    assert images == len(examples) - 1  # ...but decoding skips it instead of failing


def test_unmappable_label_is_one_line_error(tmp_path, capsys):
    for label in ("happy", "bored"):
        (tmp_path / label).mkdir()
        cv2.imwrite(str(tmp_path / label / "x.png"), np.zeros((8, 8, 3), np.uint8))
    assert main(["stats", str(tmp_path)]) == 2
    assert "'bored' does not map" in one_line_error(capsys)


def test_empty_datasets_are_one_line_errors(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["stats", str(tmp_path / "empty")]) == 2
    assert "not a dataset" in one_line_error(capsys)
    write_affectnet_like(tmp_path / "none", per_class=0)
    args = ["train", "--train", str(tmp_path / "none"), "--val", str(tmp_path / "none"), "--out",
            str(tmp_path / "run")]
    assert main(args) == 2
    assert "no labelled images" in one_line_error(capsys)


def test_bad_flags_and_config_keys(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--out", str(tmp_path), "--arch", "resnet"])
    assert exc.value.code == 2
    assert "invalid choice" in one_line_error(capsys)
    with pytest.raises(DataError, match="did you mean 'epochs'"):
        TrainConfig.from_dict({"epoch": 3})
    assert main(["train", "--out", str(tmp_path / "r"), "--resume"]) == 2
    assert "not a training run" in one_line_error(capsys)


def test_cli_runs_as_a_module_and_fails_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "model_training", "evaluate", str(tmp_path / "nope"),
                             "--data", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {tmp_path}: not a dataset (expected images/ + "
                                                  "annotations/, a manifest.jsonl, or one folder per label)"]


def test_crop_sources_are_cropped_once_with_the_app_detector(tmp_path, astronaut):
    from model_training.train.run_plan import prepare_examples

    for label, image in (("happy", astronaut), ("sad", np.zeros((200, 200, 3), np.uint8))):
        (tmp_path / label).mkdir()
        cv2.imwrite(str(tmp_path / label / "photo.jpg"), image)
    prepared = prepare_examples([f"{tmp_path}::crop"], tmp_path / "crops", margin=0.25)
    assert [e.label for e in prepared.examples] == [1] and prepared.skipped == {"no face found": 1}
    assert cv2.imread(prepared.examples[0].path).shape == (224, 224, 3)


@pytest.mark.parametrize("color", ["gray", "rgb"])
def test_training_input_matches_the_app_preprocessing(tmp_path, color):
    """The input pipeline (no augmentation) and the app's prepare_batch see the same pixels."""
    from desktop_app.core.expression.model_spec import ModelSpec
    from desktop_app.core.expression.preprocessing import prepare_batch
    from model_training.data.datasets import Example
    from model_training.data.input_pipeline import make_dataset

    rng = np.random.default_rng(0)
    paths = []
    for i in range(4):
        paths.append(str(tmp_path / f"{i}.png"))
        cv2.imwrite(paths[-1], cv2.resize(pattern_image(i, 16, rng), (64, 64), interpolation=cv2.INTER_NEAREST))
    spec = ModelSpec("m", ("a", "b"), 32, 32, color, mean=127.5, std=127.5)
    ds = make_dataset([Example(p, 0) for p in paths], 32, color, 127.5, 127.5, batch_size=4, training=False)
    x = ds[0][0]
    expected = prepare_batch([cv2.imread(p) for p in paths], spec)
    assert x.shape == expected.shape
    assert np.abs(x - expected).max() <= 1.01 / 127.5  # at most one grey level of rounding


def test_resolved_is_a_new_config_and_old_sentinels_read_as_not_chosen(tmp_path):
    from model_training.train.config import load_config, save_config

    chosen = TrainConfig(train=["a"], val=["b"], arch="mobilenet_v3_small", epochs=None)
    resolved = chosen.resolved()
    assert (resolved.input_size, resolved.color, resolved.mean, resolved.std) == (224, "rgb", 0.0, 1.0)
    assert (chosen.input_size, chosen.color, chosen.mean, chosen.std, chosen.epochs) == (None,) * 5
    assert resolved.epochs is None  # left to auto_schedule, which sees the data
    old = {**TrainConfig(train=["a"], val=["b"]).to_dict(), "input_size": 0, "color": "", "mean": -1.0,
           "std": -1.0, "epochs": 0, "batch_size": 0}  # how "not chosen" was written before None
    (tmp_path / "config.json").write_text(json.dumps(old))
    loaded = load_config(tmp_path)
    assert (loaded.input_size, loaded.color, loaded.mean, loaded.std, loaded.epochs, loaded.batch_size) == (None,) * 6
    assert loaded.resolved().input_size == 64 and loaded.resolved().color == "gray"
    save_config(resolved, tmp_path)
    assert load_config(tmp_path) == resolved


def test_every_command_has_a_runner():
    from model_training.cli.commands import COMMANDS
    from model_training.cli.parser import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert list(sub.choices) == list(COMMANDS)


@pytest.mark.parametrize("arch", ["mini_xception", "mobilenet_v3_small"])
@pytest.mark.parametrize("quant", ["float32", "int8"])
def test_every_spec_the_kit_writes_loads_in_the_app(tmp_path, arch, quant):
    """The spec of a trained run and of its mobile export, as the kit builds them and saves them beside a
    model, read back by the app's loader (which refuses unknown keys) to the same spec."""
    from desktop_app.core.expression.model_spec import load_spec, save_spec
    from model_training.export.mobile_input import mobile_spec
    from model_training.train.spec_building import spec_from_config

    config = TrainConfig(train=["a"], val=["b"], arch=arch).resolved()
    trained = spec_from_config(config, "run", provenance={"tool": "model_training", "config": config.to_dict()},
                               metrics={"accuracy": 0.5})
    for spec in (trained, mobile_spec(trained, quant)):
        save_spec(spec, tmp_path / "m.tflite")
        assert load_spec(tmp_path / "m.tflite") == spec
