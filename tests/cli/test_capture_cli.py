"""``capture`` end to end as a subprocess: saved samples, one-line errors, and SIGKILL mid-burst."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import pytest

from desktop_app.core.samples.sample_records import MANIFEST
from desktop_app.core.samples.sample_store import SampleStore
from support.repo import REPO

CLI = "import sys; from desktop_app.capture import main; sys.exit(main(sys.argv[1:]))"


def command(*args) -> list[str]:
    return [sys.executable, "-c", CLI, *map(str, args)]


def capture(*args) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, cwd=REPO, timeout=120)


def assert_consistent(root: Path) -> None:
    """After reconcile: every live manifest sample has its image, every image its line, no temp left."""
    with SampleStore(root) as store:
        live = {s.id: s.label for s in store.samples()}
        assert not store.report.missing
    images = {p.stem: p.parent.name for p in root.glob("*/*.png")}
    assert live == images
    assert not list(root.rglob("*.tmp"))
    for line in (root / MANIFEST).read_text().splitlines():
        json.loads(line)
    assert all(cv2.imread(str(root / label / f"{sid}.png")) is not None for sid, label in images.items())


def test_capture_demo_and_images(tmp_path, astronaut):
    out = tmp_path / "ds"
    done = capture("demo", "--label", "Happy", "--out", out, "--max", "5", "--every", "2")
    assert done.returncode == 0, done.stderr
    assert "saved: 5 samples labeled 'Happy'" in done.stdout and "dataset: 0 samples, consistent" in done.stdout
    lines = [json.loads(x) for x in (out / MANIFEST).read_text().splitlines()]
    assert [x["frame"] for x in lines] == [0, 2, 4, 6, 8]
    assert {x["predicted"] for x in lines} == {"happy"} and not any(x["correction"] for x in lines)
    assert all(x["source"] == "demo" and x["model"] == "fer2013_mini_xception" for x in lines)
    assert all(Path(x["model_path"]).name == "fer2013_mini_xception.tflite" for x in lines)  # name and path
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(2):
        cv2.imwrite(str(folder / f"{i}.png"), astronaut)
    done = capture(folder, "--label", "Sad", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "saved: 2 samples labeled 'Sad'" in done.stdout and "dataset: 5 samples, consistent" in done.stdout
    with SampleStore(out) as store:
        assert store.confusion_counts() == {("happy", "Sad"): 2}
    assert_consistent(out)


def test_every_captured_box_is_detected_not_predicted(tmp_path):
    """The default predicts every other frame of a steady video in the window; samples are training data,
    so capture detects each frame it saves from: its boxes are those a detection of that frame gives."""
    from desktop_app.core.detection.face_detection import FaceDetector
    from desktop_app.core.media.frame_sources import DemoSource
    from desktop_app.core.tracking import iou

    out = tmp_path / "ds"
    done = capture("demo", "--label", "Happy", "--out", out, "--max", "8")
    assert done.returncode == 0, done.stderr
    saved = {x["frame"]: x["box"] for x in map(json.loads, (out / MANIFEST).read_text().splitlines())}
    assert sorted(saved) == list(range(8))
    with FaceDetector() as detector:
        detected = [detector.detect(f.image)[0].box for f in DemoSource(frames=8)]
    assert all(iou(saved[i], detected[i]) > 0.99 for i in range(8))


@pytest.mark.parametrize("args, text", [
    (("missing.avi", "--label", "Happy"), "no such file"),
    (("demo", "--label", "../up"), "not a safe folder name"),
    (("demo", "--label", "Happy", "--every", "0"), "--every: must be at least 1"),
    (("demo", "--label", "Happy", "--every", "nan"), "--every: expected a whole number, not 'nan'"),
])
def test_bad_input_one_line_exit_2(tmp_path, args, text):
    done = capture(*args, "--out", tmp_path / "ds")
    assert done.returncode == 2
    errors = done.stderr.splitlines()  # one line, not argparse's usage block above it
    assert len(errors) == 1 and errors[0].startswith("error:") and text in errors[0], done.stderr
    assert not (tmp_path / "ds").exists()


def test_dataset_path_under_a_file_is_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = capture("demo", "--label", "Happy", "--out", blocker / "ds", "--max", "1")
    assert done.returncode == 2 and "error: cannot open dataset" in done.stderr


def test_sigkill_mid_burst_loses_nothing(tmp_path):
    out = tmp_path / "ds"
    for round_ in range(2):  # the second run appends to the repaired dataset and is killed too
        proc = subprocess.Popen(command("demo", "--label", "Happy", "--out", out, "--max", "100000",
                                        "--demo-frames", "100000"),
                                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            target = 8 * (round_ + 1)
            while len(list(out.glob("Happy/*.png"))) < target:
                assert proc.poll() is None and time.monotonic() < deadline, "capture did not save samples"
                time.sleep(0.01)
            time.sleep(0.013 * (round_ + 1))  # land somewhere inside a later save
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        assert_consistent(out)


def test_full_disk_stops_at_the_first_failed_write_and_claims_nothing_more(tmp_path, capsys, monkeypatch):
    """In-process so that the failure can be injected: from the third sample on, placing the crop
    fails with ENOSPC, as on a full disk."""
    import errno

    from desktop_app.capture import main

    out = tmp_path / "ds"
    real_link, calls = os.link, {"n": 0}

    def link(src, dst, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] >= 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)
    code = main(["demo", "--label", "Happy", "--out", str(out), "--max", "10"])
    captured = capsys.readouterr()
    assert code == 2
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: could not save sample"), captured.err
    assert "No space left on device" in errors[0] and "with 2 samples saved before it" in errors[0]
    assert "stopped at frame 2 of demo" in errors[0] and "kept in memory" not in errors[0]
    assert "saved:" not in captured.out
    monkeypatch.undo()
    assert_consistent(out)
    with SampleStore(out) as store:
        assert [s.frame for s in store.samples()] == [0, 1]


def test_label_in_another_case_goes_to_the_existing_folder(tmp_path):
    out = tmp_path / "ds"
    assert capture("demo", "--label", "Happy", "--out", out, "--max", "1").returncode == 0
    done = capture("demo", "--label", "happy", "--out", out, "--max", "2")
    assert done.returncode == 0, done.stderr
    assert "saved: 2 samples labeled 'Happy'" in done.stdout and "(3 'Happy' samples" in done.stdout
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["Happy", MANIFEST]


@pytest.mark.parametrize("value", ["nan", "2", "-1"])
def test_min_score_outside_0_1_is_refused(tmp_path, value):
    done = capture("demo", "--label", "Happy", "--out", tmp_path / "ds", "--min-score", value)
    assert done.returncode == 2
    assert done.stderr == f"error: argument --min-score: must be between 0 and 1, not {value}\n"
    assert not (tmp_path / "ds").exists()


def test_capture_from_a_cut_off_video_warns_and_keeps_its_samples(tmp_path, astronaut):
    from support.media import write_video

    video = write_video(tmp_path / "v.avi", [cv2.resize(astronaut, (320, 240))] * 30)
    data = video.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    done = capture(cut, "--label", "Surprise", "--out", tmp_path / "ds")
    assert done.returncode == 0, done.stderr
    warning = [x for x in done.stderr.splitlines() if x.startswith("warning:")]
    assert len(warning) == 1 and "video ended after" in warning[0] and "of 30 frames" in warning[0]
    saved = int(done.stdout.split("saved: ")[1].split()[0])
    assert 0 < saved < 30
    assert_consistent(tmp_path / "ds")


def test_capture_stopped_by_max_does_not_call_the_video_cut_off(tmp_path, astronaut):
    from support.media import write_video

    video = write_video(tmp_path / "v.avi", [cv2.resize(astronaut, (320, 240))] * 30)
    done = capture(video, "--label", "Happy", "--out", tmp_path / "ds", "--max", "3")
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr and "saved: 3 samples" in done.stdout


def test_a_dataset_open_elsewhere_says_what_to_do(tmp_path, astronaut):
    cv2.imwrite(str(tmp_path / "face.png"), astronaut)
    with SampleStore(tmp_path / "ds"):  # another process's lock (flock is per open file)
        done = capture(tmp_path / "face.png", "--label", "Happy", "--out", tmp_path / "ds")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "open in another process" in done.stderr and "close that one" in done.stderr
    assert "choose another dataset folder" in done.stderr
