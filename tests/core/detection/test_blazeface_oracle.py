"""The LiteRT BlazeFace path against MediaPipe's own Tasks FaceDetector on real photos.

Both run the same ``.tflite`` on the same image; the app's decoding (anchors, box/keypoint decoding,
sigmoid with clipping, weighted NMS) must give MediaPipe's faces. Tolerances: Tasks rounds its boxes
down to whole pixels (≤ 2 px); keypoints ≤ 1 px; scores ≤ 0.001 for short range (measured: identical)
and ≤ 0.01 for the sparse full-range model (measured ≤ 0.008: its sparse kernels differ between the two
runtimes, the decoding does not).
"""
from __future__ import annotations

import cv2
import numpy as np
import pytest
import skimage.data

from desktop_app.core.detection.blazeface_decoding import FULL_RANGE, SHORT_RANGE, ssd_anchor_centres
from desktop_app.core.detection.blazeface_model import BlazeFaceModel, detect_view
from desktop_app.core.paths import DEMO_FACE, DETECTOR_MODELS
from support.mediapipe_oracle import TasksFaceDetector

MIN_SCORE = 0.5
SPECS = {"short": SHORT_RANGE, "full": FULL_RANGE}
SCORE_TOLERANCE = {"short": 0.001, "full": 0.01}


def _photos() -> dict[str, np.ndarray]:
    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    face = cv2.resize(astronaut[20:300, 120:340], (220, 280), interpolation=cv2.INTER_AREA)
    return {
        "astronaut": astronaut,
        "astronaut scaled to 256": cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA),
        "astronaut 1280x720 letterboxed": cv2.copyMakeBorder(astronaut, 104, 104, 384, 384,
                                                             cv2.BORDER_CONSTANT, value=(50, 50, 50)),
        "astronaut tiled 2x3": np.tile(cv2.resize(astronaut, (200, 200), interpolation=cv2.INTER_AREA), (2, 3, 1)),
        "three faces in a row": np.concatenate([face, cv2.flip(face, 1), face], axis=1),
        "demo": cv2.imread(str(DEMO_FACE)),
    }


PHOTOS = _photos()


def test_anchor_counts_match_the_models():
    assert ssd_anchor_centres(SHORT_RANGE).shape == (896, 2)
    assert ssd_anchor_centres(FULL_RANGE).shape == (2304, 2)


@pytest.mark.parametrize("kind", ["short", "full"])
def test_litert_decoding_matches_mediapipe_tasks(kind):
    model = BlazeFaceModel(DETECTOR_MODELS[kind], SPECS[kind])
    compared = 0
    with TasksFaceDetector(str(DETECTOR_MODELS[kind]), MIN_SCORE) as oracle:
        for name, photo in PHOTOS.items():
            boxes, keypoints, scores = oracle.detect(photo)
            ours = detect_view(model, photo, MIN_SCORE)
            assert len(ours.scores) == len(scores), (kind, name, scores, ours.scores)
            theirs_order, ours_order = np.argsort(-scores), np.argsort(-ours.scores)
            assert np.abs(ours.scores[ours_order] - scores[theirs_order]).max(initial=0) <= SCORE_TOLERANCE[kind], name
            assert np.abs(ours.boxes[ours_order] - boxes[theirs_order]).max(initial=0) <= 2.0, name
            assert np.abs(ours.keypoints[ours_order] - keypoints[theirs_order]).max(initial=0) <= 1.0, name
            compared += len(scores)
    model.close()
    assert compared >= 6  # the photos hold real faces both detectors find
