"""``train``: config → streaming datasets → model → fit with checkpoints, resume and curves.

RUN_DIR holds ``config.json`` (resolved), ``best.keras`` (best validation balanced accuracy),
``last.keras`` + ``state.json`` (for ``--resume``), ``logs/`` (TensorBoard) and ``curves.png``. Every
one is written whole or not at all (``run_files``): a kill or a full disk at any instant leaves the
previous epoch's files, and ``--resume`` continues from the last complete epoch.
"""
from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from desktop_app.core.expression.model_spec import VALENCE_AROUSAL
from model_training.data.input_pipeline import ImageBatches, iter_batches, make_dataset, oversample
from model_training.data.run_files import sweep_partials, write_json
from model_training.train.backend import installed, setup_devices
from model_training.train.config import TrainConfig, save_config
from model_training.train.keras_files import load_keras, save_model
from model_training.train.metrics import (
    balanced_accuracy,
    format_valence_arousal,
    plot_curves,
    valence_arousal_summary,
)
from model_training.train.models import build_model
from model_training.train.nan_guard import StopOnNonFiniteLoss
from model_training.train.run_plan import BEST, LAST, STATE, Plan, class_weights_for, describe

# The valence/arousal head's loss is mean squared error, not 1 - CCC: an image without values must add
# nothing (weight 0), which a per-image loss allows on every backend and a batch statistic such as CCC
# does not; and CCC over the 8 to 64 images of a batch, fewer once images without values drop out, is
# noisy or undefined. CCC is what ``evaluate`` reports (and the best checkpoint stays balanced accuracy).
VALENCE_AROUSAL_LOSS_WEIGHT = 1.0


def has_valence_arousal(model: keras.Model) -> bool:
    """Whether ``model`` has the second head (its outputs are then a dict, ``models.build_model``)."""
    return VALENCE_AROUSAL in getattr(model, "output_names", ())


def split_outputs(outputs) -> tuple[np.ndarray, np.ndarray | None]:
    """A model's call result → (probabilities, valence/arousal or None), as numpy."""
    if isinstance(outputs, dict):
        return (keras.ops.convert_to_numpy(outputs["probabilities"]),
                keras.ops.convert_to_numpy(outputs[VALENCE_AROUSAL]))
    return keras.ops.convert_to_numpy(outputs), None


def predict_all(model: keras.Model, dataset: ImageBatches) -> dict[str, np.ndarray]:
    """Over a dataset of (x, y, w): ``true`` class indices and ``probabilities``; with the second head
    also ``valence_arousal`` predicted and ``valence_arousal_true`` (NaN rows: the image has no values)."""
    out: dict[str, list] = {"true": [], "probabilities": [], VALENCE_AROUSAL: [], "valence_arousal_true": []}
    for x, y, w in iter_batches(dataset):
        onehot = y["probabilities"] if isinstance(y, dict) else y
        real = onehot.sum(axis=1) > 0  # padding rows carry no label
        out["true"].append(np.argmax(onehot[real], axis=1))
        probs, va = split_outputs(model(x, training=False))
        out["probabilities"].append(probs[real])
        if va is not None and isinstance(y, dict):
            truth = np.where(w[VALENCE_AROUSAL][:, None] > 0, y[VALENCE_AROUSAL], np.nan)
            out[VALENCE_AROUSAL].append(va[real])
            out["valence_arousal_true"].append(truth[real])
    return {k: np.concatenate(v) for k, v in out.items() if v}


def predict_probabilities(model: keras.Model, dataset: ImageBatches) -> tuple[np.ndarray, np.ndarray]:
    """(true class indices, predicted probabilities) over a dataset of (x, one-hot y, w)."""
    found = predict_all(model, dataset)
    return found["true"], found["probabilities"]


