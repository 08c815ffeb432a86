"""A source's weight as docs/datasets.md states it: "`DIR:2.0` weights a source's samples ×2 in the loss
(`--captured DIR` is `--train DIR:<--captured-weight>`)". The real train command is given an
AffectNet-shaped set, a captured set and a plain folder at weight 0.5; the plan it would train (the
``train`` call is replaced by a recorder, nothing is trained) carries each sample's source weight, and
the training input hands that weight to the loss as each image's sample weight."""
from __future__ import annotations

from collections import Counter

import cv2
import numpy as np

from desktop_app.core.paths import DEMO_FACE
from desktop_app.core.samples.sample_store import SampleStore
from model_training.data.input_pipeline import make_dataset
from model_training.data.synthetic import write_affectnet_like
from support.training_runs import cli


def test_captured_and_plain_sources_carry_their_weight_into_the_loss(tmp_path, monkeypatch):
    from model_training.train import training

    affectnet = write_affectnet_like(tmp_path / "train_set", per_class=4, size=48, seed=1)
    val = write_affectnet_like(tmp_path / "val_set", per_class=2, size=48, seed=2)
    face = cv2.resize(cv2.imread(str(DEMO_FACE)), (224, 224), interpolation=cv2.INTER_AREA)
    with SampleStore(tmp_path / "captured") as store:
        for _ in range(3):
            store.save_crop(store.make_sample((0, 0, 10, 10), None, "Happy"), face)
    (tmp_path / "plain" / "sad").mkdir(parents=True)
    for i in range(2):
        cv2.imwrite(str(tmp_path / "plain" / "sad" / f"{i}.png"), face)
    plans = []
    monkeypatch.setattr(training, "train", plans.append)
    assert cli(["train", "--train", str(affectnet), "--train", f"{tmp_path / 'plain'}:0.5",
                "--captured", str(tmp_path / "captured"), "--captured-weight", "2", "--val", str(val),
                "--out", str(tmp_path / "run"), "--input-size", "32"]) == 0
    examples = plans[0].train_data.examples
    weight_of = {"train_set": 1.0, "plain": 0.5, "captured": 2.0}
    for e in examples:
        source = next(name for name in weight_of if f"{tmp_path / name}/" in e.path)
        assert e.weight == weight_of[source], (e.path, e.weight)
    per_source = Counter(name for e in examples for name in weight_of if f"{tmp_path / name}/" in e.path)
    assert per_source == {"captured": 3, "plain": 2, "train_set": 16}

    batches = make_dataset(examples, 32, "gray", 127.5, 127.5, batch_size=len(examples), training=False, workers=1)
    _, _, sample_weight = batches[0]
    np.testing.assert_array_equal(np.asarray(sample_weight), [e.weight for e in examples])

