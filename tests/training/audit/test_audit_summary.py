"""The audit's printed summary as docs/audit.md states it: "prints per class: images, suspects (score ≥
0.5), mean score and the label most often suggested instead", each figure recomputed here from the
suspects.csv the same run wrote (real LFW faces, four flipped each way and a duplicate under the other
label: the seed-0 set of test_audit.py)."""
from __future__ import annotations

import csv
from collections import Counter

import pytest

from model_training.__main__ import main
from model_training.audit.audit import CSV_NAME
from model_training.data.face_samples import write_flipped_faces

SUSPECT = 0.5  # "suspects (score ≥ 0.5)", stated here apart from the code


def test_the_summary_counts_each_class_from_the_rows_it_wrote(tmp_path, capsys):
    write_flipped_faces(tmp_path / "data", flips_per_class=4, duplicates=1, seed=0)
    assert main(["audit", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--top", "4"]) == 0
    printed = capsys.readouterr().out.splitlines()
    with open(tmp_path / "out" / CSV_NAME, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert printed[0].split() == ["class", "images", "suspects", "mean", "score", "most", "suggested", "instead"]
    summary = {line.split()[0]: line for line in printed[1:3]}
    assert sorted(summary) == ["Happy", "Neutral"]
    flagged_anywhere = 0
    for label, line in summary.items():
        mine = [r for r in rows if r["label"] == label]
        flagged = [r for r in mine if float(r["score"]) >= SUSPECT]
        flagged_anywhere += len(flagged)
        name, images, suspects, mean, instead = line.split(None, 4)
        assert (int(images), int(suspects)) == (len(mine), len(flagged))
        assert float(mean) == pytest.approx(sum(float(r["score"]) for r in mine) / len(mine), abs=1e-3)
        counts = Counter(r["suggested"] for r in flagged if r["suggested"])
        assert instead == (", ".join(f"{k} {v}" for k, v in counts.most_common(2)) or "-")
    assert 9 <= flagged_anywhere < len(rows)  # the nine wrong labels, not every image
    assert printed[3].startswith(f"{len(rows)} images in ") and printed[3].endswith(" images/s)")
