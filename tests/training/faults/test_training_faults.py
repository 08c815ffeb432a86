"""The training kit never loses a model: faults injected for real (a SIGKILL at a chosen write of a
checkpoint, a 1.5 MB tmpfs as the run folder, a read-only bind mount, files removed during an epoch)
at the defaults users run, with a tiny run (32 px, a few synthetic images) so each takes an epoch or two.
What each fault leaves is the table in docs/privacy-reliability.md ("The training kit under faults")."""
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

import pytest

from support.faults import kill_while_writing, read_only, small_disk, writing
from support.repo import REPO
from support.training_runs import cli, one_line_error, write_splits

pytestmark = pytest.mark.slow  # each test trains an epoch or two (tens of seconds on a busy 2-core CPU)
ENV = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0", "TF_CPP_MIN_LOG_LEVEL": "2"}



def copy_run(run_dir: Path, where: Path, best: float | None = None) -> Path:
    """A copy of the run; ``best`` rewrites the stored best score so the next epoch surely saves best.keras."""
    run = shutil.copytree(run_dir, where)
    if best is not None:
        state = json.loads((run / "state.json").read_text())
        state["best_balanced_accuracy"] = best
        (run / "state.json").write_text(json.dumps(state))
    return run


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def loads(path: Path) -> bool:
    import keras

    keras.models.load_model(path, compile=False)
    return True


def leftovers(run: Path) -> list[str]:
    return sorted(p.name for p in run.iterdir() if "partial" in p.name)


def resume(run: Path, epochs: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "model_training", "train", "--out", str(run), "--resume",
                             "--epochs", str(epochs)], cwd=REPO, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize("checkpoint", ["best", "last"])
def test_a_kill_while_a_checkpoint_is_written_keeps_the_previous_one_and_resume_continues(
        run_dir, tmp_path, checkpoint):
    run = copy_run(run_dir, tmp_path / "run", best=-1.0)  # epoch 2 writes best.keras, then last.keras
    before = {name: digest(run / name) for name in ("best.keras", "last.keras", "state.json")}
    half = (run / f"{checkpoint}.keras").stat().st_size // 2
    name, size = kill_while_writing(resume(run, 2), run, checkpoint, half)
    print(f"killed while {name} held {size} bytes")
    assert loads(run / "best.keras") and loads(run / "last.keras")  # both whole: the previous epoch's
    assert digest(run / f"{checkpoint}.keras") == before[f"{checkpoint}.keras"]
    assert json.loads((run / "state.json").read_text())["epochs_done"] == 1
    assert cli(["train", "--out", str(run), "--resume", "--epochs", "2"]) == 0  # continues from epoch 1
    assert json.loads((run / "state.json").read_text())["epochs_done"] == 2
    assert leftovers(run) == []  # the killed writer's temporary file was swept


def test_resume_without_its_best_keras_keeps_the_best_of_the_epochs_it_trains(run_dir, tmp_path, capsys):
    """best.keras removed by hand: the resumed run says so and writes a new one (it ended with exit 0 and
    no best model before), which ``export`` then takes."""
    run = copy_run(run_dir, tmp_path / "run")
    (run / "best.keras").unlink()
    assert cli(["train", "--out", str(run), "--resume", "--epochs", "2"]) == 0
    assert "best.keras (epoch 1) is missing: the best of the epochs from 2 on will be kept" in capsys.readouterr().out
    assert loads(run / "best.keras")
    assert json.loads((run / "state.json").read_text())["best_epoch"] == 2
    assert cli(["export", str(run)]) == 0


def test_a_full_disk_during_training_is_one_line_and_keeps_what_was_whole(data, tmp_path, capsys):
    """best.keras (0.9 MB) fits on a 1.5 MB disk, last.keras then does not."""
    with small_disk(tmp_path / "disk") as disk:
        run = disk / "run"
        assert cli(["train", "--train", str(data / "train_set"), "--val", str(data / "val_set"), "--out", str(run),
                    "--epochs", "2", "--input-size", "32"]) == 2
        error = one_line_error(capsys)
        assert "No space left on device" in error and "last.keras" in error, error
        assert "Traceback" not in capsys.readouterr().err
        assert loads(run / "best.keras")
        assert not (run / "last.keras").exists() and not (run / "state.json").exists()
        assert leftovers(run) == []
        assert json.loads((run / "config.json").read_text())["epochs"] == 2


