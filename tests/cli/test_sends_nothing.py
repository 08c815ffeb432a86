""""Sends nothing": analyze runs under strace and may open no socket but local (AF_UNIX) ones.

MediaPipe's Tasks runtime looked up a Google host at start (usage logging in libmediapipe.so); the app
now runs the same models in LiteRT and must never load it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import pytest
import skimage.data

from support.repo import REPO

SOCKET_CALL = re.compile(r"\bsocket\((AF_\w+|PF_\w+|\d+)")


def _network_families(trace: Path) -> list[str]:
    return [m.group(1) for m in SOCKET_CALL.finditer(trace.read_text(errors="replace"))]


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
def test_analyze_opens_no_network_socket(tmp_path):
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    trace = tmp_path / "strace.txt"
    done = subprocess.run(["strace", "-f", "-e", "trace=network", "-o", str(trace), sys.executable, "-m",
                           "desktop_app", "analyze", str(photo), "demo", "--csv", str(tmp_path / "out.csv")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "happy" in (tmp_path / "out.csv").read_text()  # it really ran the face path
    families = _network_families(trace)
    assert all(f in ("AF_UNIX", "PF_UNIX", "AF_LOCAL", "PF_LOCAL") for f in families), families


def test_the_app_path_never_imports_mediapipe():
    code = ("import sys, numpy as np\nfrom desktop_app.core.pipeline import ExpressionPipeline\n"
            "from desktop_app.core.detection.face_detection import DETECTOR_KINDS\nfor kind in DETECTOR_KINDS:\n"
            "    with ExpressionPipeline(detector=kind) as p: p.process(np.zeros((480, 640, 3), np.uint8))\n"
            "import desktop_app.analyze, desktop_app.capture, desktop_app.bench\n"
            "assert 'mediapipe' not in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
