""""Sends nothing": analyze, capture and the window run under strace and may open no socket but local
(AF_UNIX) ones, and never import TensorFlow or MediaPipe.

MediaPipe's Tasks runtime looked up a Google host at start (usage logging in libmediapipe.so); the app
now runs the same models in LiteRT and must never load it.
"""
from __future__ import annotations

import os
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


# ``python -m desktop_app ARGS`` that, once the program has ended, fails unless neither TensorFlow nor
# MediaPipe was ever imported (the window starts fine-tuning in another process; MediaPipe phones home).
RUN_APP_THEN_CHECK_IMPORTS = """
import runpy, sys
try:
    runpy.run_module("desktop_app", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code or 0
else:
    code = 0
imported = sorted({"tensorflow", "keras", "mediapipe"} & set(sys.modules))
assert not imported, f"the app imported {imported}"
sys.exit(code)
"""
RUNS = {  # the app's programs as a user starts them, on the demo and a real photograph
    "analyze": ["analyze", "{photo}", "demo", "--csv", "{tmp}/out.csv"],
    "capture": ["capture", "demo", "--label", "happy", "--out", "{tmp}/dataset", "--max", "3"],
    "window": ["--source", "demo", "--quit-after", "3"],
}


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
@pytest.mark.parametrize("program", RUNS)
def test_the_app_opens_no_network_socket_and_never_imports_tensorflow(tmp_path, program):
    photo = tmp_path / "astronaut.png"
    cv2.imwrite(str(photo), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    trace = tmp_path / "strace.txt"
    args = [a.format(photo=photo, tmp=tmp_path) for a in RUNS[program]]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run(["strace", "-f", "-e", "trace=network", "-o", str(trace), sys.executable, "-c",
                           RUN_APP_THEN_CHECK_IMPORTS, *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    if program == "analyze":
        assert "happy" in (tmp_path / "out.csv").read_text()  # it really ran the face path
    if program == "capture":
        assert len(list((tmp_path / "dataset").glob("*/*.png"))) == 3
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
