"""``train --init-from MODEL``: fine-tune an existing model on a few hundred captured crops in minutes.

Two phases: ``head_epochs`` training only the new eight-class head (the body keeps the base's
features) at ten times the learning rate, then every layer at the learning rate. BatchNormalization
layers stay frozen in inference mode throughout: a few hundred crops cannot re-estimate their
statistics, and updating them from small batches wrecks what the base knows (shared/NOTES.md,
"Training on this CPU").

RUN_DIR gets ``config.json`` (with ``init_from``), ``best.keras`` (best held-out balanced accuracy,
written to a temporary name and renamed, so a killed run never leaves half a model), ``state.json``,
``finetune_report.json`` and ``face_crops/`` (the crops framed for the base). ``export`` and
``evaluate`` load ``best.keras`` whole: its architecture is the base's, not one of ``models.py``'s.
"""
from __future__ import annotations

import os
import shutil
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from model_training.data.datasets import Example
from model_training.data.labels import DataError
from model_training.data.run_files import read_json, sweep_partials, write_json
from model_training.finetune.fine_tune_data import describe_split, fine_tune_examples
from model_training.finetune.init_from import BaseModel, check_flags, resolve_base
from model_training.train.config import TrainConfig, save_config
from model_training.train.keras_files import check_keras_file, save_model
from model_training.train.run_plan import BEST, STATE, Prepared, check_out_dir

# Defaults measured to finish ~200 captured crops in under two minutes on a 2-core CPU (docs/fine-tuning.md).
DEFAULT_EPOCHS = 12
DEFAULT_HEAD_EPOCHS = 2
DEFAULT_BATCH, SMALL_BATCH, MIN_STEPS_PER_EPOCH = 16, 8, 10
# The new head trains at 10x --learning-rate (1e-2 by default), all layers then at --learning-rate: at
# 1e-3 a class the base lacks had not moved after 24 steps on 36 crops; 1e-2 learned it in 16.
HEAD_LR_FACTOR = 10.0
# The crops trained on and held out, as split at the start: export checks parity on the same held-out
# crops even when samples were captured or deleted meanwhile (the window only reads the dataset).
SPLIT = "split.json"


@dataclass
class FineTunePlan:
    config: TrainConfig
    run_dir: Path
    base: BaseModel
    train_data: Prepared
    val_data: Prepared
    progress_json: bool = False
    created: bool = False  # RUN_DIR did not exist before: a run that fails before its first model removes it


def plan_fine_tune(config: TrainConfig, run_dir: Path, input_size: int | None = None, color: str | None = None,
                   progress_json: bool = False) -> FineTunePlan:
    """Resolve the base, take its input, normalisation and framing, list and split the data (``config``
    is left as it was; the plan holds the resolved copy); every bad input fails here with one line,
    before TensorFlow loads. ``input_size`` / ``color``: the flags as given (None or 0 when left out)."""
    if not config.init_from:
        raise DataError("plan_fine_tune needs init_from")
    base = resolve_base(config.init_from)
    check_keras_file(base.keras_path, f"--init-from {base.origin}")  # cut or damaged: before crops are cut
    check_flags(base, input_size, color)
    spec = base.spec
    epochs = config.epochs or DEFAULT_EPOCHS
    head_epochs = min(DEFAULT_HEAD_EPOCHS, epochs) if config.head_epochs is None else config.head_epochs
    config = replace(config, input_size=spec.input_width, color=spec.color, mean=spec.mean, std=spec.std,
                     head_epochs=head_epochs, epochs=epochs,
                     valence_arousal=False).resolved()  # the base's expression head only: no second head
    if config.head_epochs > config.epochs:
        raise DataError(f"--head-epochs {config.head_epochs} is more than --epochs {config.epochs}")
    run_dir = Path(run_dir)
    check_out_dir(run_dir, config.train + config.val)
    existed = run_dir.exists()
    try:
        train, val, margin = fine_tune_examples(config.train, config.val, config.val_split, spec.crop_margin,
                                                run_dir, config.seed, config.exclusions)
    except DataError:
        if not existed:  # the crops cut so far: a refused run leaves nothing behind
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    few = len(train.examples) < DEFAULT_BATCH * MIN_STEPS_PER_EPOCH  # keep MIN_STEPS_PER_EPOCH steps if it can
    config = replace(config, crop_margin=margin,
                     batch_size=config.batch_size or (SMALL_BATCH if few else DEFAULT_BATCH))
    return FineTunePlan(config, run_dir, base, train, val, progress_json, created=not existed)


