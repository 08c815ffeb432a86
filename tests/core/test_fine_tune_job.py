"""The fine-tuning job without Qt or TensorFlow: commands, paths, the CLI's lines, the dataset check."""
from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from desktop_app.core.fine_tune_job import (
    INSTALL_HINT,
    Done,
    JobPaths,
    OutputReader,
    Progress,
    dataset_problem,
    export_argv,
    format_progress,
    label_counts,
    missing_requirements,
    parse_line,
    report_summary,
    requirements_message,
    train_argv,
)

PROGRESS = {"phase": "head", "epoch": 3, "epochs": 12, "loss": 0.4123, "val_balanced_accuracy": 0.781,
            "elapsed_s": 30.2, "eta_s": 40.4}


def test_commands_are_the_cli_interface(tmp_path):
    argv = train_argv("base.tflite", tmp_path / "data", tmp_path / "run")
    assert argv == [sys.executable, "-m", "model_training", "train", "--init-from", "base.tflite",
                    "--train", str(tmp_path / "data"), "--val-split", "0.2", "--out", str(tmp_path / "run"),
                    "--progress-json"]
    assert export_argv(tmp_path / "run", tmp_path / "m.tflite", ["py", "stub.py"]) == [
        "py", "stub.py", "export", str(tmp_path / "run"), "--out", str(tmp_path / "m.tflite")]


def test_paths_sit_under_the_state_folder_by_utc_time(tmp_path):
    paths = JobPaths.new(tmp_path, datetime(2026, 12, 1, 22, 5, 9, tzinfo=UTC))
    assert paths.folder == tmp_path / "fine-tuned" / "20261201T220509Z"
    assert paths.run_dir == paths.folder / "run"
    assert paths.model == paths.folder / "fine_tuned_20261201T220509Z.tflite"


def test_progress_and_done_lines_parse_and_format():
    event = parse_line("progress " + json.dumps(PROGRESS) + "\n")
    assert event == Progress("head", 3, 12, 0.4123, 0.781, 30.2, 40.4)
    assert event.fraction == 0.25
    assert format_progress(event) == "epoch 3/12 · loss 0.41 · balanced acc 0.78 · 40 s left"
    assert format_progress(Progress("all", 12, 12, 0.2, None, 500, 125)) == "epoch 12/12 · loss 0.20 · 2 min 05 s left"
    done = parse_line('done {"run_dir": "/r", "best_balanced_accuracy": 0.8, "report": "/r/finetune_report.json"}')
    assert done == Done("/r", 0.8, "/r/finetune_report.json")


def test_free_text_and_malformed_event_lines_are_text():
    for line in ("Epoch 1/3", "progress", "progress {not json", 'progress {"epoch": "three"}', "progress []",
                 'progress {"epoch": 1, "epochs": 2, "loss": true}', "done {}", "doneish {}"):
        assert parse_line(line) is None, line


def test_reader_joins_chunks_keeps_the_tail_and_the_error_line():
    reader = OutputReader(keep=3)
    line = "progress " + json.dumps(PROGRESS)
    assert reader.feed(line[:20]) == []  # a chunk may end mid-line
    events = reader.feed(line[20:] + "\nloading 1\nloading 2\n")
    assert [type(e) for e in events] == [Progress] and reader.last_progress.epoch == 3
    reader.feed("Traceback\nerror: the dataset has one label", "err")  # no final newline
    assert reader.error_line is None
    reader.finish()
    assert reader.error_line == "error: the dataset has one label"
    assert list(reader.tail) == ["loading 2", "Traceback", "error: the dataset has one label"]
    assert reader.failure_text("training", 2) == "training stopped: the dataset has one label"
    assert reader.failure_text("training", 1) == "training failed: the dataset has one label"
    plain = OutputReader()
    plain.feed("out of memory\n", "err")
    assert plain.failure_text("export", 1) == "export failed (exit code 1): out of memory"


def test_missing_requirements_are_looked_up_not_imported():
    assert missing_requirements(lambda name: None) == ["tensorflow", "keras"]
    assert missing_requirements(lambda name: object() if name == "keras" else None) == ["tensorflow"]
    assert missing_requirements(lambda name: object()) == []
    assert INSTALL_HINT in requirements_message(["tensorflow"])


def test_dataset_check_counts_label_folders(tmp_path):
    assert "does not exist" in dataset_problem(tmp_path / "none")
    for label, n in (("Happy", 6), ("Sad", 2)):
        (tmp_path / label).mkdir()
        for i in range(n):
            (tmp_path / label / f"{i}.png").write_bytes(b"x")
    (tmp_path / ".trash").mkdir()
    (tmp_path / ".trash" / "x.png").write_bytes(b"x")
    (tmp_path / "manifest.jsonl").write_text("")
    assert label_counts(tmp_path) == {"Happy": 6, "Sad": 2}
    problem = dataset_problem(tmp_path)
    assert "at least 2 labels with 5 or more samples" in problem and "Happy 6, Sad 2" in problem
    for i in range(2, 5):
        (tmp_path / "Sad" / f"{i}.png").write_bytes(b"x")
    assert dataset_problem(tmp_path) is None
    (tmp_path / "Surprise").mkdir()  # one stray key press
    (tmp_path / "Surprise" / "0.png").write_bytes(b"x")
    problem = dataset_problem(tmp_path)
    assert "Surprise has 1" in problem and "Review dataset" in problem


def test_report_summary_says_old_and_new_on_how_many_faces(tmp_path):
    report = tmp_path / "finetune_report.json"
    report.write_text(json.dumps({"held_out": 40, "base_balanced_accuracy": 0.667,
                                  "fine_tuned_balanced_accuracy": 1.0, "classes": []}))
    assert report_summary(report) == "held-out balanced accuracy 0.67 → 1.00 (old → new) on 40 faces"
    report.write_text("{")
    assert report_summary(report) is None
    assert report_summary(tmp_path / "missing.json") is None


def test_report_summary_adds_calibration_and_the_caution_training_wrote(tmp_path):
    report = tmp_path / "finetune_report.json"
    base = {"held_out": 10, "base_balanced_accuracy": 1.0, "fine_tuned_balanced_accuracy": 1.0,
            "base_calibration_error": 0.214, "fine_tuned_calibration_error": 0.031}
    caution = "the held-out faces (Happy) come from the same clip as the training faces"
    report.write_text(json.dumps({**base, "held_out_caution": caution}))
    summary = report_summary(report)
    assert summary.startswith("held-out balanced accuracy 1.00 → 1.00 (old → new) on 10 faces; calibration "
                              "error 0.21 → 0.03")
    assert summary.endswith(f". Caution: {caution}")
    report.write_text(json.dumps({**base, "held_out_caution": None}))  # held out from other clips
    assert "Caution" not in report_summary(report)
