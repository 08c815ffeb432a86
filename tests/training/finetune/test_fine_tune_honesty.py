"""Fine-tunes that tell the truth about themselves: held-out faces from other clips than the training faces
whenever a label has more than one, and a caution when it cannot; no output for a label that neither the
data nor the base has; the base's and the new model's calibration on the held-out faces.

Real parts: re-photographed real face crops stored by the app's SampleStore with the clip each came from,
the bundled model as the base, a real fine-tune and export through the CLI, LiteRT in the app's classifier.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.preprocessing import prepare_batch
from desktop_app.core.fine_tune_job import export_argv, report_summary
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_store import SampleStore
from model_training.data.datasets import Example
from model_training.finetune.fine_tune_data import stratified_split
from model_training.finetune.held_out_sources import OTHER, SAME, UNKNOWN, independence, source_split
from model_training.finetune.init_from import resolve_base
from model_training.train.metrics import expected_calibration_error
from support.real_face_crops import write_crops
from support.repo import REPO


def faces(label: int, clips: dict[str | None, int]) -> list[Example]:
    return [Example(f"/d/{label}/{clip}_{i:02d}.png", label, group=clip) for clip, n in clips.items()
            for i in range(n)]


def test_whole_clips_are_held_out_where_a_label_has_several():
    examples = faces(0, {"a.mp4": 6, "b.mp4": 6, "c.mp4": 6}) + faces(1, {"d.mp4": 10})
    train, held = source_split(examples, 0.3, seed=0, fallback=stratified_split)
    held_clips = {e.group for e in held if e.label == 0}
    train_clips = {e.group for e in train if e.label == 0}
    assert held_clips and train_clips and not held_clips & train_clips  # label 0: other clips
    assert sum(e.label == 1 for e in held) == 3 and sum(e.label == 1 for e in train) == 7  # one clip: frames
    assert independence(train, held) == (SAME, ["Happy"])
    only_clips = faces(0, {"a.mp4": 5, "b.mp4": 5}) + faces(1, {"c.mp4": 5, "d.mp4": 5})
    assert independence(*source_split(only_clips, 0.3, seed=0, fallback=stratified_split)) == (OTHER, [])
    unknown = faces(0, {None: 8}) + faces(1, {None: 8})
    train, held = source_split(unknown, 0.25, seed=3, fallback=stratified_split)
    assert (train, held) == stratified_split(unknown, 0.25, seed=3)  # nothing recorded: the split as before
    assert independence(train, held) == (UNKNOWN, ["Neutral", "Happy"])


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    y = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    sure = np.tile([0.9, 0.1], (10, 1))  # 90% sure, right 9 times in 10
    assert expected_calibration_error(y, sure) == pytest.approx(0.0)
    overconfident = np.tile([1.0, 0.0], (10, 1))
    assert expected_calibration_error(y, overconfident) == pytest.approx(0.1)


@pytest.fixture(scope="module")
def two_clip_dataset(tmp_path_factory) -> Path:
    """Happy and Neutral faces as the window stores them, each recorded as coming from one of two clips."""
    root = tmp_path_factory.mktemp("crops")
    assert min(write_crops(root, 16).values()) == 16
    dataset = tmp_path_factory.mktemp("captured") / "dataset"
    with SampleStore(dataset) as store:
        for label in ("Happy", "Neutral"):
            for i, path in enumerate(sorted((root / label.lower()).glob("*.png"))):
                clip = f"{label.lower()}_{i % 2}.mp4"
                store.save_crop(store.make_sample((0, 0, 10, 10), None, label, source=clip), cv2.imread(str(path)))
    return dataset


@pytest.mark.slow
def test_a_fine_tune_on_two_clips_holds_out_a_clip_and_adds_no_contempt(two_clip_dataset, tmp_path):
    run = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "model_training", "train", "--init-from", str(DEFAULT_MODEL),
                           "--train", str(two_clip_dataset), "--val-split", "0.25", "--out", str(run),
                           "--epochs", "3", "--head-epochs", "1"],
                          cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((run / "finetune_report.json").read_text())
    assert report["held_out_sources"] == OTHER and report["held_out_caution"] is None
    assert report["held_out"] == 16  # one whole clip of each label (8 + 8), where 25% alone would be 4 + 4
    base_labels = resolve_base(str(DEFAULT_MODEL)).spec.labels
    assert len(report["labels"]) == len(base_labels) == 7 and "contempt" not in report["labels"]
    for key in ("base_calibration_error", "fine_tuned_calibration_error"):
        assert 0 <= report[key] <= 1
    assert "calibration error" in done.stdout and "calibration error" in report_summary(run / "finetune_report.json")

    out = tmp_path / "app" / "fine_tuned.tflite"
    exported = subprocess.run(export_argv(run, out), cwd=REPO, capture_output=True, text=True, timeout=600)
    assert exported.returncode == 0, exported.stderr[-3000:]
    with ExpressionClassifier(out) as classifier:
        assert len(classifier.labels) == 7 and "contempt" not in classifier.labels
        crop = cv2.imread(str(next(two_clip_dataset.glob("Happy/*.png"))))
        probs = classifier.classify_batch(prepare_batch([crop], classifier.spec))
        assert probs.shape == (1, 7) and abs(float(probs.sum()) - 1) < 1e-4
