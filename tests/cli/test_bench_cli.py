"""``python -m desktop_app bench``: the default detector's rows beside the named ones, the expression
change latency, one error line for bad input. Timings are printed, never asserted."""
from __future__ import annotations

import subprocess
import sys

import pytest

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR
from support.cli import one_error_line
from support.repo import REPO


def _bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", "bench", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=600)


@pytest.mark.slow
def test_bench_prints_the_default_beside_each_named_detector():
    done = _bench("--frames", "3")
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    for named in ("short", "full", "group"):
        assert f"detector {named}," in out and f"{DEFAULT_DETECTOR} / {named}:" in out
    assert out.count(f"detector {DEFAULT_DETECTOR},") == 6  # one row per scene
    assert "found 6 of 6" in out  # the table of six, by the default (and by group)
    assert "expression change in a class of 54" in out and "happy → neutral" in out
    assert "predicted frames against detecting them" in out  # the default's skipped detections, checked


def test_bench_rejects_zero_frames_with_one_line():
    one_error_line(_bench("--frames", "0"), "--frames: must be at least 1")


def test_our_side_of_the_fer_comparison_times_the_default_pipeline_with_its_cpu_time():
    from desktop_app.bench_fer import our_times
    from desktop_app.core.media.frame_sources import DemoSource

    timing = our_times([f.image for f in DemoSource(640, 360, frames=5)])
    assert len(timing.ms) == 5 and min(timing.ms) > 0
    assert timing.faces == [1] * 5  # the same work the app does: a face found on every frame
    assert timing.cpu_ms > 0
