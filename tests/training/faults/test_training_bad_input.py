"""Bad input to ``python -m model_training`` ends in one line ``error: ...`` and exit 2, decided before
any data is read where it can be; a loss that turns NaN and an export that breaks parity stop the run
and leave the last good files (and nothing new where the app looks)."""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.paths import DEFAULT_MODEL
from model_training.__main__ import main
from model_training.cli.commands import COMMANDS
from model_training.data.labels import SPEC_LABELS
from model_training.export.export import MAX_PROB_DIFF, MIN_INT8_TOP1_AGREEMENT, ExportResult, parity_failure
from support.training_runs import cli, one_line_error


@pytest.mark.parametrize("flags, says", [
    (["--input-size", "100000"], "--input-size: must be from 0 to 512"),
    (["--input-size", "16"], "--input-size: must be 0 (the arch's default) or from 32 to 512"),
    (["--learning-rate", "nan"], "--learning-rate: must be a finite number above 0"),
    (["--learning-rate", "inf"], "--learning-rate: must be a finite number above 0"),
    (["--learning-rate", "0"], "--learning-rate: must be a finite number above 0"),
    (["--learning-rate", "-0.1"], "--learning-rate: must be a finite number above 0"),
    (["--learning-rate", "5"], "and at most 1"),
    (["--epochs", "0"], "--epochs: must be from 1 to 10000"),
    (["--epochs", "2.5"], "--epochs: expected a whole number"),
    (["--batch-size", "-4"], "--batch-size: must be from 1 to 4096"),
    (["--captured", "CAPTURED", "--captured-weight", "nan"], "--captured-weight: must be a finite number above 0"),
    (["--captured", "CAPTURED", "--captured-weight", "0"], "--captured-weight: must be a finite number above 0"),
    (["--seed", "-1"], "--seed: must be from 0"),
])
def test_bad_numbers_are_refused_before_anything_is_read(data, capsys, flags, says):
    flags = [str(data / "train_set") if f == "CAPTURED" else f for f in flags]
    out = data / "never"
    splits = ["--train", str(data / "train_set"), "--val", str(data / "val_set")]
    assert cli(["train", *splits, "--out", str(out), *flags]) == 2
    assert says in one_line_error(capsys)
    assert not out.exists()


