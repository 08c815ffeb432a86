""""Fine-tune on this dataset…" in the real window: the dialog runs a real process (a stand-in for the
training CLI that prints the CLI's real lines and writes a real .tflite + .json, so no TensorFlow is
needed), cancel kills it and leaves nothing, a missing TensorFlow or a thin dataset starts nothing, and
after "done" the window compares old and new on the live demo face until one is kept."""
from __future__ import annotations

import hashlib
import os
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app.core.expression.expression_names import same_expression
from desktop_app.core.expression.model_spec import load_spec
from desktop_app.core.fine_tune_job import INSTALL_HINT, missing_requirements
from desktop_app.core.paths import DEFAULT_MODEL, DEMO_FACE
from desktop_app.ui.samples.fine_tune_dialog import PROGRESS_STEPS, TRAIN_SHARE, FineTuneDialog
from desktop_app.ui.window.shortcuts import help_rows

# Stands in for ``python -m model_training``: the CLI's interface, its lines, real files. STUB_MODE picks
# the behaviour: ok, slow (one epoch a second), stubborn (slow and deaf to SIGTERM), fail (bad input).
STUB = textwrap.dedent('''
    import json, os, shutil, signal, sys, time
    from pathlib import Path
    mode = os.environ.get("STUB_MODE", "ok")
    args = sys.argv[1:]
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args[0] == "train":
        opts = dict(zip(args[1::2], args[2::2]))
        assert "--progress-json" in args and opts["--val-split"] == "0.2", args
        assert Path(opts["--init-from"]).is_file() and Path(opts["--train"]).is_dir(), args
        if mode == "fail":
            print("error: --train: the dataset has only one label with samples", file=sys.stderr)
            sys.exit(2)
        run = Path(opts["--out"])
        run.mkdir(parents=True)
        epochs = 4 if mode == "ok" else 60
        print("Found 10 images in 2 labels", flush=True)
        for epoch in range(1, epochs + 1):
            (run / "checkpoint.weights.h5.partial").write_text(str(epoch))
            time.sleep(0.05 if mode == "ok" else 1.0)
            print("progress " + json.dumps({"phase": "head" if epoch <= 2 else "all", "epoch": epoch,
                  "epochs": epochs, "loss": 1.0 / epoch, "val_balanced_accuracy": 0.5 + epoch / 100,
                  "elapsed_s": epoch * 2.0, "eta_s": (epochs - epoch) * 2.0}), flush=True)
        report = run / "finetune_report.json"
        report.write_text(json.dumps({"held_out": 3, "base_balanced_accuracy": 0.5,
                                      "fine_tuned_balanced_accuracy": 0.54, "classes": []}))
        print("done " + json.dumps({"run_dir": str(run), "best_balanced_accuracy": 0.54,
                                    "report": str(report)}), flush=True)
    elif args[0] == "export":
        run, out = Path(args[1]), Path(args[args.index("--out") + 1])
        assert (run / "finetune_report.json").is_file(), run
        model = Path(os.environ["STUB_MODEL"])
        shutil.copy(model, out)
        spec = json.loads(model.with_suffix(".json").read_text())
        spec["name"] = "fine_tuned_stub"
        out.with_suffix(".json").write_text(json.dumps(spec))
''')


@pytest.fixture
def stub(tmp_path, monkeypatch) -> list[str]:
    """The command prefix that runs the stand-in; QProcess passes it this process's environment."""
    script = tmp_path / "stub_training_cli.py"
    script.write_text(STUB)
    monkeypatch.setenv("STUB_MODEL", str(DEFAULT_MODEL))
    monkeypatch.setenv("STUB_MODE", "ok")
    return [sys.executable, str(script)]


def make_dataset(root: Path, counts: dict[str, int]) -> Path:
    face = cv2.resize(cv2.imread(str(DEMO_FACE)), (64, 64))
    for label, n in counts.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            cv2.imwrite(str(root / label / f"{i:032x}.png"), face)
    return root


