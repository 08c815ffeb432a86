"""Stop training the step the loss stops being finite, before any checkpoint sees the broken weights.

Raising from ``on_train_batch_end`` leaves ``model.fit`` at once: no ``on_epoch_end`` runs, so
``best.keras``, ``last.keras`` and ``state.json`` stay those of the last complete epoch (with
``keras.callbacks.TerminateOnNaN`` the epoch would end and save a NaN model as ``last.keras``).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import keras

from model_training.data.labels import DataError
from model_training.train.run_plan import BEST, LAST, STATE


class LossNotFinite(DataError):
    """Training stopped on a NaN or infinite loss; the message says what was kept."""


def kept_checkpoints(run_dir: Path) -> str:
    try:
        state = json.loads((run_dir / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    if not state.get("epochs_done"):
        return "no checkpoint was written (no epoch finished)"
    if not (run_dir / LAST).is_file():  # a fine-tune keeps only its best model
        if (run_dir / BEST).is_file():
            return f"{run_dir / BEST} (epoch {state.get('best_epoch', '?')}) is kept"
        return "no checkpoint was written (no epoch finished)"
    kept = f"{run_dir / LAST} (epoch {state['epochs_done']}) is the last good checkpoint"
    if (run_dir / BEST).is_file():
        kept += f", {run_dir / BEST} the best (epoch {state.get('best_epoch', '?')})"
    return kept


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = Path(run_dir)
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            raise LossNotFinite(f"the training loss became {float(loss)} in epoch {self.epoch + 1} at step "
                                f"{batch + 1}: stopped; {kept_checkpoints(self.run_dir)}; try a lower "
                                "--learning-rate")
