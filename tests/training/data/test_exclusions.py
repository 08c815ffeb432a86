"""exclusions.txt beside the data: written durably, honoured by stats, train and audit, off on request."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from model_training.__main__ import main
from model_training.audit.audit import audit
from model_training.data.datasets import Source, list_examples
from model_training.data.exclusions import EXCLUSIONS_FILE, SKIP_REASON, add_exclusions, read_exclusions
from model_training.data.face_samples import lfw_face, write_flipped_faces
from model_training.data.labels import DataError
from model_training.data.synthetic import write_affectnet_like
from model_training.train.config import TrainConfig
from model_training.train.run_plan import describe, plan_training


def tree_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != EXCLUSIONS_FILE:
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def test_stats_leaves_excluded_images_out_and_never_touches_affectnet_files(tmp_path, capsys):
    data = write_affectnet_like(tmp_path / "train_set", classes=(0, 1), per_class=5, size=32)
    before = tree_digest(data)
    reason = "audit: model says Happy"
    assert add_exclusions(data, [data / "images" / "0.jpg", str(data / "images" / "3.jpg")], reason) == 2
    assert add_exclusions(data, [data / "images" / "0.jpg"]) == 0  # already there
    assert tree_digest(data) == before
    assert read_exclusions(data) == {"images/0.jpg": reason, "images/3.jpg": reason}
    assert main(["stats", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"skipped 2: {SKIP_REASON}" in out and "total             8" in out
    assert main(["stats", str(data), "--no-exclusions"]) == 0
    assert "total            10" in capsys.readouterr().out


def test_an_image_outside_the_dataset_is_refused(tmp_path, capsys):
    data = write_affectnet_like(tmp_path / "train_set", classes=(0,), per_class=2, size=32)
    with pytest.raises(DataError, match="not inside the dataset"):
        add_exclusions(data, [tmp_path / "elsewhere.jpg"])
    assert not (data / EXCLUSIONS_FILE).exists()


def test_train_honours_exclusions_and_reports_them_unless_told_not_to(tmp_path):
    train = write_affectnet_like(tmp_path / "train_set", classes=(0, 1), per_class=6, size=32)
    val = write_affectnet_like(tmp_path / "val_set", classes=(0, 1), per_class=2, size=32, seed=3)
    add_exclusions(train, [train / "images" / f"{i}.jpg" for i in (1, 2, 5)], "looks wrong")
    plan = plan_training(TrainConfig(train=[str(train)], val=[str(val)], epochs=1), tmp_path / "run")
    assert len(plan.train_data.examples) == 9 and f"{SKIP_REASON}: 3" in describe("train", plan.train_data)
    assert not any(e.path.endswith(("/1.jpg", "/2.jpg", "/5.jpg")) for e in plan.train_data.examples)
    everything = plan_training(TrainConfig(train=[str(train)], val=[str(val)], epochs=1, exclusions=False),
                               tmp_path / "run2")
    assert len(everything.train_data.examples) == 12


def test_a_captured_sample_stays_excluded_after_a_relabel(tmp_path):
    from desktop_app.core.samples.sample_store import SampleStore

    keypoints = np.array([[30, 40], [66, 40], [48, 55], [48, 70], [20, 45], [76, 45]], np.float32)
    with SampleStore(tmp_path / "cap") as store:
        samples = [store.save(lfw_face(i), (0, 0, 96, 96), keypoints, "happy") for i in (1, 18, 19)]
        add_exclusions(tmp_path / "cap", [store.path_of(samples[0])], "blurred")
        store.relabel(samples[0].id, "sad")
    listing = list_examples([Source.parse(str(tmp_path / "cap"))])
    assert len(listing.examples) == 2 and listing.skipped[SKIP_REASON] == 1
    assert all(samples[0].id not in e.path for e in listing.examples)


def test_excluding_the_audits_top_suspects_removes_them_from_the_next_audit(tmp_path):
    data = tmp_path / "faces"
    write_flipped_faces(data, seed=1)
    first = audit([str(data)], tmp_path / "a1", progress=io.StringIO(), top=0)
    top = [s.path for s in first.suspects[:5]]
    assert add_exclusions(data, top, "audit score > 0.9") == 5
    second = audit([str(data)], tmp_path / "a2", progress=io.StringIO(), top=0)
    assert len(second.suspects) == len(first.suspects) - 5 and second.skipped[SKIP_REASON] == 5
    assert not set(top) & {s.path for s in second.suspects}
    assert f"{SKIP_REASON}: 5" in second.summary()
