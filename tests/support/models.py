"""Real models with their specs changed, so a test can tell two models apart on the same faces."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from desktop_app.core.expression.model_spec import spec_path_for
from desktop_app.core.paths import DEFAULT_MODEL


def relabelled_copy(folder: Path, name: str, crop_margin: float | None = None) -> tuple[Path, list[str]]:
    """The bundled model under another name with one label spelt another way ("anger", as the fine-tuned
    models spell it), so a test can check that each model is read with its own labels; returns the
    path and the labels."""
    model = folder / f"{name}.tflite"
    shutil.copy(DEFAULT_MODEL, model)
    spec = json.loads(spec_path_for(DEFAULT_MODEL).read_text())
    spec["name"] = name
    fer = [("anger" if label == "angry" else label) for label in spec["labels"]]
    spec["labels"] = fer  # the same outputs, one label spelt as AffectNet spells it
    if crop_margin is not None:
        spec["crop"]["margin"] = crop_margin
    spec_path_for(model).write_text(json.dumps(spec))
    return model, fer


def swapped_copy(folder: Path) -> Path:
    """The bundled network with 'happy' and 'sad' swapped in its spec: a real model that disagrees with
    the bundled one on every happy face (and spells 'angry' as 'anger')."""
    model = folder / "swapped.tflite"
    shutil.copy(DEFAULT_MODEL, model)
    spec = json.loads(spec_path_for(DEFAULT_MODEL).read_text())
    labels = ["anger" if label == "angry" else label for label in spec["labels"]]
    i, j = labels.index("happy"), labels.index("sad")
    labels[i], labels[j] = labels[j], labels[i]
    spec.update(name="swapped", labels=labels)
    spec_path_for(model).write_text(json.dumps(spec))
    return model


def valence_arousal_model(folder: Path, name: str = "va_model") -> Path:
    """A model with the valence/arousal head, built by the kit (mini-Xception at its defaults, seeded
    weights, not trained) and exported by it as float32 with its spec: what the app gets from ``export``
    of a run trained on AffectNet, minus the training (its numbers mean nothing; the plumbing is real)."""
    import keras

    from model_training.export.export import export_checked, mobile_tflite
    from model_training.train.config import TrainConfig
    from model_training.train.models import build_model
    from model_training.train.spec_building import spec_from_config

    keras.utils.set_random_seed(0)
    config = TrainConfig(train=["unused"], val=["unused"], valence_arousal=True).resolved()
    out = folder / f"{name}.tflite"
    model, spec, tflite = mobile_tflite(build_model(config), spec_from_config(config, name), "float32", [])
    export_checked(model, tflite, spec, out, "float32", [])
    return out


EIGHT_LABELS = ["neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt"]


def eight_label_model(folder: Path) -> Path:
    """A real 8-output TFLite model (AffectNet's eight labels; a tiny untrained network, built with TensorFlow
    the first time and kept in ``folder``) with the bundled model's spec otherwise: for what depends on the
    number of labels (layout, keys), not on what the model says."""
    model = folder / "eight_labels.tflite"
    if model.is_file():
        return model
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras
    import tensorflow as tf

    inputs = keras.Input((64, 64, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(inputs)
    network = keras.Model(inputs, keras.layers.Dense(len(EIGHT_LABELS), activation="softmax")(pooled))
    folder.mkdir(parents=True, exist_ok=True)
    partial = model.with_suffix(".partial")
    partial.write_bytes(tf.lite.TFLiteConverter.from_keras_model(network).convert())
    spec = json.loads(spec_path_for(DEFAULT_MODEL).read_text())
    spec.update(name="eight_labels", labels=EIGHT_LABELS)
    spec_path_for(model).write_text(json.dumps(spec))
    partial.replace(model)
    return model
