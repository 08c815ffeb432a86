"""Real models with their specs changed, so a test can tell two models apart on the same faces."""
from __future__ import annotations

import json
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
