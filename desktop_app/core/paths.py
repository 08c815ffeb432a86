"""Where the bundled resources live, so no other module spells out a path."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RESOURCES_DIR = REPO_ROOT / "resources"
MODELS_DIR = RESOURCES_DIR / "models"
DEFAULT_MODEL = MODELS_DIR / "fer2013_mini_xception.tflite"
DETECTOR_MODELS = {
    "short": MODELS_DIR / "face_detection_short_range.tflite",
    "full": MODELS_DIR / "face_detection_full_range_sparse.tflite",
}
DEMO_FACE = RESOURCES_DIR / "demo_face.png"
