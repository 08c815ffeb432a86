"""The app reads valence and arousal from a model whose spec declares them, and shows nothing of the kind
for one that does not (the bundled model): the pipeline's faces, the inspector's and bars' text, and
``analyze``'s CSV columns. The model is built and exported by the training kit (support.models)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from desktop_app.core.expression.valence_arousal import bars_title, valence_arousal_text
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import ExpressionPipeline
from support.cli import analyze
from support.models import valence_arousal_model


@pytest.fixture(scope="module")
def va_model(tmp_path_factory) -> Path:
    return valence_arousal_model(tmp_path_factory.mktemp("va"))


def test_the_pipeline_gives_each_face_valence_and_arousal_from_such_a_model(va_model, astronaut):
    with_va = ExpressionPipeline(model_path=str(va_model)).process(astronaut)
    assert with_va.faces and all(f.valence_arousal is not None for f in with_va.faces)
    assert all(-1 <= v <= 1 for f in with_va.faces for v in f.valence_arousal)
    bundled = ExpressionPipeline(model_path=str(DEFAULT_MODEL)).process(astronaut)
    assert bundled.faces and all(f.valence_arousal is None for f in bundled.faces)


def test_texts_name_the_side_of_each_axis():
    assert valence_arousal_text((0.42, -0.1)) == "valence +0.42 (pleasant), arousal −0.10 (moderate)"
    assert valence_arousal_text((-0.5, 0.8)) == "valence −0.50 (unpleasant), arousal +0.80 (excited)"
    assert valence_arousal_text(None) == ""
    assert bars_title("Selected face", None) == "Selected face"
    assert bars_title("Selected face", (0.1, -0.3)) == "Selected face: valence +0.10, arousal −0.30"


def test_analyze_writes_valence_and_arousal_columns_only_for_a_model_with_them(va_model, astronaut, tmp_path):
    import cv2

    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), astronaut)
    for model, expected in ((va_model, True), (DEFAULT_MODEL, False)):
        out = tmp_path / f"{Path(model).stem}.csv"
        done = analyze(photo, "--model", model, "--csv", out)
        assert done.returncode == 0, done.stderr
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        assert rows
        assert ("valence" in rows[0] and "arousal" in rows[0]) is expected
        if expected:
            assert all(-1 <= float(r["valence"]) <= 1 and -1 <= float(r["arousal"]) <= 1 for r in rows)