def test_a_read_only_run_is_refused_in_one_line_and_left_as_it_was(run_dir, data, tmp_path, capsys):
    run = copy_run(run_dir, tmp_path / "run")
    before = {p.name: digest(p) for p in run.iterdir() if p.is_file()}
    with read_only(run):
        assert cli(["train", "--out", str(run), "--resume", "--epochs", "2"]) == 2
        assert "Read-only file system" in (error := one_line_error(capsys)) and "partial" not in error, error
        assert cli(["export", str(run)]) == 2
        assert "Read-only file system" in (error := one_line_error(capsys)) and "partial" not in error, error
        assert cli(["evaluate", str(run), "--data", str(data / "val_set")]) == 2
        assert "Read-only file system" in (error := one_line_error(capsys)) and "partial" not in error, error
    assert {p.name: digest(p) for p in run.iterdir() if p.is_file()} == before


def test_samples_removed_during_an_epoch_are_skipped_and_counted(data, tmp_path):
    train = shutil.copytree(data / "train_set", tmp_path / "train_set")
    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-m", "model_training", "train", "--train", str(train),
                                "--val", str(data / "val_set"), "--out", str(run), "--epochs", "3",
                                "--input-size", "32"], cwd=REPO, env=ENV, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("epoch 1:"):  # the gallery deletes half the images while epoch 2 runs
            images = sorted((train / "images").glob("*.jpg"))
            for image in images[::2]:
                image.unlink()
    assert process.wait(600) == 0, "".join(lines[-20:])
    out = "".join(lines)
    skipped = [line for line in lines if line.startswith("skipped while training:")]
    assert skipped and "vanished during the run" in skipped[0], out[-2000:]
    assert json.loads((run / "state.json").read_text())["epochs_done"] == 3
    assert loads(run / "best.keras")


@pytest.fixture(scope="module")
def small_data(tmp_path_factory) -> Path:
    """160 training images: at its defaults train chooses batch 8, 20 steps an epoch, 30 epochs, 64 px."""
    return write_splits(tmp_path_factory.mktemp("small"), 40, 15)


def test_a_kill_in_the_middle_of_an_epoch_leaves_the_last_complete_epoch_and_resume_finishes(small_data, tmp_path):
    """SIGKILL while epoch 2 trains (after Keras announced it, before it ended, no file being written),
    at the defaults a user runs: the run keeps epoch 1's files byte for byte, and --resume continues there."""
    run = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-u", "-m", "model_training", "train", "--train",
                                str(small_data / "train_set"), "--val", str(small_data / "val_set"), "--out", str(run)],
                               cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Epoch 2/"):  # Keras starts epoch 2: epoch 1's files are all written
            break
    assert any(line.startswith("Epoch 2/30") for line in lines), "".join(lines[-20:])
    after_epoch_1 = {p.name: digest(p) for p in run.iterdir() if p.is_file()}
    started = time.monotonic()
    time.sleep(1.0)  # into epoch 2's 20 steps
    open_for_writing = writing(process.pid, run, "")
    os.kill(process.pid, signal.SIGKILL)
    into = time.monotonic() - started
    process.wait(30)
    lines += process.stdout.readlines()
    assert open_for_writing is None, f"killed during a save of {open_for_writing}, not mid-epoch"
    assert not any(line.startswith("epoch 2:") for line in lines), "epoch 2 ended before the kill"
    left = {p.name: p.stat().st_size for p in sorted(run.iterdir()) if p.is_file()}
    print(f"killed {into:.1f} s into epoch 2; left {left}; subfolders {[p.name for p in run.iterdir() if p.is_dir()]}")

    assert {p.name: digest(p) for p in run.iterdir() if p.is_file()} == after_epoch_1  # nothing touched
    assert sorted(left) == ["best.keras", "config.json", "last.keras", "state.json"] and leftovers(run) == []
    assert json.loads((run / "state.json").read_text())["epochs_done"] == 1
    assert loads(run / "best.keras") and loads(run / "last.keras")

    done = subprocess.run([sys.executable, "-m", "model_training", "train", "--out", str(run), "--resume",
                           "--epochs", "2"], cwd=REPO, env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"resuming {run} from epoch 1" in done.stdout and "Epoch 2/2" in done.stdout, done.stdout
    assert "Epoch 1/" not in done.stdout  # epoch 1 is not trained again
    state = json.loads((run / "state.json").read_text())
    assert state["epochs_done"] == 2 and len(state["history"]["loss"]) == 2
    assert loads(run / "best.keras") and (run / "curves.png").is_file() and leftovers(run) == []
