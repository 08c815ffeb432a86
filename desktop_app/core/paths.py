"""Where the bundled files live, so no other module spells out a path.

The models, their licences and ``SHA256SUMS``, and the demo face are package data of
``desktop_app.resources`` (declared in ``pyproject.toml``), found through ``importlib.resources``: an
installed wheel finds them in site-packages exactly as a checkout finds them in its tree. LiteRT, OpenCV
and Keras open files by name, so the folder must be a real one; pip always installs wheels as files, and a
zipped import is refused here in one line rather than as "model not found" later.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

RESOURCES_PACKAGE = "desktop_app.resources"


def _package_folder(package: str) -> Path:
    folder = files(package)
    if not isinstance(folder, Path):
        raise ImportError(f"{package} is not installed as files ({folder}); install it with pip")
    return folder


RESOURCES_DIR = _package_folder(RESOURCES_PACKAGE)
MODELS_DIR = RESOURCES_DIR / "models"
DEFAULT_MODEL = MODELS_DIR / "fer2013_mini_xception.tflite"
DETECTOR_MODELS = {
    "short": MODELS_DIR / "face_detection_short_range.tflite",
    "full": MODELS_DIR / "face_detection_full_range_sparse.tflite",
}
LANDMARK_MODEL = MODELS_DIR / "face_landmark.tflite"
DEMO_FACE = RESOURCES_DIR / "demo_face.png"
# The folder holding the desktop_app and model_training packages (the checkout, or site-packages once
# installed): a child ``python -m model_training`` started there finds the kit either way.
PACKAGES_ROOT = Path(__file__).resolve().parents[2]
