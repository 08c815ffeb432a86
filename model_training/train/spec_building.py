"""The spec JSON written beside every model this kit makes: built from a run's config, with where it
came from (provenance) and how well it did (metrics). One place, so ``export``, ``evaluate`` and
``bench`` describe a run the same way the app will read it."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.core.expression.model_spec import VALENCE_AROUSAL, ModelSpec
from model_training.data.labels import SPEC_LABELS
from model_training.train.config import TrainConfig

EVALUATION_FILE = "evaluation.json"  # written into RUN_DIR by ``evaluate``; its summary goes into the spec


def spec_from_config(config: TrainConfig, name: str, provenance: dict | None = None,
                     metrics: dict | None = None, input_dtype: str = "float32") -> ModelSpec:
    labels = tuple(config.labels) if config.labels else SPEC_LABELS  # a fine-tune may keep fewer
    return ModelSpec(
        name=name, labels=labels, input_width=config.input_size, input_height=config.input_size,
        color=config.color, mean=config.mean, std=config.std, output="probabilities",
        crop_margin=config.crop_margin, align_eyes=True, input_dtype=input_dtype,
        description=(f"fine-tuned from {config.init_from} with model_training" if config.init_from
                     else f"{config.arch} trained with model_training"), provenance=provenance or {},
        metrics=metrics or {}, extra_outputs=(VALENCE_AROUSAL,) if config.valence_arousal else ())


def provenance_for(config: TrainConfig, extra: dict | None = None) -> dict:
    import tensorflow as tf
    return {"tool": "model_training", "tensorflow": tf.__version__,
            "date": datetime.now(UTC).isoformat(timespec="seconds"), "config": config.to_dict(),
            **(extra or {})}


def metrics_from(run_dir: Path) -> dict:
    path = run_dir / EVALUATION_FILE
    if not path.is_file():
        return {}
    report = json.loads(path.read_text(encoding="utf-8"))
    keys = ("data", "n", "accuracy", "balanced_accuracy", "macro_f1", "valence_arousal")
    return {("dataset" if k == "data" else k): report[k] for k in keys if k in report}


def trained_spec(spec: ModelSpec) -> ModelSpec:
    """Undo ``mobile_spec``: the colour and normalisation the Keras model itself takes, from the provenance
    an export wrote (a spec without them is returned as it is)."""
    color = spec.provenance.get("trained_color")
    norm = spec.provenance.get("trained_normalization")
    if color is None or not isinstance(norm, dict):
        return spec
    return replace(spec, color=color, mean=float(norm["mean"]), std=float(norm["std"]), input_dtype="float32")
