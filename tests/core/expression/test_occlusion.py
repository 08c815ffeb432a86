"""Occlusion map on the real astronaut face with the bundled model: the mouth matters, a corner not."""
from __future__ import annotations

import time

import numpy as np

from desktop_app.core.detection.face_crop import crop_face
from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.occlusion import occlusion_map
from desktop_app.core.paths import DEFAULT_MODEL

FACE_BOX = (177.0, 82.0, 95.0, 95.0)  # the astronaut's face in desktop_app/resources/demo_face.png


def test_mouth_matters_more_than_a_corner(astronaut):
    with ExpressionClassifier(DEFAULT_MODEL) as classifier:
        spec = classifier.spec
        crop = crop_face(astronaut, FACE_BOX, None, spec.input_width, spec.crop_margin, align=False)
        start = time.perf_counter()
        heat = occlusion_map(classifier, crop, spec)
        elapsed = (time.perf_counter() - start) * 1e3
    print(f"occlusion map {spec.input_width}x{spec.input_height}: {elapsed:.1f} ms")
    assert heat.shape == (spec.input_height, spec.input_width) and heat.dtype == np.float32
    h, w = heat.shape
    mouth = heat[int(h * 0.55):int(h * 0.8), int(w * 0.3):int(w * 0.7)].mean()
    corner = heat[: h // 6, : w // 6].mean()
    print(f"mean drop: mouth {mouth:.3f}, corner {corner:.3f}")
    assert mouth > corner + 0.05, (mouth, corner)
