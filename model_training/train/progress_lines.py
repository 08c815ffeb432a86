"""The lines a fine-tune prints for the app's window (``desktop_app.core.fine_tune_job.parse_line``):

    progress {"phase": "head"|"all", "epoch": E, "epochs": T, "loss": L, "val_balanced_accuracy": B,
              "elapsed_s": S, "eta_s": R}        once per epoch, E 1-based over the whole run
    done {"run_dir": ..., "best_balanced_accuracy": B, "report": PATH}    once, at the end

Without ``--progress-json`` the same numbers go out as one readable line per epoch.
"""
from __future__ import annotations

import json
import math
import time

import keras


def event_line(word: str, data: dict) -> str:
    """``word {json}`` on one line; a non-finite number becomes null (JSON has no NaN)."""
    clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in data.items()}
    return f"{word} {json.dumps(clean, allow_nan=False)}"


class ProgressLines(keras.callbacks.Callback):
    """One line per epoch; the ETA is the mean time of this run's epochs so far times those left (the head
    phase's epochs are cheaper, so the first estimate of the whole-model phase runs a little short)."""

    def __init__(self, phase: str, epochs: int, started: float, as_json: bool) -> None:
        super().__init__()
        self.phase, self.epochs, self.started, self.as_json = phase, epochs, started, as_json

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        done = epoch + 1
        elapsed = time.monotonic() - self.started
        eta = elapsed / done * (self.epochs - done)
        score = logs.get("val_balanced_accuracy")
        data = {"phase": self.phase, "epoch": done, "epochs": self.epochs,
                "loss": round(float(logs.get("loss", float("nan"))), 5),
                "val_balanced_accuracy": None if score is None else round(float(score), 5),
                "elapsed_s": round(elapsed, 2), "eta_s": round(eta, 2)}
        if self.as_json:
            print(event_line("progress", data), flush=True)
        else:
            score_text = "n/a" if score is None else f"{score:.3f}"
            print(f"epoch {done}/{self.epochs} ({self.phase}): loss {data['loss']:.4f}, val balanced accuracy "
                  f"{score_text}, {elapsed:.0f} s so far, about {eta:.0f} s left", flush=True)