def fingerprint(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def fine_tuned_folders(state: Path) -> list[Path]:
    folder = state / "fine-tuned"
    return sorted(folder.iterdir()) if folder.exists() else []


def has_training_requirements(name: str):
    return object()  # training is stood in for: the requirements count as installed


def test_dialog_runs_training_then_export_and_shows_progress(qtbot, tmp_path, stub):
    dataset = make_dataset(tmp_path / "dataset", {"Happy": 5, "Sad": 6})
    before = fingerprint(dataset)
    dialog = FineTuneDialog(DEFAULT_MODEL, dataset, command=stub, find_spec=has_training_requirements,
                            state_folder=tmp_path / "state")
    qtbot.addWidget(dialog)
    dialog.show()
    seen = {}  # bar value → the line under it
    dialog.bar.valueChanged.connect(lambda value: seen.setdefault(value, dialog.line.text()))
    with qtbot.waitSignal(dialog.model_ready, timeout=30000) as ready:
        assert dialog.start()
        assert dialog.running and dialog.cancel_button.isVisible()
    model = Path(ready.args[0])
    assert dialog.state == "done" and not dialog.running and dialog.close_button.isVisible()
    assert model.parent.parent == tmp_path / "state" / "fine-tuned" and model.name.startswith("fine_tuned_")
    assert load_spec(model).name == "fine_tuned_stub" and (model.parent / "run" / "finetune_report.json").is_file()
    # training fills the bar up to the export's share; 100% only once the model is exported
    epoch_1, trained = round(0.25 * TRAIN_SHARE * PROGRESS_STEPS), round(TRAIN_SHARE * PROGRESS_STEPS)
    assert list(seen)[-2:] == [trained, PROGRESS_STEPS] and dialog.bar.value() == dialog.bar.maximum()
    assert seen[epoch_1].startswith("epoch 1/4 · loss 1.00 · balanced acc 0.51 · 6 s left, then the export")
    assert "since the start" in seen[epoch_1]
    assert seen[trained].startswith("epoch 4/4 · loss 0.25 · balanced acc 0.54 · 0 s left, then the export")
    assert dialog.line.text().startswith("took ")
    assert "held-out balanced accuracy 0.50 → 0.54 (old → new) on 3 faces" in dialog.message.text()
    assert "Keep new" in dialog.message.text()
    assert fingerprint(dataset) == before  # the dataset is only read


@pytest.mark.parametrize("mode", ["slow", "stubborn"])
def test_cancel_ends_the_process_and_leaves_no_run_folder(qtbot, tmp_path, stub, monkeypatch, mode):
    monkeypatch.setenv("STUB_MODE", mode)  # stubborn ignores SIGTERM: killed after the grace period
    dataset = make_dataset(tmp_path / "dataset", {"Happy": 5, "Sad": 5})
    before = fingerprint(dataset)
    dialog = FineTuneDialog(DEFAULT_MODEL, dataset, command=stub, find_spec=has_training_requirements,
                            state_folder=tmp_path / "state", grace_ms=500)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.start()
    qtbot.waitUntil(lambda: dialog.line.text().startswith("epoch 1/60"), timeout=20000)
    process = dialog.process
    pid = process.processId()
    assert (dialog.paths.run_dir / "checkpoint.weights.h5.partial").is_file()
    with qtbot.waitSignal(dialog.ended, timeout=10000) as ended:
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert ended.args == ["cancelled"] and not dialog.running
    assert fine_tuned_folders(tmp_path / "state") == []  # nothing half-written is left
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the process is gone (and reaped)
    assert "Cancelled" in dialog.message.text()
    assert fingerprint(dataset) == before


def test_missing_training_requirements_say_how_to_install_and_start_nothing(qtbot, window, tmp_path, stub):
    make_dataset(window.capture.dataset, {"Happy": 5, "Sad": 5})
    window.comparison.command = stub
    window.comparison.find_spec = lambda name: None  # as without TensorFlow and keras
    window.comparison.fine_tune()
    dialog = window.comparison.dialog
    assert dialog.isVisible() and dialog.state == "refused" and not dialog.running
    assert INSTALL_HINT in dialog.message.text() and "tensorflow, keras" in dialog.message.text()
    assert fine_tuned_folders(Path(os.environ["FER_STATE_DIR"])) == []


def test_a_thin_dataset_or_the_cli_refusing_it_is_said_before_anything_is_kept(qtbot, tmp_path, stub, monkeypatch):
    thin = make_dataset(tmp_path / "thin", {"Happy": 9})
    dialog = FineTuneDialog(DEFAULT_MODEL, thin, command=stub, find_spec=has_training_requirements,
                            state_folder=tmp_path / "state")
    qtbot.addWidget(dialog)
    assert not dialog.start() and dialog.state == "refused"
    assert "at least 2 labels with 5 or more samples" in dialog.message.text() and "Happy 9" in dialog.message.text()

    monkeypatch.setenv("STUB_MODE", "fail")  # the CLI's own check: its error line is shown
    dataset = make_dataset(tmp_path / "dataset", {"Happy": 5, "Sad": 5})
    dialog = FineTuneDialog(DEFAULT_MODEL, dataset, command=stub, find_spec=has_training_requirements,
                            state_folder=tmp_path / "state")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.ended, timeout=20000) as ended:
        dialog.start()
    assert ended.args == ["failed"]
    assert "training stopped: --train: the dataset has only one label with samples" in dialog.message.text()
    assert fine_tuned_folders(tmp_path / "state") == []


