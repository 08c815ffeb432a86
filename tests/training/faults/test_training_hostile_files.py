"""Hostile and misplaced files get the app's treatment in the training kit: a 20000×20000 PNG (1.1 MB) is
refused by its header before decoding, a JSON line of 100,000 nested ``[`` is one skipped line (or one
``error:`` line naming a run file), a ``.keras`` that would inflate is refused before loading, an output
that would land on a run's files or inside a dataset is refused, and a dataset the app captured into is
read whole. No training here: runs are built from their files."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_records import MANIFEST
from desktop_app.core.samples.sample_store import SampleStore
from model_training.data.synthetic import write_affectnet_like
from model_training.train.config import TrainConfig, save_config
from support.faults import NESTED_JSON, huge_png
from support.memory import run_module_measuring_peak
from support.repo import REPO
from support.training_runs import cli, one_line_error

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def fingerprint(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def face(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (64, 64, 3), np.uint8)


def plain_folders(root: Path, per_label: int = 3) -> Path:
    for label in ("happy", "sad"):
        (root / label).mkdir(parents=True)
        for n in range(per_label):
            cv2.imwrite(str(root / label / f"{n}.png"), face(n))
    return root


@pytest.fixture()
def fake_run(tmp_path) -> Path:
    """A run folder as train leaves it (config.json, best.keras, last.keras, state.json), no training:
    the bundled model stands in for the checkpoints."""
    data = plain_folders(tmp_path / "data")
    run = tmp_path / "run"
    run.mkdir()
    save_config(TrainConfig(train=[str(data)], val=[str(data)], epochs=3, batch_size=8).resolved(), run)
    for name in ("best.keras", "last.keras"):
        shutil.copy(DEFAULT_MODEL.with_suffix(".keras"), run / name)
    (run / "state.json").write_text(json.dumps({"epochs_done": 1, "best_balanced_accuracy": 0.5, "best_epoch": 1,
                                                "history": {}}))
    (run / "split.json").write_text(json.dumps({"train": [], "held_out": []}))
    return run


def stats(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "model_training", "stats", *args], cwd=REPO, env=ENV,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    return done.stdout


def total(stats_output: str) -> int:
    return int(next(line for line in stats_output.splitlines() if line.startswith("total")).split()[1])


# ----- hostile files

def test_a_nested_manifest_line_is_skipped_and_counted(tmp_path):
    root = tmp_path / "captured"
    with SampleStore(root) as store:
        for n, label in enumerate(("Happy", "Sad", "Happy")):
            store.save_crop(store.make_sample((0, 0, 10, 10), None, label), face(n))
    with open(root / MANIFEST, "a", encoding="utf-8") as fh:
        fh.write(NESTED_JSON + "\n")
    out = stats(str(root))
    assert total(out) == 3 and "skipped 1: bad manifest line" in out


@pytest.mark.parametrize("content, says", [
    (NESTED_JSON, "nested too deeply"),
    ("garbage{", "is not valid JSON"),
    ("{}", "epochs_done must be a whole number"),
    (json.dumps({"epochs_done": -5, "best_balanced_accuracy": 0.5, "best_epoch": 0, "history": {}}),
     "epochs_done must be a whole number from 0, not -5"),
    ("[1, 2]", "expected a JSON object"),
])
def test_a_hostile_state_json_is_one_line_on_resume(fake_run, capsys, content, says):
    (fake_run / "state.json").write_text(content)
    assert cli(["train", "--out", str(fake_run), "--resume", "--epochs", "3"]) == 2
    error = one_line_error(capsys)
    assert says in error and "state.json" in error, error


@pytest.mark.parametrize("command", [["train", "--out", "RUN", "--resume"], ["export", "RUN"],
                                     ["evaluate", "RUN", "--data", "RUN/../data"]])
def test_a_nested_config_json_is_one_line(fake_run, capsys, command):
    (fake_run / "config.json").write_text(NESTED_JSON)
    argv = [arg.replace("RUN", str(fake_run)) for arg in command]
    assert cli(argv) == 2
    error = one_line_error(capsys)
    assert "config.json is not valid JSON: nested too deeply" in error, error


def test_a_nested_spec_is_one_line_for_evaluate_audit_and_convert(tmp_path, capsys):
    data = plain_folders(tmp_path / "data")
    model = tmp_path / "m.tflite"
    shutil.copy(DEFAULT_MODEL, model)
    model.with_suffix(".json").write_text(NESTED_JSON)
    for argv in (["evaluate", str(model), "--data", str(data)],
                 ["audit", str(data), "--model", str(model), "--out", str(tmp_path / "audit")],
                 ["convert", str(DEFAULT_MODEL.with_suffix(".keras")), "--spec-from", str(model.with_suffix(".json")),
                  "--out", str(tmp_path / "c.tflite")]):
        assert cli(argv) == 2, argv
        assert "nested too deeply" in one_line_error(capsys)
    assert not (tmp_path / "c.tflite").exists()


def test_a_keras_file_that_would_inflate_or_nests_too_deeply_is_refused_before_loading(tmp_path, capsys):
    bomb, nested = tmp_path / "bomb.keras", tmp_path / "nested.keras"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:  # 40 MB of config in 40 KB
        archive.writestr("config.json", b" " * (40 * 2**20))
    with zipfile.ZipFile(nested, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", NESTED_JSON)
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
    assert bomb.stat().st_size < 100_000
    for path, says in ((bomb, "would inflate to 40 MB"), (nested, "does not load in Keras")):
        assert cli(["convert", str(path), "--labels", "a,b", "--out", str(tmp_path / "x.tflite")]) == 2
        assert says in one_line_error(capsys)
    assert not (tmp_path / "x.tflite").exists()


def test_a_20000_pixel_png_is_refused_by_its_header_everywhere(tmp_path, capsys):
    data = plain_folders(tmp_path / "data")
    huge = huge_png(data / "happy" / "huge.png")
    assert huge.stat().st_size < 2_000_000
    out = stats(str(data))
    assert "unreadable files: 1" in out and str(huge) in out
    from model_training.audit.audit import audit

    result = audit([str(data)], tmp_path / "audit", geometry=False, progress=io.StringIO())
    assert result.skipped["too large to decode"] == 1 and len(result.suspects) == 6
    # the same audit as a user runs it, its own peak memory (VmHWM: this process image alone; wait4's
    # ru_maxrss carries the test session's peak across exec)
    done, peak_mb = run_module_measuring_peak(
        "model_training", ["audit", str(data), "--out", str(tmp_path / "audit2"), "--no-geometry"], REPO, ENV)
    print(f"audit with a 20000x20000 PNG: peak RSS {peak_mb:.0f} MB")
    assert done.returncode == 0 and "too large to decode: 1" in done.stdout, done.stderr[-2000:]
    assert peak_mb < 1024  # it decoded the PNG at 2.4 GB before


# ----- outputs that would land on a run or in a dataset

@pytest.mark.parametrize("name", ["config.tflite", "split.tflite", "state.tflite", "evaluation.tflite"])
def test_export_never_replaces_a_file_of_the_run(fake_run, capsys, name):
    before = fingerprint(fake_run)
    assert cli(["export", str(fake_run), "--out", str(fake_run / name)]) == 2
    assert "would replace" in one_line_error(capsys)
    assert fingerprint(fake_run) == before


def test_convert_never_replaces_its_own_spec(tmp_path, capsys):
    spec = tmp_path / "m.json"
    shutil.copy(DEFAULT_MODEL.with_suffix(".json"), spec)
    before = spec.read_bytes()
    assert cli(["convert", str(DEFAULT_MODEL.with_suffix(".keras")), "--spec-from", str(spec),
                "--out", str(tmp_path / "m.tflite")]) == 2
    assert "would replace its own --spec-from" in one_line_error(capsys)
    assert spec.read_bytes() == before and not (tmp_path / "m.tflite").exists()


def test_outputs_inside_a_dataset_are_refused(tmp_path, capsys):
    data = plain_folders(tmp_path / "data")
    before = fingerprint(data)
    for argv in (["evaluate", str(DEFAULT_MODEL), "--data", str(data), "--out", str(data / "eval")],
                 ["audit", str(data), "--out", str(data / "happy")],
                 ["train", "--train", str(data), "--val", str(data), "--out", str(data / "run")],
                 ["train", "--train", str(data), "--val", str(data), "--out", str(data)]):
        assert cli(argv) == 2, argv
        assert "lies inside the dataset" in one_line_error(capsys)
    assert fingerprint(data) == before


# ----- layouts: nothing hidden

def test_a_plain_folder_dataset_captured_into_is_read_whole(tmp_path):
    data = plain_folders(tmp_path / "data", per_label=62)  # 124 images
    with SampleStore(data) as store:
        store.save_crop(store.make_sample((0, 0, 10, 10), None, "Happy"), face(99))
    assert (data / MANIFEST).is_file()
    assert total(stats(str(data))) == 125


def test_affectnet_with_a_manifest_and_label_folders_is_read_whole(tmp_path):
    data = tmp_path / "mixed"
    write_affectnet_like(data, per_class=3, seed=0)
    n_affectnet = total(stats(str(data)))
    with SampleStore(data) as store:
        store.save_crop(store.make_sample((0, 0, 10, 10), None, "Sad"), face(1))
    (data / "neutral").mkdir()
    cv2.imwrite(str(data / "neutral" / "x.png"), face(2))
    assert total(stats(str(data))) == n_affectnet + 2


# ----- a full disk under audit's report

def test_audit_on_a_full_disk_claims_no_file_it_did_not_write(tmp_path):
    from support.faults import fill, small_disk

    data = plain_folders(tmp_path / "data", per_label=8)
    with small_disk(tmp_path / "disk", "256k") as disk:
        out = disk / "report"
        out.mkdir()
        fill(disk, 6000)  # room for suspects.csv (~2 KB), not for the contact sheet (~100 KB)
        done = subprocess.run([sys.executable, "-m", "model_training", "audit", str(data), "--out", str(out),
                               "--no-geometry"], cwd=REPO, env=ENV, capture_output=True, text=True, timeout=300)
        assert done.returncode == 2, done.stdout + done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "No space left on device" in errors[0] and "suspects.png" in errors[0], errors
        assert "Traceback" not in done.stderr and "written:" not in done.stdout
        assert sorted(p.name for p in out.iterdir()) in (["suspects.csv"], [])  # no half file, no temporary


def test_a_nested_split_json_of_a_fine_tune_is_one_line_on_export(fake_run, capsys):
    config = json.loads((fake_run / "config.json").read_text())
    (fake_run / "config.json").write_text(json.dumps({**config, "init_from": str(DEFAULT_MODEL)}))
    (fake_run / "split.json").write_text(NESTED_JSON)
    assert cli(["export", str(fake_run)]) == 2
    error = one_line_error(capsys)
    assert "split.json is not valid JSON: nested too deeply" in error, error
