"""What ``train --init-from`` resolves before it trains. The fine-tune defaults docs/fine-tuning.md
states ("Defaults: 12 epochs, batch 16 (8 under 160 training crops)", "--head-epochs N (default 2) ... at
10× --learning-rate (1e-2), then all layers at --learning-rate (1e-3)"), as the command resolves them
from the real command line and a real captured dataset. The resolved plan is what ``fine_tune``
receives; that function is replaced by a recorder, so nothing is trained here (the training itself is
tests/training/finetune/test_fine_tune.py, which passes --epochs and --head-epochs of its own). And "A .tflite
alone cannot be trained: the error names the file it looked for"."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import pytest

from desktop_app.core.paths import DEFAULT_MODEL, DEMO_FACE
from desktop_app.core.samples.sample_store import SampleStore
from model_training.finetune import fine_tune
from support.training_runs import cli, one_line_error

BUNDLED = "fer2013_mini_xception"


def captured(root: Path, per_label: dict[str, int]) -> Path:
    """A dataset the app's SampleStore wrote: ``per_label`` crops of each label (224 px, the demo face)."""
    crop = cv2.resize(cv2.imread(str(DEMO_FACE)), (224, 224), interpolation=cv2.INTER_AREA)
    with SampleStore(root) as store:
        for label, n in per_label.items():
            for _ in range(n):
                store.save_crop(store.make_sample((0, 0, 10, 10), None, label), crop)
    return root


@pytest.fixture
def planned(monkeypatch):
    """Runs the train command and returns the plan ``fine_tune`` would have trained."""
    plans: list[fine_tune.FineTunePlan] = []
    monkeypatch.setattr(fine_tune, "fine_tune", plans.append)

    def run(dataset: Path, out: Path, *flags: str) -> fine_tune.FineTunePlan:
        assert cli(["train", "--init-from", BUNDLED, "--train", str(dataset), "--val-split", "0.2",
                    "--out", str(out), *flags]) == 0
        assert len(plans) == 1
        return plans.pop()
    return run


def test_defaults_batch_16_from_160_training_crops_and_8_below(tmp_path, planned):
    plan = planned(captured(tmp_path / "d160", {"Happy": 100, "Neutral": 100}), tmp_path / "run160")
    assert len(plan.train_data.examples) == 160 and len(plan.val_data.examples) == 40
    config = plan.config
    assert (config.epochs, config.batch_size, config.head_epochs, config.learning_rate) == (12, 16, 2, 1e-3)
    assert config.learning_rate * fine_tune.HEAD_LR_FACTOR == pytest.approx(1e-2)
    plan = planned(captured(tmp_path / "d159", {"Happy": 99, "Neutral": 100}), tmp_path / "run159")
    assert len(plan.train_data.examples) == 159
    assert (plan.config.epochs, plan.config.batch_size, plan.config.head_epochs) == (12, 8, 2)


def test_flags_win_over_the_defaults_and_head_epochs_never_exceed_epochs(tmp_path, planned):
    dataset = captured(tmp_path / "d", {"Happy": 10, "Neutral": 10})
    plan = planned(dataset, tmp_path / "a", "--epochs", "5", "--batch-size", "4", "--head-epochs", "0")
    assert (plan.config.epochs, plan.config.batch_size, plan.config.head_epochs) == (5, 4, 0)
    plan = planned(dataset, tmp_path / "b", "--epochs", "1")  # the default 2 head epochs cut to the 1 given
    assert (plan.config.epochs, plan.config.head_epochs) == (1, 1)


def test_a_tflite_alone_is_refused_naming_the_keras_file_it_looked_for(tmp_path, capsys):
    dataset = captured(tmp_path / "d", {"Happy": 6, "Neutral": 6})
    model = tmp_path / "m.tflite"
    shutil.copy(DEFAULT_MODEL, model)
    shutil.copy(DEFAULT_MODEL.with_suffix(".json"), model.with_suffix(".json"))
    argv = ["train", "--init-from", str(model), "--train", str(dataset), "--val-split", "0.2", "--out"]
    assert cli([*argv, str(tmp_path / "run")]) == 2
    assert one_line_error(capsys).endswith(f"Keras form is missing: expected {tmp_path / 'm.keras'}")
    spec = json.loads(model.with_suffix(".json").read_text())
    spec["provenance"]["run_dir"] = str(tmp_path / "deleted_run")  # an export whose run was removed
    model.with_suffix(".json").write_text(json.dumps(spec))
    assert cli([*argv, str(tmp_path / "run")]) == 2
    assert one_line_error(capsys).endswith(f"expected {tmp_path / 'm.keras'} or its training run "
                                           f"{tmp_path / 'deleted_run'} (gone)")
    assert not (tmp_path / "run").exists()