def save_split(run_dir: Path, train: Prepared, val: Prepared) -> None:
    """The split, crops inside the run (``face_crops/``) named relative to it: a moved or copied run
    still finds them (export checks parity on them)."""
    def name(path: str) -> str:
        inside = Path(os.path.abspath(path))
        try:
            return inside.relative_to(Path(os.path.abspath(run_dir))).as_posix()
        except ValueError:
            return path
    write_json(run_dir / SPLIT, {key: [[name(e.path), e.label, e.weight] for e in data.examples]
                                 for key, data in (("train", train), ("held_out", val))}, indent=None)


def run_examples(config: TrainConfig, run_dir: Path) -> tuple[Prepared, Prepared]:
    """A finished fine-tune's (training, held-out) crops as it split them (for ``export``): read back
    from ``split.json`` (relative paths are the run's own crops); a run without one is split again from
    its sources."""
    run_dir = Path(run_dir)
    try:
        rows = read_json(run_dir / SPLIT)
        return tuple(Prepared([Example(str(run_dir / p), int(label), float(w)) for p, label, w in rows[name]],
                              Counter(), []) for name in ("train", "held_out"))
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(f"{run_dir / SPLIT} cannot be read: {exc}") from None
    base_margin = config.crop_margin
    train, val, _ = fine_tune_examples(config.train, config.val, config.val_split, base_margin, run_dir,
                                       config.seed, config.exclusions)
    return train, val


def fine_tune(plan: FineTunePlan) -> dict:
    """Train as planned; returns the report (also in ``RUN_DIR/finetune_report.json``). A run that fails
    or is cancelled before its first model was kept leaves nothing (not even its crops) in a new RUN_DIR."""
    try:
        return _fine_tune(plan)
    except BaseException:
        if plan.created and not (plan.run_dir / BEST).is_file():
            shutil.rmtree(plan.run_dir, ignore_errors=True)
        raise


