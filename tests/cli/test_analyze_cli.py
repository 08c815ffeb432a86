"""``python -m desktop_app analyze`` end to end, as a user runs it (a subprocess, real files)."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.core.expression.model_spec import load_spec
from desktop_app.core.paths import DEFAULT_MODEL
from support.cli import analyze, one_error_line
from support.media import write_video
from support.repo import REPO


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
    assert list(rows[0]) == ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", "score", "detected",
                             "classified", "label",
                             *[f"p_{x}" for x in labels]]
    assert len(rows) == 10 and [int(r["frame"]) for r in rows] == list(range(10))
    assert {r["face_id"] for r in rows} == {"1"} and {r["label"] for r in rows} == {"happy"}
    assert {r["classified"] for r in rows} == {"1"}  # one face: classified on every frame
    # The default detector predicts every other box of this steady face once two detections agree, and
    # never two in a row: the CSV says which.
    detected = "".join(r["detected"] for r in rows)
    assert detected.startswith("11") and "0" in detected and "00" not in detected, detected
    assert all(abs(sum(float(r[f"p_{x}"]) for x in labels) - 1) < 1e-2 for r in rows)
    capture = cv2.VideoCapture(str(out_avi))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 20
    source = cv2.VideoCapture(str(face_video))
    for i in range(20):  # the face's box is drawn in happy's colour where the CSV puts it; nothing else
        drawn, shown = capture.read()[1], source.read()[1]
        if i < 10:
            box = [rows[i][k] for k in "xywh"]
            assert on_box_in_colour(drawn, box, HAPPY_BGR) > 0.4 and on_box_in_colour(shown, box, HAPPY_BGR) == 0
        else:
            assert np.abs(drawn.astype(int) - shown).mean() < 2  # a frame without faces is left as it was


HAPPY_BGR = expression_colors(["happy"])[0][::-1]


def on_box_in_colour(frame: np.ndarray, box: list[str], bgr: tuple[int, int, int]) -> float:
    """Share of the pixels on the box's outline (±1 px) that have colour ``bgr`` (within MJPG's noise)."""
    x, y, w, h = (round(float(v)) for v in box)
    ring = np.zeros(frame.shape[:2], bool)
    ring[max(y - 1, 0):y + h + 2, max(x - 1, 0):x + w + 2] = True
    ring[y + 2:y + h - 1, x + 2:x + w - 1] = False
    return float((np.abs(frame[ring].astype(int) - np.array(bgr)).max(1) < 60).mean())


def test_images_and_folders(tmp_path, astronaut):
    cv2.imwrite(str(tmp_path / "a.png"), astronaut)
    cv2.imwrite(str(tmp_path / "b.jpg"), cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY))
    done = analyze(tmp_path, tmp_path / "a.png")
    assert done.returncode == 0, done.stderr
    assert "frames: 3" in done.stdout and "happy 3" in done.stdout


def test_bad_inputs_give_one_line_and_exit_2(tmp_path):
    one_error_line(analyze(tmp_path / "missing.avi"), "no such file")
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"\x00garbage" * 100)
    one_error_line(analyze(junk), "not a readable video")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    one_error_line(analyze(text), "not a readable image")
    empty = tmp_path / "empty"
    empty.mkdir()
    one_error_line(analyze(empty), "no images in folder")
    one_error_line(analyze("demo", "--model", junk), "model spec not found")
    one_error_line(analyze("demo", "--smoothing", "1.5"), "argument --smoothing: must be between 0 and below 1")


def test_truncated_video_keeps_rows_written_so_far(face_video, tmp_path):
    broken = tmp_path / "broken.avi"
    data = face_video.read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    out_csv = tmp_path / "rows.csv"
    done = analyze(broken, "--csv", out_csv)
    one_error_line(done, "truncated")
    with open(out_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert 0 < len(rows) < 10
    assert "frames:" in done.stdout  # the summary of what was read still prints


def _limited_file_size(limit: int):
    """Run the child with RLIMIT_FSIZE: writes past ``limit`` bytes fail (EFBIG), as on a full disk.
    Python ignores SIGXFSZ, so the failing write returns an error instead of killing the process."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_outputs_never_overwrite_inputs(face_video, tmp_path, astronaut):
    photo = tmp_path / "x.jpg"
    cv2.imwrite(str(photo), astronaut)
    before = photo.read_bytes()
    link = tmp_path / "link.jpg"
    link.symlink_to(photo)
    hard = tmp_path / "hard.jpg"
    os.link(photo, hard)
    for out in (photo, link, hard):
        one_error_line(analyze(photo, "--csv", out), "is one of the inputs")
    video = tmp_path / "v.avi"
    video.write_bytes(face_video.read_bytes())
    one_error_line(analyze(video, "--annotated", video), "is one of the inputs")
    one_error_line(analyze(video, "--csv", tmp_path / "o.x", "--annotated", tmp_path / "o.x"), "the same file")
    assert photo.read_bytes() == before and video.read_bytes() == face_video.read_bytes()
    assert not list(tmp_path.glob(".*partial*"))