@pytest.mark.parametrize("argv, says", [
    (["convert", "m.keras", "--out", "m.tflite", "--labels", "a,b", "--mean", "256"],
     "argument --mean: must be between 0 and 255, not 256"),
    (["convert", "m.keras", "--out", "m.tflite", "--labels", "a,b", "--mean", "nan"], "argument --mean: must be"),
    (["convert", "m.keras", "--out", "m.tflite", "--labels", "a,b", "--std", "0"],
     "argument --std: must be a finite number above 0"),
    (["convert", "m.keras", "--out", "m.tflite", "--quant", "int4"], "argument --quant: invalid choice: 'int4'"),
    (["audit", "DATA", "--out", "o", "--top", "0"], "argument --top: must be from 1 to 10000, not 0"),
    (["bench", "--batches", "0"], "argument --batches: must be from 1 to 100000"),
    (["bench-scale", "--images", "99"], "argument --images: must be from 100 to 10000000, not 99"),
    (["bench-scale", "--batch-size", "4097"], "argument --batch-size: must be from 1 to 4096"),
    (["bench-scale", "--batches", "x"], "argument --batches: expected a whole number, not 'x'"),
    (["bench-scale", "--epoch-steps", "-1"], "argument --epoch-steps: must be from 0 to 10000000"),
    (["train", "--train", "DATA", "--out", "o", "--init-from", "m", "--head-epochs", "-1"],
     "argument --head-epochs: must be from 0 to 10000"),
    (["train", "--train", "DATA", "--out", "o", "--init-from", "m", "--val-split", "0.95"],
     "argument --val-split: must be a finite number above 0 and at most 0.9, not 0.95"),
    (["train", "--train", "DATA", "--out", "o", "--init-from", "m", "--val-split", "nan"],
     "argument --val-split: must be a finite number above 0"),
    (["evaluate", "m.tflite"], "the following arguments are required: --data"),
    (["retrain"], "argument COMMAND: invalid choice: 'retrain'"),
])
def test_every_numeric_flag_refuses_a_bad_value_in_one_line(data, tmp_path, capsys, argv, says):
    """While parsing: no dataset is listed, no model loaded, no folder made."""
    argv = [str(data / "train_set") if a == "DATA" else a for a in argv]
    os.chdir(tmp_path)
    assert cli(argv) == 2
    assert says in one_line_error(capsys)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_reads_well(capsys, command):
    assert cli([command, "--help"] if command else ["--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: python -m model_training")
    assert "(default: None)" not in text and "(default: False)" not in text and "(default: [])" not in text
    if command == "train":  # a default of 0 is a value and is shown
        assert re.search(r"--seed SEED\s+random seed \(default: 0\)", text), text


@pytest.fixture
def full_disk(tmp_path) -> Path:
    """A folder whose next write fails with ENOSPC from the kernel: a 4 KiB tmpfs filled up (needs root, as
    in CI's container). A link to /dev/full no longer serves: the kit writes a temporary file and renames it
    over the link, as it should."""
    folder = tmp_path / "full"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        (folder / "filler").write_bytes(b"x" * 4096)
        with pytest.raises(OSError, match="No space left"):
            (folder / "probe").write_bytes(b"x" * 4096)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_one_error_line(data, full_disk, capsys):
    """``evaluate --out`` on a full disk: the real OSError (ENOSPC) is one line, not a traceback."""
    out = full_disk / "eval"
    out.mkdir(exist_ok=True)
    assert cli(["evaluate", str(DEFAULT_MODEL), "--data", str(data / "val_set"), "--out", str(out)]) == 2
    line = one_line_error(capsys)
    assert "No space left on device" in line, line


def test_evaluate_checks_its_out_before_the_pass(data, full_disk, tmp_path, capsys):
    """A report that cannot be written is refused before the model loads and the images are read (it
    was found only after the whole pass): here the data has nothing readable either, and the line
    names the disk, not the data."""
    for label in ("happy", "sad"):
        (tmp_path / "broken" / label).mkdir(parents=True)
        (tmp_path / "broken" / label / "0.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    out = full_disk / "eval-first"
    assert cli(["evaluate", str(DEFAULT_MODEL), "--data", str(tmp_path / "broken"), "--out", str(out)]) == 2
    line = one_line_error(capsys)
    assert "No space left on device" in line and "readable" not in line, line
    assert not out.exists()  # the folder the check made is gone with the refusal
    elsewhere = tmp_path / "eval"
    assert cli(["evaluate", str(tmp_path / "missing.tflite"), "--data", str(data / "val_set"),
                "--out", str(elsewhere)]) == 2
    assert "missing.tflite" in one_line_error(capsys) and not elsewhere.exists()


@pytest.mark.parametrize("weight", ["nan", "inf", "-1", "0"])
def test_a_dataset_weight_must_be_finite_and_positive(data, capsys, weight):
    out = data / "never"
    train = f"{data / 'train_set'}:{weight}"
    assert main(["train", "--train", train, "--val", str(data / "val_set"), "--out", str(out)]) == 2
    assert "weight must be a finite number above 0" in one_line_error(capsys)
    assert not out.exists()


def test_out_naming_a_file_or_a_foreign_folder_is_refused(data, tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    base = ["train", "--train", str(data / "train_set"), "--val", str(data / "val_set"), "--out"]
    assert main([*base, str(a_file)]) == 2
    assert "is a file, not a run directory" in one_line_error(capsys)
    assert a_file.read_text() == "mine"
    assert main([*base, str(data)]) == 2  # a folder of someone's files (here: the datasets)
    assert "folder with other files in it" in one_line_error(capsys)
    assert main(["train", "--out", str(a_file), "--resume"]) == 2
    assert "is a file" in one_line_error(capsys)


def test_a_loss_that_turns_nan_stops_and_keeps_the_last_good_checkpoint(run_dir, tmp_path, capsys):
    """Resume a good one-epoch run whose optimizer was given a learning rate of 1e20: epoch 2 diverges."""
    import shutil

    import keras

    run = tmp_path / "diverging"
    shutil.copytree(run_dir, run)
    model = keras.models.load_model(run / "last.keras")
    model.optimizer.learning_rate.assign(1e20)
    model.save(run / "last.keras")
    before = {name: (run / name).read_bytes() for name in ("best.keras", "last.keras", "state.json")}
    capsys.readouterr()

    assert main(["train", "--out", str(run), "--resume", "--epochs", "3"]) == 2
    line = one_line_error(capsys)
    assert "loss became nan in epoch 2" in line and f"{run / 'last.keras'} (epoch 1)" in line, line
    assert {name: (run / name).read_bytes() for name in before} == before  # nothing overwritten
    assert json.loads((run / "state.json").read_text())["epochs_done"] == 1


def test_evaluate_out_naming_a_file_is_refused(run_dir, data, tmp_path, capsys):
    a_file = tmp_path / "report"
    a_file.write_text("mine")
    assert main(["evaluate", str(run_dir), "--data", str(data / "val_set"), "--out", str(a_file)]) == 2
    assert "is a file" in one_line_error(capsys)
    assert a_file.read_text() == "mine"


def test_export_out_must_be_a_tflite_file_name(run_dir, tmp_path, capsys):
    assert main(["export", str(run_dir), "--out", str(tmp_path / "model.txt")]) == 2
    assert "must end in .tflite" in one_line_error(capsys)
    (tmp_path / "dir.tflite").mkdir()
    assert main(["export", str(run_dir), "--out", str(tmp_path / "dir.tflite")]) == 2
    assert "is a folder" in one_line_error(capsys)


def test_convert_of_a_model_with_nan_outputs_fails_and_writes_nothing(run_dir, data, tmp_path, capsys):
    import keras

    model = keras.models.load_model(run_dir / "best.keras", compile=False)
    layer = next(layer for layer in reversed(model.layers) if layer.get_weights())
    layer.set_weights([np.full_like(w, np.nan) for w in layer.get_weights()])
    model.save(tmp_path / "broken.keras")
    out = tmp_path / "app_models" / "broken.tflite"
    assert main(["convert", str(tmp_path / "broken.keras"), "--out", str(out), "--labels", ",".join(SPEC_LABELS),
                 "--data", str(data / "val_set")]) == 2
    line = one_line_error(capsys)
    assert "parity check" in line and "NaN" in line and "nothing written" in line, line
    assert list(out.parent.iterdir()) == []  # no .tflite, no .json, no temporary folder left behind


def test_an_export_that_disagrees_with_keras_fails_and_keeps_the_older_export(run_dir, data, tmp_path, capsys,
                                                                             monkeypatch):
    """A real model whose .tflite is not its own: the converter is handed a copy of the model with its
    last layer's weights changed, so the file loads and runs but disagrees with the Keras model the parity
    check compares it with. The export fails, and the good export of the same name from before is intact."""
    import keras

    from model_training.export import export

    out = tmp_path / "app_models" / "m.tflite"
    argv = ["convert", str(run_dir / "best.keras"), "--out", str(out), "--labels", ",".join(SPEC_LABELS),
            "--data", str(data / "val_set")]
    assert main(argv) == 0
    before = {p.name: p.read_bytes() for p in out.parent.iterdir()}
    assert sorted(before) == ["m.json", "m.tflite"]
    capsys.readouterr()
    real_to_tflite = export.to_tflite

    def another_models_tflite(model, quant, representative):
        other = keras.models.clone_model(model)
        weights = model.get_weights()
        weights[-2] = weights[-2] + np.random.default_rng(0).normal(0, 1, weights[-2].shape).astype(np.float32)
        other.set_weights(weights)
        return real_to_tflite(other, quant, representative)

    monkeypatch.setattr(export, "to_tflite", another_models_tflite)
    assert main(argv) == 2
    line = one_line_error(capsys)
    assert "parity check" in line and "differs from Keras" in line and "nothing written" in line, line
    assert {p.name: p.read_bytes() for p in out.parent.iterdir()} == before  # the old export, untouched


def test_convert_without_data_says_no_parity_check_on_images_ran(run_dir, tmp_path, capsys):
    out = tmp_path / "m.tflite"
    assert main(["convert", str(run_dir / "best.keras"), "--out", str(out), "--labels", ",".join(SPEC_LABELS)]) == 0
    printed = capsys.readouterr().out
    assert "no parity check on images ran (give --data)" in printed and "top-1" not in printed
    assert out.is_file() and out.with_suffix(".json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.tflite"]


def _result(max_diff=0.0, top1=1.0, images=100, finite=True) -> ExportResult:
    return ExportResult(Path("m.tflite"), Path("m.json"), 1, max_diff, top1, images, 0.1, 0.1, finite)


def test_parity_thresholds():
    assert parity_failure("float32", _result(max_diff=MAX_PROB_DIFF["float32"] / 2)) == ""
    assert "tolerance 0.0001" in parity_failure("float32", _result(max_diff=MAX_PROB_DIFF["float32"] * 2))
    assert "tolerance" in parity_failure("float32", _result(max_diff=float("inf")))
    assert parity_failure("float16", _result(max_diff=0.01)) == ""
    assert "NaN" in parity_failure("float32", _result(finite=False))
    assert parity_failure("int8", _result(max_diff=0.3, top1=MIN_INT8_TOP1_AGREEMENT)) == ""
    assert "at least 90% needed" in parity_failure("int8", _result(top1=MIN_INT8_TOP1_AGREEMENT - 0.01))