def _fine_tune(plan: FineTunePlan) -> dict:
    import keras

    from model_training.data.input_pipeline import make_dataset, oversample
    from model_training.data.labels import SPEC_LABELS, to_affectnet
    from model_training.finetune.fine_tune_report import compare, format_table, write_report
    from model_training.finetune.held_out_sources import OTHER, independence
    from model_training.finetune.held_out_sources import describe as describe_sources
    from model_training.finetune.init_from import (
        keep_outputs,
        load_base,
        map_probabilities,
        output_classes,
        with_affectnet_head,
    )
    from model_training.train.backend import setup_devices
    from model_training.train.metrics import expected_calibration_error
    from model_training.train.nan_guard import StopOnNonFiniteLoss
    from model_training.train.progress_lines import ProgressLines, event_line
    from model_training.train.run_plan import class_weights_for
    from model_training.train.training import compile_model, predict_probabilities

    config, run_dir = plan.config, plan.run_dir
    started = time.monotonic()
    keras.utils.set_random_seed(config.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    sweep_partials(run_dir)
    save_config(config, run_dir)
    save_split(run_dir, plan.train_data, plan.val_data)
    devices = setup_devices(False)
    common = dict(size=config.input_size, color=config.color, mean=config.mean, std=config.std,
                  batch_size=config.batch_size, pad_to=devices.batch_multiple)
    train_examples = plan.train_data.examples
    if config.balance == "oversample":
        train_examples = oversample(train_examples, config.seed)
    weights = class_weights_for(train_examples) if config.balance == "class_weight" else None
    train_ds = make_dataset(train_examples, training=True, augment_images=config.augment,
                            seed=config.seed, class_weights=weights, **common)
    val_ds = make_dataset(plan.val_data.examples, training=False, **common)

    with devices.scope():
        base = load_base(plan.base)
    print(describe_split(plan.train_data, plan.val_data), flush=True)  # once nothing above can refuse
    with devices.scope():
        y_true, base_raw = predict_probabilities(base, val_ds)
        base_probs = map_probabilities(base_raw, plan.base.spec)
        base_pred = base_probs.argmax(1)
        model = with_affectnet_head(base, plan.base.spec)
    state = {"epochs_done": 0, "best_balanced_accuracy": -1.0, "best_epoch": 0, "history": {}}
    head = model.get_layer("fine_tune_head")
    phases = [("head", config.head_epochs, config.learning_rate * HEAD_LR_FACTOR),
              ("all", config.epochs, config.learning_rate)]
    for phase, until, rate in phases:
        if until <= state["epochs_done"]:
            continue
        for layer in model.layers:
            layer.trainable = phase == "all" or layer is head
        for layer in _nested_layers(model):  # a frozen BatchNormalization runs in inference mode (Keras 3)
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False
        with devices.scope():
            compile_model(model, config, rate)
        callbacks = [StopOnNonFiniteLoss(run_dir), _held_out_callback()(val_ds, run_dir, state),
                     ProgressLines(phase, config.epochs, started, plan.progress_json)]
        model.fit(train_ds, epochs=until, initial_epoch=state["epochs_done"], callbacks=callbacks, verbose=0,
                  shuffle=False)
    best = keras.models.load_model(run_dir / BEST, compile=False)
    kept = output_classes(plan.base.spec, plan.train_data.examples)
    if len(kept) < len(SPEC_LABELS):  # no output for a label neither the data nor the base has
        best = keep_outputs(best, kept)
        save_model(best, run_dir / BEST)
        config = replace(config, labels=[SPEC_LABELS[k] for k in kept])
        save_config(config, run_dir)
    _, tuned_probs = predict_probabilities(best, val_ds)
    tuned_probs = to_affectnet(tuned_probs, kept)
    report = compare(y_true, base_pred, tuned_probs.argmax(1), plan.base.origin, str(run_dir / BEST))
    verdict, labels = independence(plan.train_data.examples, plan.val_data.examples)
    report.update(best_epoch=state["best_epoch"], epochs=config.epochs, head_epochs=config.head_epochs,
                  crop_margin=config.crop_margin, base_crop_margin=plan.base.spec.crop_margin,
                  train_images=len(plan.train_data.examples), seconds=round(time.monotonic() - started, 1),
                  labels=[SPEC_LABELS[k] for k in kept], held_out_sources=verdict,
                  held_out_note=describe_sources(verdict, labels),
                  held_out_caution=None if verdict == OTHER else describe_sources(verdict, labels),
                  base_calibration_error=expected_calibration_error(y_true, base_probs),
                  fine_tuned_calibration_error=expected_calibration_error(y_true, tuned_probs))
    path = write_report(report, run_dir)
    print(format_table(report), flush=True)
    print(f"held-out faces: {report['held_out_note']}", flush=True)
    print(f"fine-tuned in {report['seconds']:.0f} s; best held-out balanced accuracy "
          f"{state['best_balanced_accuracy']:.3f} at epoch {state['best_epoch']}; model {run_dir / BEST}",
          flush=True)
    if plan.progress_json:
        print(event_line("done", {"run_dir": str(run_dir), "best_balanced_accuracy":
                                  round(state["best_balanced_accuracy"], 5), "report": str(path)}), flush=True)
    return report


def _nested_layers(model) -> list:
    """Every layer, including those inside a nested backbone model."""
    out = []
    for layer in model.layers:
        out.append(layer)
        if hasattr(layer, "layers"):
            out += _nested_layers(layer)
    return out



def _held_out_callback():  # subclasses a keras class: built when training starts, not at import
    import keras
    import numpy as np

    from model_training.train.metrics import balanced_accuracy
    from model_training.train.training import predict_probabilities

    class HeldOutScore(keras.callbacks.Callback):
        """Scores each epoch on the held-out crops, keeps the best model (renamed into place) and
        ``state.json`` (``nan_guard`` stops on a loss that is not finite before this sees the weights)."""

        def __init__(self, val_ds, run_dir: Path, state: dict) -> None:
            super().__init__()
            self.val_ds, self.run_dir, self.state = val_ds, run_dir, state

        def on_epoch_end(self, epoch, logs=None):
            true, probs = predict_probabilities(self.model, self.val_ds)
            score = balanced_accuracy(true, np.argmax(probs, axis=1))
            if logs is not None:
                logs["val_balanced_accuracy"] = score
            for key, value in (logs or {}).items():
                self.state["history"].setdefault(key, []).append(float(value))
            if score >= self.state["best_balanced_accuracy"]:  # a tie: the later, longer-trained model
                save_model(self.model, self.run_dir / BEST)
                self.state.update(best_balanced_accuracy=score, best_epoch=epoch + 1)
            self.state["epochs_done"] = epoch + 1
            write_json(self.run_dir / STATE, self.state)

    return HeldOutScore
