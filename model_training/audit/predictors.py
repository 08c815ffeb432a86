"""A trained model behind one interface: a run directory (Keras) or an exported ``.tflite`` + spec.

Both take batches made by ``desktop_app.core.expression.preprocessing.prepare_batch`` from the model's spec and
return probabilities over AffectNet's eight classes (a model with other labels, such as the bundled
FER2013 one, has its labels mapped by name).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.core.expression.model_spec import VALENCE_AROUSAL, ModelSpec, ModelSpecError
from model_training.data.labels import DataError, map_label, to_affectnet
from model_training.train.config import load_config
from model_training.train.keras_files import load_keras
from model_training.train.run_plan import BEST
from model_training.train.spec_building import spec_from_config


class Predictor:
    spec: ModelSpec
    name: str

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return self.predict_all(batch)[0]

    def predict_all(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(probabilities over AffectNet's classes, valence/arousal (N, 2) or None for a model without them)."""
        raise NotImplementedError


class KerasPredictor(Predictor):
    def __init__(self, run_dir: Path, checkpoint: str = BEST) -> None:
        path = Path(run_dir) / checkpoint
        self.config = load_config(Path(run_dir))
        if not path.is_file():
            raise DataError(f"{run_dir}: no {checkpoint} (has training finished an epoch?)")
        self.model = load_keras(path)
        self.name = str(path)
        self.spec = spec_from_config(self.config, Path(run_dir).name)
        self.columns = [map_label(label) for label in self.spec.labels]  # a fine-tune may keep fewer than 8

    def predict_all(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        outputs = self.model(batch, training=False)
        va = None
        if isinstance(outputs, dict):
            outputs, va = outputs["probabilities"], np.asarray(outputs[VALENCE_AROUSAL], np.float32)
        return to_affectnet(np.asarray(outputs, np.float32), self.columns), va


class TFLitePredictor(Predictor):
    def __init__(self, path: Path) -> None:
        from desktop_app.core.expression.classifier import ExpressionClassifier

        try:
            self.classifier = ExpressionClassifier(path)
        except ModelSpecError as exc:
            raise DataError(str(exc)) from None
        self.name = str(path)
        self.spec = self.classifier.spec
        self.columns = [map_label(label) for label in self.spec.labels]

    def predict_all(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        probs, extras = self.classifier.classify_batch_all(batch)
        return to_affectnet(probs, self.columns), extras.get(VALENCE_AROUSAL)


def load_predictor(model: Path) -> Predictor:
    model = Path(model)
    if model.is_dir():
        return KerasPredictor(model)
    if model.suffix == ".tflite" and model.is_file():
        return TFLitePredictor(model)
    raise DataError(f"model not found: {model} (give a training run directory or a .tflite with its .json)")