def run_to_comparison(qtbot, window, stub) -> str:
    """Fine-tune from the capture panel's button; returns the new model once the window compares it."""
    make_dataset(window.capture.dataset, {"Happy": 5, "Sad": 5})
    window.comparison.command = stub
    window.comparison.find_spec = has_training_requirements
    with qtbot.waitSignal(window.worker.comparison_loaded, timeout=30000) as loaded:
        qtbot.mouseClick(window.capture.fine_tune_button, Qt.MouseButton.LeftButton)
    new = loaded.args[1]
    assert window.comparison.dialog.state == "done" and window.session.comparison.path == new
    assert window.comparison.bar.isVisible() and window.compare_bars.isVisible()
    # the bar above the video says how the two did; the dialog steps aside instead of covering the bars
    assert "0.50 → 0.54 (old → new) on 3 faces" in window.comparison.text.text()
    assert not window.comparison.dialog.isVisible()
    return new


def comparing_result(qtbot, window):
    window.pause_button.setChecked(False)
    qtbot.waitUntil(lambda: window.session.result is not None and window.session.result.comparing
                    and bool(window.session.result.faces), timeout=20000)
    window.pause_button.setChecked(True)
    qtbot.wait(100)
    return window.session.result


def test_after_done_both_models_run_on_the_live_face_until_keep_new(qtbot, window, stub):
    new = run_to_comparison(qtbot, window, stub)
    result = comparing_result(qtbot, window)
    face = window.session.selected_face()
    assert result.model_path == str(DEFAULT_MODEL) and result.compare_model_path == new
    assert result.compare_model_name == "fine_tuned_stub"
    assert len(face.compare_probabilities) == len(result.compare_labels)
    assert face.label == face.compare_label == "happy"
    shown = dict(zip(window.compare_bars.labels, window.compare_bars.values))  # each label's own value ...
    assert shown == pytest.approx(dict(zip(result.compare_labels, face.compare_probabilities)))
    assert sorted(window.compare_bars.labels) == sorted(result.compare_labels)
    # ... in rows that read across: the old model's expressions first, in its order
    assert all(same_expression(a, b) for a, b in zip(window.bars.labels, window.compare_bars.labels))
    assert any("| new: happy" in text for _, text, _ in window.video.placed_labels)
    assert "Ctrl+T" in dict(help_rows())

    with qtbot.waitSignal(window.worker.comparison_loaded, timeout=20000):
        qtbot.mouseClick(window.comparison.keep_new_button, Qt.MouseButton.LeftButton)
    assert window.session.comparison is None and window.session.model.path == new
    assert window.settings.value("model") == new  # remembered as the last model, as Ctrl+M does
    assert not window.comparison.bar.isVisible() and not window.compare_bars.isVisible()
    # still paused: the frame shown is now the kept model's view of it, bars and labels alike
    assert window.session.result.model_path == new and window.bars.labels == result.compare_labels
    np.testing.assert_allclose(window.bars.values, face.compare_probabilities)
    assert not any("new:" in text for _, text, _ in window.video.placed_labels)
    window.pause_button.setChecked(False)
    qtbot.waitUntil(lambda: window.session.result.model_path == new, timeout=20000)
    assert not window.session.result.comparing


