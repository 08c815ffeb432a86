"""The BlazeFace model wrapper: a view's raw outputs do not depend on the batch it came in or on the
batches run before it (a batch-1 interpreter and a resized batched one), and the input conversion is the
models' normalisation exactly."""
from __future__ import annotations

import cv2
import numpy as np

from desktop_app.core.detection.blazeface_decoding import SHORT_RANGE
from desktop_app.core.detection.blazeface_model import BlazeFaceModel, letterbox_matrix, to_model_input
from desktop_app.core.paths import DETECTOR_MODELS


def _view(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = letterbox_matrix(width, height, 128)[0]
    return cv2.warpAffine(image, matrix, (128, 128), flags=cv2.INTER_LINEAR)


def test_a_view_gives_the_same_outputs_alone_and_in_batches_of_any_size(astronaut):
    face = to_model_input(_view(astronaut)[None])
    other = to_model_input(_view(cv2.flip(astronaut, 0))[None])
    model = BlazeFaceModel(DETECTOR_MODELS["short"], SHORT_RANGE)
    try:
        alone = model.run(face)
        assert alone[1].max() > 0  # the face is there: the comparison is not of empty outputs
        runs = [model.run(np.concatenate([other, face])), model.run(face),
                model.run(np.concatenate([other, other, face])), model.run(np.concatenate([other, face])),
                model.run(face)]
        for regressors, logits in runs:
            np.testing.assert_allclose(regressors[-1], alone[0][0], atol=1e-4)
            np.testing.assert_allclose(logits[-1], alone[1][0], atol=1e-4)
        flipped = model.run(other)
        assert np.abs(flipped[1][0] - alone[1][0]).max() > 1.0  # a different view does give other outputs
        np.testing.assert_allclose(runs[0][1][0], flipped[1][0], atol=1e-4)
    finally:
        model.close()


def test_model_input_is_rgb_scaled_to_minus_one_one_exactly():
    views = np.random.default_rng(0).integers(0, 256, (3, 128, 128, 3), dtype=np.uint8)
    views[0, 0, :3, 0] = (0, 255, 128)
    expected = views[..., ::-1].astype(np.float32) * np.float32(1 / 127.5) - np.float32(1.0)
    got = to_model_input(views)
    assert got.dtype == np.float32 and got.shape == views.shape
    assert np.array_equal(got, expected)
    assert got[0, 0, 0, 2] == -1.0 and got[0, 0, 1, 2] == 1.0  # BGR's blue became the last channel
