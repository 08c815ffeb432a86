"""``analyze --compare M2.tflite``: a second real model on the same faces, as a user runs it (a
subprocess, real LiteRT, real photographs written by the test)."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.core.expression.expression_names import same_expression
from desktop_app.core.expression.model_spec import load_spec, spec_path_for
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import ExpressionPipeline
from support.cli import analyze, one_error_line
from support.models import relabelled_copy, swapped_copy


@pytest.fixture(scope="module")
def photos(tmp_path_factory, astronaut) -> list[Path]:
    """Three photographs of a real face (as it is, mirrored, closer up) and one without."""
    folder = tmp_path_factory.mktemp("photos")
    close_up = cv2.resize(astronaut[30:330, 80:380], (480, 480))  # the face three times as large
    images = {"face.png": astronaut, "mirrored.png": astronaut[:, ::-1], "close_up.png": close_up,
              "empty.png": np.full((480, 640, 3), 60, np.uint8)}
    paths = []
    for name, image in images.items():
        cv2.imwrite(str(folder / name), image)
        paths.append(folder / name)
    return paths


def own_outputs(model: Path, image_path: Path) -> list[np.ndarray]:
    """What ``model`` alone says about each face of the photo (its own crop, no smoothing)."""
    with ExpressionPipeline(model, smoothing=0.0) as pipeline:
        return [face.probabilities for face in pipeline.process(cv2.imread(str(image_path))).faces]


def agreement_table(stdout: str) -> dict[str, tuple[int, int]]:
    """label → (faces, agreed) as the summary prints them."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("agreement of"))
    table = {}
    for line in lines[start + 2:]:
        if not line.startswith("  "):
            break
        label, faces, agreed, _share = line.split()
        table[label] = (int(faces), int(agreed))
    return table


@pytest.mark.parametrize("kind", ["wider_crop", "swapped"])
def test_compare_adds_the_second_models_columns_and_an_agreement_table(photos, tmp_path, kind):
    if kind == "swapped":
        second = swapped_copy(tmp_path)
    else:  # the same network under AffectNet's spelling, cropping wider: other numbers, same expressions
        second, _ = relabelled_copy(tmp_path, "wider_crop", crop_margin=0.3)
    first_labels, second_labels = load_spec(DEFAULT_MODEL).labels, load_spec(second).labels
    out_csv = tmp_path / "faces.csv"
    done = analyze(*photos, "--compare", second, "--csv", out_csv, "--smoothing", "0")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    with open(out_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", "score", "detected",
                             "classified", "label",
                             *[f"p_{x}" for x in first_labels], "compare_label", "compare_agrees",
                             *[f"compare_p_{x}" for x in second_labels]]
    assert [Path(r["source"]).name for r in rows] == ["face.png", "mirrored.png", "close_up.png"]
    for row, photo in zip(rows, photos):
        first = np.array([float(row[f"p_{x}"]) for x in first_labels])
        second_p = np.array([float(row[f"compare_p_{x}"]) for x in second_labels])
        np.testing.assert_allclose(first, own_outputs(DEFAULT_MODEL, photo)[0], atol=1e-4)
        np.testing.assert_allclose(second_p, own_outputs(second, photo)[0], atol=1e-4)  # its own crop
        assert row["label"] == first_labels[int(np.argmax(first))]
        assert row["compare_label"] == second_labels[int(np.argmax(second_p))]
        assert row["compare_agrees"] == str(int(same_expression(row["label"], row["compare_label"])))
    expected_agrees = {"wider_crop": "1", "swapped": "0"}[kind]  # happy/happy, or happy/sad
    assert {r["label"] for r in rows} == {"happy"} and {r["compare_agrees"] for r in rows} == {expected_agrees}
    if kind == "wider_crop":
        assert not np.allclose([float(rows[0][f"p_{x}"]) for x in first_labels],
                               [float(rows[0][f"compare_p_{x}"]) for x in second_labels], atol=1e-3)

    table = agreement_table(done.stdout)
    assert list(table) == [*first_labels, "all"]
    for label in first_labels:  # the summary counts what the CSV holds
        of_label = [r for r in rows if r["label"] == label]
        assert table[label] == (len(of_label), sum(r["compare_agrees"] == "1" for r in of_label))
    assert table["all"] == (len(rows), sum(r["compare_agrees"] == "1" for r in rows))
    assert f"agreement of {load_spec(second).name} (--compare)" in done.stdout


def test_a_bad_second_model_is_one_line_and_writes_nothing(photos, tmp_path):
    no_spec = tmp_path / "no_spec.tflite"
    shutil.copy(DEFAULT_MODEL, no_spec)
    corrupt = tmp_path / "corrupt.tflite"
    corrupt.write_bytes(b"\x00not a flatbuffer" * 64)
    shutil.copy(spec_path_for(DEFAULT_MODEL), spec_path_for(corrupt))
    outputs = tmp_path / "out"
    outputs.mkdir()
    out_csv, out_avi = outputs / "faces.csv", outputs / "annotated.avi"
    for model, text in ((tmp_path / "missing.tflite", "model not found"), (no_spec, "no_spec"),
                        (corrupt, "not a loadable TFLite model")):
        done = analyze(photos[0], "--compare", model, "--csv", out_csv, "--annotated", out_avi)
        one_error_line(done, text)
        assert "model to compare with" in done.stderr and done.stdout == ""
        assert not list(outputs.iterdir())  # not even a partial file


def test_agreement_reads_labels_through_the_one_name_table():
    from desktop_app.core.expression.model_comparison import Agreement

    agreement = Agreement(("angry", "happy", "neutral"))
    assert agreement.add("angry", "Anger") and agreement.add("happy", "happiness")
    assert not agreement.add("happy", "sad") and not agreement.add("neutral", None)
    assert [(r.label, r.faces, r.agreed) for r in agreement.rows()] == [
        ("angry", 1, 1), ("happy", 2, 1), ("neutral", 1, 0)]
    assert agreement.total().share == 0.5
