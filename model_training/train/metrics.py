"""Classification metrics in numpy (balanced accuracy, macro-F1, per class) and their plots."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from model_training.data.labels import AFFECTNET_CLASSES, NUM_CLASSES
from model_training.data.run_files import replacing


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n: int = NUM_CLASSES) -> np.ndarray:
    """Rows: true class, columns: predicted class."""
    return np.bincount(np.asarray(y_true) * n + np.asarray(y_pred), minlength=n * n).reshape(n, n)


def summarize(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """Accuracy, balanced accuracy (mean recall over the classes present), macro-F1 (over the classes
    present in truth or prediction), per-class precision/recall/F1/support and the confusion matrix."""
    cm = confusion(y_true, y_pred)
    support, predicted, hits = cm.sum(1), cm.sum(0), np.diag(cm)
    present = support > 0
    seen = present | (predicted > 0)
    recall = np.divide(hits, support, out=np.zeros(NUM_CLASSES), where=present)
    precision = np.divide(hits, predicted, out=np.zeros(NUM_CLASSES), where=predicted > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(NUM_CLASSES),
                   where=precision + recall > 0)
    total = max(int(support.sum()), 1)
    return {
        "n": int(support.sum()),
        "accuracy": float(hits.sum() / total),
        "balanced_accuracy": float(recall[present].mean()) if present.any() else 0.0,
        "macro_f1": float(f1[seen].mean()) if seen.any() else 0.0,
        "per_class": {name: {"precision": float(precision[i]), "recall": float(recall[i]),
                             "f1": float(f1[i]), "support": int(support[i])}
                      for i, name in enumerate(AFFECTNET_CLASSES) if seen[i]},
        "confusion_matrix": cm.tolist(),
    }


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return summarize(y_true, y_pred)["balanced_accuracy"]


def plot_confusion(cm: np.ndarray, path: Path, title: str) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(cm)
    rows = cm.sum(1, keepdims=True)
    share = np.divide(cm, rows, out=np.zeros(cm.shape), where=rows > 0)
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(NUM_CLASSES), AFFECTNET_CLASSES, rotation=45, ha="right")
    ax.set_yticks(range(NUM_CLASSES), AFFECTNET_CLASSES)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for (r, c), n in np.ndenumerate(cm):
        if n:
            ax.text(c, r, f"{n}\n{share[r, c]:.0%}", ha="center", va="center", fontsize=7,
                    color="white" if share[r, c] > 0.5 else "black")
    fig.tight_layout()
    with replacing(path) as temp:  # whole or not at all
        fig.savefig(temp, dpi=100)
    plt.close(fig)
    return path


def plot_curves(history: dict[str, list[float]], path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = range(1, len(history.get("loss", [])) + 1)
    for key in ("loss", "val_loss"):
        if key in history:
            ax_loss.plot(epochs, history[key], label=key)
    for key in ("accuracy", "val_accuracy", "val_balanced_accuracy"):
        if key in history:
            ax_acc.plot(epochs, history[key], label=key)
    for ax, name in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_title(name)
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    with replacing(path) as temp:  # whole or not at all
        fig.savefig(temp, dpi=100)
    plt.close(fig)
    return path


def ccc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Lin's concordance correlation coefficient: 1 when predictions equal the truth, 0 for no agreement;
    unlike Pearson's r it also counts a shift or a wrong scale against the prediction (AffectNet's and
    HSEmotion's measure for valence and arousal). NaN for fewer than two values."""
    t, p = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    if len(t) < 2:
        return float("nan")
    covariance = np.mean((t - t.mean()) * (p - p.mean()))
    denominator = t.var() + p.var() + (t.mean() - p.mean()) ** 2
    return float(2 * covariance / denominator) if denominator > 0 else float("nan")


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    t, p = np.asarray(y_true, np.float64), np.asarray(y_pred, np.float64)
    return float(np.sqrt(np.mean((t - p) ** 2))) if len(t) else float("nan")


def valence_arousal_summary(y_true: np.ndarray, y_pred: np.ndarray) -> dict:
    """CCC and RMSE of valence and arousal over the rows whose truth is known (NaN rows: no values)."""
    from model_training.data.valence_arousal import COMPONENTS

    known = ~np.isnan(y_true).any(axis=1)
    t, p = y_true[known], y_pred[known]
    return {"n": int(known.sum()),
            **{name: {"ccc": ccc(t[:, i], p[:, i]), "rmse": rmse(t[:, i], p[:, i])}
               for i, name in enumerate(COMPONENTS)}}


def format_valence_arousal(summary: dict) -> str:
    """``valence CCC 0.81, RMSE 0.17; arousal CCC 0.66, RMSE 0.21 (on 120 images)``"""
    parts = [f"{name} CCC {summary[name]['ccc']:.3f}, RMSE {summary[name]['rmse']:.3f}"
             for name in ("valence", "arousal")]
    return "; ".join(parts) + f" (on {summary['n']} images with values)"


CALIBRATION_BINS = 10


def expected_calibration_error(y_true: np.ndarray, probs: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """How far a model's confidence is from how often it is right: the top-1 confidences in ``bins`` equal
    bins of 0-1, each bin's |accuracy − mean confidence| weighted by its share of the images (Guo et al.
    2017). 0: "90% sure" is right 90% of the time; NaN for no images."""
    if not len(y_true):
        return float("nan")
    confidence, predicted = probs.max(axis=1), probs.argmax(axis=1)
    correct = predicted == np.asarray(y_true)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)
