"""A geometry-only expression classifier: a small MLP on the named face-geometry features.

It is the seed's second way out ("select by landmark geometry") made measurable: how far do eye, brow
and mouth measurements alone go, next to the CNN that sees pixels? The features are the eight landmark
features of ``face_geometry`` (the iris estimate is left out: it is read from pixels and rough). The
network is numpy only (one tanh hidden layer, softmax, class-balanced loss, L2, full-batch Adam), small
enough to train in a second on thousands of faces, and saved as JSON.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.core.detection.face_geometry import EXPRESSION_FEATURES, face_geometry
from desktop_app.core.detection.face_landmarks import FaceLandmarker
from model_training.data.datasets import Example
from model_training.data.image_reading import decode_image
from model_training.data.labels import AFFECTNET_CLASSES, NUM_CLASSES, DataError
from model_training.data.output_places import check_not_in_dataset
from model_training.data.run_files import read_json, write_json

FEATURES = EXPRESSION_FEATURES[:8]
FORMAT = "geometry-mlp-1"


def _reread(examples: list[Example]) -> list[np.ndarray]:
    """The images measured a moment ago; one that vanished since is a grey square (its CNN vote is noise,
    the comparison counts it as the geometry's)."""
    images = [decode_image(e.path)[0] for e in examples]
    return [np.full((64, 64, 3), 128, np.uint8) if image is None else image for image in images]


def measure_features(examples: list[Example], skipped: Counter) -> tuple[np.ndarray, list[Example]]:
    """(N, len(FEATURES)) features of the images in which the landmark model finds a face; the rest
    are counted in ``skipped``."""
    rows, kept = [], []
    with FaceLandmarker() as landmarker:
        for e in examples:
            image, reason = decode_image(e.path)
            if image is None:
                skipped[reason] += 1
                continue
            marks = landmarker.in_crop(image)
            if not marks.is_face:
                skipped["no face for the landmark model"] += 1
                continue
            rows.append(face_geometry(marks.points).vector(FEATURES))
            kept.append(e)
    return np.array(rows, np.float64).reshape(-1, len(FEATURES)), kept


@dataclass
class GeometryClassifier:
    classes: np.ndarray  # AffectNet class indices, in output order
    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, hidden: int = 8, steps: int = 1500, lr: float = 0.02,
            l2: float = 1e-2, seed: int = 0) -> GeometryClassifier:
        classes = np.unique(y)
        if len(classes) < 2:
            raise DataError("the geometry classifier needs at least two classes with faces")
        rng = np.random.default_rng(seed)
        mean, std = x.mean(0), x.std(0) + 1e-9
        z = (x - mean) / std
        target = (y[:, None] == classes[None]).astype(np.float64)
        counts = target.sum(0)
        weight = (target @ (len(y) / (len(classes) * counts)))[:, None] / len(y)  # balanced classes
        params = [rng.normal(0, 1 / np.sqrt(z.shape[1]), (z.shape[1], hidden)), np.zeros(hidden),
                  rng.normal(0, 1 / np.sqrt(hidden), (hidden, len(classes))), np.zeros(len(classes))]
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        for step in range(1, steps + 1):
            w1, b1, w2, b2 = params
            h = np.tanh(z @ w1 + b1)
            p = _softmax(h @ w2 + b2)
            d_logits = (p - target) * weight
            d_h = (d_logits @ w2.T) * (1 - h ** 2)
            grads = [z.T @ d_h + l2 * w1, d_h.sum(0), h.T @ d_logits + l2 * w2, d_logits.sum(0)]
            for i, (g, (m, v)) in enumerate(zip(grads, moments)):
                m[:] = 0.9 * m + 0.1 * g
                v[:] = 0.999 * v + 0.001 * g * g
                params[i] = params[i] - lr * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
        return cls(classes, mean, std, *params)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """(N, 8) probabilities over AffectNet's classes (0 for classes it was not trained on)."""
        h = np.tanh(((x - self.mean) / self.std) @ self.w1 + self.b1)
        out = np.zeros((len(x), NUM_CLASSES))
        out[:, self.classes] = _softmax(h @ self.w2 + self.b2)
        return out

    def save(self, path: Path) -> None:
        data = {"format": FORMAT, "features": list(FEATURES),
                "labels": [AFFECTNET_CLASSES[c] for c in self.classes], "classes": self.classes.tolist(),
                **{k: getattr(self, k).tolist() for k in ("mean", "std", "w1", "b1", "w2", "b2")}}
        write_json(Path(path), data, indent=None)

    @classmethod
    def load(cls, path: Path) -> GeometryClassifier:
        try:
            data = read_json(Path(path))
            if not isinstance(data, dict):
                raise ValueError("expected a JSON object")
            if data.get("format") != FORMAT or data.get("features") != list(FEATURES):
                raise ValueError(f"not a {FORMAT} model over {', '.join(FEATURES)}")
            return cls(np.array(data["classes"]), *(np.array(data[k], np.float64)
                                                    for k in ("mean", "std", "w1", "b1", "w2", "b2")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DataError(f"{path}: {exc}") from None


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def train_and_compare(train: list[str], val: list[str], out_dir: Path, model: Path | None = None) -> dict:
    """Train the geometry MLP on ``train``, then score it and the CNN (default: the bundled model) on the
    same ``val`` faces, both choosing among the classes the training set has. Writes
    ``out_dir/geometry_model.json`` and ``geometry_report.json``."""
    check_not_in_dataset(Path(out_dir), "--out", [*train, *val])
    from desktop_app.core.expression.preprocessing import prepare_batch
    from desktop_app.core.paths import DEFAULT_MODEL
    from model_training.audit.predictors import load_predictor
    from model_training.data.datasets import Source, list_examples
    from model_training.train.metrics import summarize

    # The CNN first: a --model that does not load is refused for what it is, before minutes of landmarks.
    predictor = load_predictor(Path(model) if model else DEFAULT_MODEL)
    skipped: Counter = Counter()
    x_train, train_kept = measure_features(list_examples([Source.parse(s) for s in train]).examples, skipped)
    x_val, val_kept = measure_features(list_examples([Source.parse(s) for s in val]).examples, skipped)
    if not len(train_kept) or not len(val_kept):
        raise DataError("no faces found for the geometry classifier in " + ", ".join(train + val))
    y_train = np.array([e.label for e in train_kept])
    y_val = np.array([e.label for e in val_kept])
    classifier = GeometryClassifier.fit(x_train, y_train)
    known = np.zeros(NUM_CLASSES, bool)
    known[classifier.classes] = True
    cnn = np.concatenate([predictor.predict(prepare_batch(_reread(val_kept[i:i + 64]), predictor.spec))
                          for i in range(0, len(val_kept), 64)])
    report = {
        "train_faces": len(train_kept), "val_faces": len(val_kept), "classes": [AFFECTNET_CLASSES[c] for c in
                                                                                 classifier.classes],
        "skipped": dict(skipped), "cnn_model": predictor.name,
        "geometry": summarize(y_val, classifier.predict_proba(x_val).argmax(1)),
        "cnn": summarize(y_val, np.where(known, cnn, -1.0).argmax(1)),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    classifier.save(out_dir / "geometry_model.json")
    write_json(out_dir / "geometry_report.json", report)
    report["out_dir"] = str(out_dir)
    return report


def format_comparison(report: dict) -> str:
    lines = [f"{report['val_faces']} validation faces ({', '.join(report['classes'])}; trained on "
             f"{report['train_faces']}), each model choosing among those classes:",
             f"{'model':<28} {'balanced acc':>12} {'accuracy':>9} {'macro-F1':>9}"]
    for name, key in ((f"geometry MLP ({len(FEATURES)} features)", "geometry"),
                      (f"CNN {Path(report['cnn_model']).stem}", "cnn")):
        r = report[key]
        lines.append(f"{name[:28]:<28} {r['balanced_accuracy']:>12.3f} {r['accuracy']:>9.3f} {r['macro_f1']:>9.3f}")
    if report["skipped"]:
        lines.append("skipped: " + "; ".join(f"{k}: {v}" for k, v in sorted(report["skipped"].items())))
    lines.append(f"written: {report['out_dir']}/geometry_model.json, geometry_report.json")
    return "\n".join(lines)
