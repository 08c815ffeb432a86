"""``python -m desktop_app analyze`` end to end, as a user runs it (a subprocess, real files)."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.core.model_spec import load_spec
from desktop_app.core.paths import DEFAULT_MODEL
from conftest import write_video

REPO = Path(__file__).resolve().parents[1]


def analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", "analyze", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


@pytest.fixture(scope="module")
def face_video(tmp_path_factory, astronaut):
    """20 frames at 640×480: 10 with the face, 10 empty."""
    frame = np.full((480, 640, 3), 60, np.uint8)
    frame[0:480, 80:560] = cv2.resize(astronaut, (480, 480))
    empty = np.full((480, 640, 3), 60, np.uint8)
    return write_video(tmp_path_factory.mktemp("v") / "face.avi", [frame] * 10 + [empty] * 10)


def test_summary_csv_and_annotated_video(face_video, tmp_path):
    out_csv, out_avi = tmp_path / "faces.csv", tmp_path / "annotated.avi"
    done = analyze(face_video, "--csv", out_csv, "--annotated", out_avi, "--smoothing", "0")
    assert done.returncode == 0, done.stderr
    assert "frames: 20" in done.stdout and "frames with a face: 10" in done.stdout
    assert "faces per label: happy 10" in done.stdout
    assert "detect" in done.stdout and "p95" in done.stdout
    assert done.stderr == ""
    labels = load_spec(DEFAULT_MODEL).labels
    with open(out_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", "score", "label",
                             *[f"p_{x}" for x in labels]]
    assert len(rows) == 10 and [int(r["frame"]) for r in rows] == list(range(10))
    assert {r["face_id"] for r in rows} == {"1"} and {r["label"] for r in rows} == {"happy"}
    assert all(abs(sum(float(r[f"p_{x}"]) for x in labels) - 1) < 1e-2 for r in rows)
    capture = cv2.VideoCapture(str(out_avi))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 20


def test_images_and_folders(tmp_path, astronaut):
    cv2.imwrite(str(tmp_path / "a.png"), astronaut)
    cv2.imwrite(str(tmp_path / "b.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY))
    done = analyze(tmp_path, tmp_path / "a.png")
    assert done.returncode == 0, done.stderr
    assert "frames: 3" in done.stdout and "happy 3" in done.stdout


def _one_error_line(done: subprocess.CompletedProcess, text: str) -> None:
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and text in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_bad_inputs_give_one_line_and_exit_2(tmp_path):
    _one_error_line(analyze(tmp_path / "missing.avi"), "no such file")
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"\x00garbage" * 100)
    _one_error_line(analyze(junk), "not a readable video")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    _one_error_line(analyze(text), "not a readable image")
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_error_line(analyze(empty), "no images in folder")
    _one_error_line(analyze("demo", "--model", junk), "model spec not found")
    _one_error_line(analyze("demo", "--smoothing", "1.5"), "--smoothing")


def test_truncated_video_keeps_rows_written_so_far(face_video, tmp_path):
    broken = tmp_path / "broken.avi"
    data = face_video.read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    out_csv = tmp_path / "rows.csv"
    done = analyze(broken, "--csv", out_csv)
    _one_error_line(done, "truncated")
    with open(out_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert 0 < len(rows) < 10
    assert "frames:" in done.stdout  # the summary of what was read still prints
