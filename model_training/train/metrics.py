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