def test_keep_old_ends_the_comparison_with_the_old_model(qtbot, window, stub):
    new = run_to_comparison(qtbot, window, stub)
    comparing_result(qtbot, window)
    with qtbot.waitSignal(window.worker.comparison_loaded, timeout=20000):
        qtbot.mouseClick(window.comparison.keep_old_button, Qt.MouseButton.LeftButton)
    assert window.session.comparison is None and window.session.model.path == str(DEFAULT_MODEL)
    assert Path(new).is_file() and new in window.banner_text.text()  # not deleted, and the user is told where
    assert window.settings.value("model") == str(DEFAULT_MODEL)
    window.pause_button.setChecked(False)
    seen = []
    window.worker.result_ready.connect(lambda frame, result: seen.append(result))
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=20000)
    assert not seen[-1].comparing and seen[-1].model_path == str(DEFAULT_MODEL)


def test_closing_the_window_ends_a_running_fine_tune(qtbot, window, stub, monkeypatch):
    monkeypatch.setenv("STUB_MODE", "stubborn")  # deaf to SIGTERM: killed after the grace period
    make_dataset(window.capture.dataset, {"Happy": 5, "Sad": 5})
    window.comparison.command = stub
    window.comparison.find_spec = has_training_requirements
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)  # the shortcut table's Ctrl+T
    dialog = window.comparison.dialog
    qtbot.waitUntil(lambda: dialog.line.text().startswith("epoch 1/"), timeout=20000)
    pid = dialog.process.processId()
    answer_question(qtbot, QMessageBox.StandardButton.No)
    window.close()  # asks first: No keeps the window and the run
    assert window.isVisible() and dialog.running
    answered.clear()
    answer_question(qtbot, QMessageBox.StandardButton.No)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Escape in the dialog asks too
    assert dialog.running and answered == ["Fine-tuning is running"]
    answer_question(qtbot, QMessageBox.StandardButton.Yes)
    window.close()
    assert not dialog.running and dialog.state == "cancelled"
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert fine_tuned_folders(Path(os.environ["FER_STATE_DIR"])) == []


answered: list[str] = []  # the titles of the questions answer_question answered


def answer_question(qtbot, button: QMessageBox.StandardButton, times: int = 1) -> None:
    """Answer the next ``times`` modal questions with ``button``, as a user clicking it would."""
    def click() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            answered.append(box.windowTitle())
            box.button(button).click()
        else:
            QTimer.singleShot(50, click)
    for _ in range(times):
        QTimer.singleShot(50, click)


@pytest.mark.slow
def test_real_fine_tune_end_to_end(qtbot, window):
    """The real CLI from the real window: fine-tune the bundled model on real face crops (training and
    export in their own process), compare old and new on the live demo face, keep the new one."""
    assert missing_requirements() == []  # make test installs them: nothing here may skip for their lack
    from support.real_face_crops import write_crops

    dataset = window.capture.dataset
    assert min(write_crops(dataset, 30).values()) >= 20  # happy and neutral, re-photographed real faces
    before = fingerprint(dataset)
    assert window.comparison.command is None  # the real ``python -m model_training``
    with qtbot.waitSignal(window.worker.comparison_loaded, timeout=1_800_000) as loaded:
        window.comparison.fine_tune()
        qtbot.waitUntil(lambda: window.comparison.dialog.state in ("export", "done", "failed", "refused"),
                        timeout=1_800_000)
        assert window.comparison.dialog.state in ("export", "done"), window.comparison.dialog.message.text()
    new = loaded.args[1]
    assert window.comparison.dialog.state == "done" and load_spec(new).labels
    result = comparing_result(qtbot, window)
    assert result.compare_model_path == new and result.faces[0].compare_label in result.compare_labels
    with qtbot.waitSignal(window.worker.comparison_loaded, timeout=20000):
        window.comparison.keep_new_model()
    assert window.session.model.path == new and window.settings.value("model") == new
    assert fingerprint(dataset) == before  # the dataset is only read