def predict_labels(model: keras.Model, dataset: ImageBatches) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) class indices over a dataset of (x, one-hot y, w)."""
    true, probs = predict_probabilities(model, dataset)
    return true, np.argmax(probs, axis=1)


class BalancedAccuracy(keras.callbacks.Callback):
    """Adds ``val_balanced_accuracy`` to the epoch logs (before the checkpoints read them)."""

    def __init__(self, val_ds: ImageBatches) -> None:
        super().__init__()
        self.val_ds = val_ds

    def on_epoch_end(self, epoch, logs=None):
        found = predict_all(self.model, self.val_ds)
        score = balanced_accuracy(found["true"], found["probabilities"].argmax(1))
        line = f"epoch {epoch + 1}: val balanced accuracy {score:.4f}"
        if VALENCE_AROUSAL in found:
            va = valence_arousal_summary(found["valence_arousal_true"], found[VALENCE_AROUSAL])
            line += "; " + format_valence_arousal(va)
            if logs is not None:
                logs.update(val_valence_ccc=va["valence"]["ccc"], val_arousal_ccc=va["arousal"]["ccc"])
        if logs is not None:
            logs["val_balanced_accuracy"] = score
        print(line, flush=True)


class Checkpoints(keras.callbacks.Callback):
    """After each epoch, in this order: ``best.keras`` when the validation balanced accuracy improved,
    ``last.keras`` (with optimizer state), then ``state.json`` (epochs done, best score, history), each
    replaced atomically. A kill between two of them leaves a state one epoch behind its models, and a
    resume repeats that epoch: never a state that names a model not written."""

    def __init__(self, run_dir: Path, state: dict) -> None:
        super().__init__()
        self.run_dir, self.state = run_dir, state

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.state["history"].setdefault(key, []).append(float(value))
        score = float((logs or {}).get("val_balanced_accuracy", 0.0))
        if score > self.state["best_balanced_accuracy"]:
            save_model(self.model, self.run_dir / BEST)
            self.state.update(best_balanced_accuracy=score, best_epoch=epoch + 1)
        save_model(self.model, self.run_dir / LAST)
        self.state["epochs_done"] = epoch + 1
        write_json(self.run_dir / STATE, self.state)


def compile_model(model: keras.Model, config: TrainConfig, learning_rate: float | None = None) -> None:
    """Adam at ``learning_rate`` (default: the config's) with the config's loss; a model with the
    valence/arousal head adds mean squared error on it (see VALENCE_AROUSAL_LOSS)."""
    loss = (keras.losses.CategoricalFocalCrossentropy() if config.balance == "focal"
            else keras.losses.CategoricalCrossentropy())
    rate = config.learning_rate if learning_rate is None else learning_rate
    if has_valence_arousal(model):
        model.compile(optimizer=keras.optimizers.Adam(rate),
                      loss={"probabilities": loss, VALENCE_AROUSAL: keras.losses.MeanSquaredError()},
                      loss_weights={"probabilities": 1.0, VALENCE_AROUSAL: VALENCE_AROUSAL_LOSS_WEIGHT},
                      metrics={"probabilities": ["accuracy"]})
        return
    model.compile(optimizer=keras.optimizers.Adam(rate), loss=loss, metrics=["accuracy"])


def train(plan: Plan) -> dict:
    """Train (or continue training) as planned; returns the final ``state.json`` content."""
    config, run_dir, state, resume = plan.config, plan.run_dir, plan.state, plan.resume
    keras.utils.set_random_seed(config.seed + state["epochs_done"])
    notes = [*plan.notes, describe("train", plan.train_data), describe("val", plan.val_data)]
    run_dir.mkdir(parents=True, exist_ok=True)
    notes += [f"removed {name}, left by a run that was killed while writing it" for name in sweep_partials(run_dir)]
    save_config(config, run_dir)

    devices = setup_devices(config.mixed_precision)
    notes.append(devices.describe() + (", mixed float16" if config.mixed_precision else ""))
    train_examples = plan.train_data.examples
    if config.balance == "oversample":
        train_examples = oversample(train_examples, config.seed)
    weights = class_weights_for(train_examples) if config.balance == "class_weight" else None
    common = dict(size=config.input_size, color=config.color, mean=config.mean, std=config.std,
                  batch_size=config.batch_size, pad_to=devices.batch_multiple)
    common["valence_arousal"] = config.valence_arousal
    train_ds = make_dataset(train_examples, training=True, augment_images=config.augment,
                            seed=config.seed + state["epochs_done"], class_weights=weights, **common)
    val_ds = make_dataset(plan.val_data.examples, training=False, **common)

    with devices.scope():
        if resume:
            model = load_keras(run_dir / LAST, compile=True, what="--resume")
            notes.append(f"resuming {run_dir} from epoch {state['epochs_done']}")
        else:
            model = build_model(config)
            compile_model(model, config)
    print("\n".join(notes), flush=True)  # only now: a refusal above (a cut last.keras, a full disk) is one line
    callbacks = [StopOnNonFiniteLoss(run_dir), BalancedAccuracy(val_ds), Checkpoints(run_dir, state)]
    if installed("tensorflow") and installed("tensorboard"):  # Keras writes the logs with tf.summary
        callbacks.append(keras.callbacks.TensorBoard(run_dir / "logs", profile_batch=0))
    else:
        print("TensorBoard logs off: they need tensorflow and tensorboard installed", flush=True)
    model.fit(train_ds, validation_data=val_ds, epochs=config.epochs, initial_epoch=state["epochs_done"],
              callbacks=callbacks, verbose=2, shuffle=False)  # the dataset reshuffles each epoch itself
    plot_curves(state["history"], run_dir / "curves.png")
    skipped = train_ds.skipped + val_ds.skipped
    if skipped:
        print("skipped while training: " + "; ".join(f"{k}: {v}" for k, v in sorted(skipped.items())), flush=True)
    print(f"best val balanced accuracy {state['best_balanced_accuracy']:.4f} at epoch {state['best_epoch']}; "
          f"model {run_dir / BEST}", flush=True)
    return state