def test_annotated_onto_a_full_disk_is_detected_and_the_old_file_kept(face_video, tmp_path):
    out = tmp_path / "annotated.avi"
    out.write_bytes(b"the previous file")
    done = subprocess.run([sys.executable, "-m", "desktop_app", "analyze", str(face_video), "--annotated", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=300,
                          preexec_fn=_limited_file_size(100_000))
    one_error_line(done, "could not write the annotated video")
    assert "of 20 frames are readable" in done.stderr
    assert out.read_bytes() == b"the previous file" and not list(tmp_path.glob(".*partial*"))


def test_csv_onto_a_full_disk_is_an_error_and_writes_nothing(face_video, tmp_path):
    out = tmp_path / "rows.csv"
    done = subprocess.run([sys.executable, "-m", "desktop_app", "analyze", str(face_video), "--csv", str(out)],
                          capture_output=True, text=True, cwd=REPO, timeout=300,
                          preexec_fn=_limited_file_size(300))
    assert done.returncode == 2 and done.stderr.startswith("error:") and "Traceback" not in done.stderr
    assert not out.exists() and not list(tmp_path.glob(".*partial*"))


@pytest.mark.parametrize("value", ["nan", "-0.1", "1.5", "inf"])
def test_min_score_outside_0_1_is_refused(value):
    one_error_line(analyze("demo", "--min-score", value), "argument --min-score: must be between 0 and 1")


def _png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width×height (a decompression bomb is refused on this alone)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
            + chunk(b"IEND", b""))


def test_image_too_large_is_refused_from_its_header(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header_claiming(40000, 40000))
    one_error_line(analyze(bomb), "too large to decode safely")
    assert "40000×40000" in analyze(bomb).stderr


def test_cut_off_jpeg_warns_and_a_bad_image_in_a_folder_is_skipped(tmp_path, astronaut):
    folder = tmp_path / "photos"
    folder.mkdir()
    cv2.imwrite(str(folder / "a.jpg"), astronaut)
    data = (folder / "a.jpg").read_bytes()
    (folder / "b_cut.jpg").write_bytes(data[: len(data) // 2])
    (folder / "c_bad.png").write_text("not an image")
    (folder / "d_bomb.png").write_bytes(_png_header_claiming(40000, 40000))
    cv2.imwrite(str(folder / "e.png"), astronaut)
    (folder / "f_last_bad.jpg").write_bytes(b"\xff\xd8 not really")
    out_csv = tmp_path / "rows.csv"
    done = analyze(folder, "--csv", out_csv)
    assert done.returncode == 0, done.stderr
    assert "frames: 3" in done.stdout  # a, the cut-off b, e
    warnings = done.stderr.strip().splitlines()
    assert len(warnings) == 4 and all(w.startswith("warning: ") for w in warnings), warnings
    assert "b_cut.jpg is cut off" in warnings[0]
    assert "c_bad.png" in warnings[1] and "d_bomb.png" in warnings[2] and "too large" in warnings[2]
    assert "f_last_bad.jpg" in warnings[3]
    with open(out_csv, newline="") as fh:
        assert {int(r["frame"]) for r in csv.DictReader(fh)} <= {0, 1, 4}


def _avi_cut_after(path: Path, keep_frames: int, out: Path) -> Path:
    """The same AVI cut just before frame ``keep_frames``'s data chunk: its header still states them all."""
    data = path.read_bytes()
    starts, at = [], data.find(b"00dc", data.find(b"movi"))
    while at != -1:
        starts.append(at)
        at = data.find(b"00dc", at + 8)
    out.write_bytes(data[:starts[keep_frames]])
    return out


def test_a_few_frames_short_of_the_header_is_normal_but_far_short_is_truncated(tmp_path, astronaut):
    frame = cv2.resize(astronaut, (320, 240))
    full = write_video(tmp_path / "full.avi", [frame] * 98)
    assert int(cv2.VideoCapture(str(full)).get(cv2.CAP_PROP_FRAME_COUNT)) == 98
    short = _avi_cut_after(full, 95, tmp_path / "short.avi")
    assert int(cv2.VideoCapture(str(short)).get(cv2.CAP_PROP_FRAME_COUNT)) == 98
    done = analyze(short)
    assert done.returncode == 0, done.stderr
    assert "frames: 95" in done.stdout
    cut = _avi_cut_after(full, 60, tmp_path / "cut.avi")
    one_error_line(analyze(cut), "video ended after 60 of 98 frames")


def test_truncation_rule():
    from desktop_app.core.media.frame_sources import is_truncated

    assert not is_truncated(95, 98) and not is_truncated(0, 0) and not is_truncated(10, 10)
    assert is_truncated(60, 98) and is_truncated(94, 100) and not is_truncated(95, 100)
    assert is_truncated(9500, 10000) is False and is_truncated(9499, 10000)
    assert is_truncated(6, 20) and not is_truncated(17, 20)


def test_many_inputs_under_a_low_file_descriptor_limit(tmp_path):
    """Each input is opened when its turn comes: 40 videos need a handful of descriptors, not 40
    (with every input opened at the start, this failed at the 21st video)."""
    import resource

    from desktop_app.bench_memory import write_inputs

    inputs = write_inputs(tmp_path, 40, 2, (320, 240))
    done = subprocess.run([sys.executable, "-m", "desktop_app", "analyze", *map(str, inputs)], capture_output=True,
                          text=True, cwd=REPO, timeout=300,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (24, 24)))
    assert done.returncode == 0, done.stderr
    assert "frames: 80" in done.stdout and done.stderr == ""
