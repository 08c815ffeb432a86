"""Everything ``train`` decides before TensorFlow is imported: the resolved config, the listed and
checked data, and the resume state. Bad input fails here, fast and with one line. What the plan has to
say (the batch size it chose, the valence/arousal values it found) waits in ``Plan.notes``: ``train``
prints it once the run's files and its model are in place, so a refusal is its one ``error:`` line."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from model_training.data.datasets import Example, Listing, Source, list_examples, scan_unreadable
from model_training.data.labels import AFFECTNET_CLASSES, NUM_CLASSES, DataError
from model_training.data.output_places import check_not_in_dataset
from model_training.data.run_files import read_json, write_json  # noqa: F401 - write_json: run files' one writer
from model_training.data.valence_arousal import describe_range, has_values
from model_training.train.config import TrainConfig, load_config
from model_training.train.keras_files import check_keras_file

BEST, LAST, STATE = "best.keras", "last.keras", "state.json"
# Chosen when --batch-size / --epochs are not given (docs/training.md, "Defaults"). BatchNorm's moving
# statistics (momentum 0.9) need tens of steps to settle, and a few hundred crops at batch 64 give 3 to 5
# steps per epoch: validation then reads chance while training accuracy climbs.
MAX_AUTO_BATCH, MIN_AUTO_BATCH = TrainConfig.batch_size, 8
MIN_STEPS_PER_EPOCH = 25
DEFAULT_EPOCHS = TrainConfig.epochs
MIN_TOTAL_STEPS = 600
MAX_AUTO_EPOCHS = 200


@dataclass
class Prepared:
    examples: list[Example]
    skipped: Counter
    unreadable: list[str]


def prepare_examples(specs: list[str], crop_cache: Path | None, margin: float, exclusions: bool = True) -> Prepared:
    """Parse ``DIR[:W][:crop]`` sources, list them, crop ``:crop`` sources, drop unreadable files."""
    sources = [Source.parse(s) for s in specs]
    examples: list[Example] = []
    skipped: Counter = Counter()
    for source in sources:
        listing: Listing = list_examples([source], exclusions)
        skipped.update(listing.skipped)
        found = listing.examples
        if source.crop:
            if crop_cache is None:
                raise DataError(f"{source.path}: ':crop' sources are only supported by train")
            from model_training.data.face_crops import cache_face_crops
            found = cache_face_crops(found, crop_cache, margin, skipped)
        examples += found
    unreadable = scan_unreadable(examples)
    if unreadable:
        bad = set(unreadable)
        examples = [e for e in examples if e.path not in bad]
        skipped["unreadable image"] += len(unreadable)
    if not examples:
        reasons = "; ".join(f"{k}: {v}" for k, v in sorted(skipped.items()))
        raise DataError(f"no usable images in {', '.join(specs)}" + (f" ({reasons})" if reasons else ""))
    return Prepared(examples, skipped, unreadable)


def describe(name: str, prepared: Prepared) -> str:
    counts = np.bincount([e.label for e in prepared.examples], minlength=NUM_CLASSES)
    per_class = ", ".join(f"{c} {n}" for c, n in zip(AFFECTNET_CLASSES, counts) if n)
    skipped = "; ".join(f"{k}: {v}" for k, v in sorted(prepared.skipped.items()))
    return f"{name}: {len(prepared.examples)} images ({per_class})" + (f"; skipped {skipped}" if skipped else "")


def resolve_valence_arousal(wanted: bool, train_data: Prepared) -> tuple[bool, str]:
    """Whether the second head trains (when asked, the default, and the training data has values), and
    the line that says which, with the values' range."""
    if not wanted:
        return False, "valence/arousal head off (--no-valence-arousal): expression head only"
    return has_values(train_data.examples), describe_range(train_data.examples)


def class_weights_for(examples: list[Example]) -> np.ndarray:
    """n / (k · count_c) for the k classes present; 0 for absent classes."""
    counts = np.bincount([e.label for e in examples], minlength=NUM_CLASSES).astype(np.float64)
    present = counts > 0
    weights = np.zeros(NUM_CLASSES)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights


def _steps(n: int) -> str:
    return f"{n} step" + ("" if n == 1 else "s")


def auto_schedule(n_train: int, batch_size: int | None, epochs: int | None) -> tuple[int, int, str]:
    """(batch size, epochs, one line saying what was chosen and why); an argument that is not None (or
    0) is the user's and is kept. Batch: the largest power of two from 8 to 64 that still gives
    MIN_STEPS_PER_EPOCH steps per epoch. Epochs: 30, or more when 30 epochs give under MIN_TOTAL_STEPS."""
    reasons = []
    if not batch_size:
        batch_size = MAX_AUTO_BATCH
        while batch_size > MIN_AUTO_BATCH and n_train / batch_size < MIN_STEPS_PER_EPOCH:
            batch_size //= 2
        if batch_size < MAX_AUTO_BATCH:
            reasons.append(f"batch size {batch_size} (not {MAX_AUTO_BATCH}: {n_train} training images would give "
                           f"{_steps(math.ceil(n_train / MAX_AUTO_BATCH))} per epoch, too few for BatchNorm's "
                           "statistics)")
        else:
            reasons.append(f"batch size {batch_size}")
    steps = math.ceil(n_train / batch_size)
    if not epochs:
        epochs = min(MAX_AUTO_EPOCHS, max(DEFAULT_EPOCHS, math.ceil(MIN_TOTAL_STEPS / steps)))
        why = "" if epochs == DEFAULT_EPOCHS else f" (not {DEFAULT_EPOCHS}: at least {MIN_TOTAL_STEPS} steps)"
        reasons.append(f"epochs {epochs}{why}")
    if not reasons:
        return batch_size, epochs, ""
    return batch_size, epochs, (f"chose {' and '.join(reasons)}: {steps} steps per epoch, {steps * epochs} in "
                                "all; --batch-size / --epochs override")


def check_out_dir(run_dir: Path, datasets: list[str] = ()) -> None:
    """A new run goes into a new folder, an empty one, or one holding only a run that never finished
    an epoch (its config.json): never over a file or someone else's files, never inside a dataset."""
    check_not_in_dataset(run_dir, "--out", datasets)
    if run_dir.exists() and not run_dir.is_dir():
        raise DataError(f"--out {run_dir} is a file, not a run directory: choose another --out")
    if (run_dir / STATE).exists():
        if _is_fine_tune(run_dir):  # a fine-tune is not resumed (it takes minutes): say the one way out
            raise DataError(f"{run_dir} already holds a fine-tune: choose another --out")
        raise DataError(f"{run_dir} already holds a run: use --resume or another --out")
    if run_dir.is_dir() and any(run_dir.iterdir()) and not (run_dir / "config.json").is_file():
        raise DataError(f"--out {run_dir} is a folder with other files in it: choose a new or empty folder")


def _is_fine_tune(run_dir: Path) -> bool:
    try:
        return bool(read_json(run_dir / "config.json").get("init_from"))
    except (OSError, ValueError, AttributeError):
        return False


def load_state(run_dir: Path) -> dict:
    """``state.json``, checked: a cut, hand-edited or foreign file is one DataError naming it."""
    path = run_dir / STATE
    if not path.is_file() or not (run_dir / LAST).is_file():
        raise DataError(f"{run_dir}: nothing to resume (no {LAST} and {STATE})")
    state = read_json(path)
    problem = state_problem(state)
    if problem:
        raise DataError(f"{path}: {problem}; it is not a state the kit wrote (start a new run with another --out)")
    check_keras_file(run_dir / LAST, what="--resume")  # a cut or damaged checkpoint: before TensorFlow loads
    if state["best_epoch"]:
        try:  # the run's result: continuing would end with exit 0 and a best.keras that nothing can load
            check_keras_file(run_dir / BEST, what="--resume")
        except DataError as exc:
            raise DataError(f"{exc}; move it away and --resume again to keep the best of the epochs from "
                            f"{state['epochs_done'] + 1} on") from None
    return state


def forget_missing_best(run_dir: Path, state: dict) -> str:
    """A resumed run whose ``best.keras`` is gone (removed by hand) keeps the best of the epochs it
    trains from now on: its best score is forgotten, so the next epoch writes one. Returns the note."""
    if not state["best_epoch"] or (run_dir / BEST).is_file():
        return ""
    note = (f"{run_dir / BEST} (epoch {state['best_epoch']}) is missing: the best of the epochs from "
            f"{state['epochs_done'] + 1} on will be kept")
    state.update(best_balanced_accuracy=-1.0, best_epoch=0)
    return note


def state_problem(state) -> str:
    """What is wrong with a ``state.json``'s content ("" when nothing is)."""
    if not isinstance(state, dict):
        return f"expected a JSON object, not {type(state).__name__}"
    for key in ("epochs_done", "best_epoch"):
        value = state.get(key)
        if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
            return f"{key} must be a whole number from 0, not {value!r}"
    score = state.get("best_balanced_accuracy")
    if not (isinstance(score, (int, float)) and not isinstance(score, bool) and -1.0 <= score <= 1.0):
        return f"best_balanced_accuracy must be a number from -1 to 1, not {score!r}"
    if not isinstance(state.get("history"), dict):
        return "history must be an object"
    if state["best_epoch"] > state["epochs_done"]:
        return f"best_epoch {state['best_epoch']} is after epochs_done {state['epochs_done']}"
    return ""


@dataclass
class Plan:
    config: TrainConfig
    run_dir: Path
    resume: bool
    state: dict
    train_data: Prepared
    val_data: Prepared
    notes: list[str] = field(default_factory=list)  # for the user, printed by ``train`` once nothing can refuse


def plan_training(config: TrainConfig, run_dir: Path, resume: bool = False) -> Plan:
    """Resolve the config (or, with ``resume``, reload RUN_DIR's; ``config.epochs``, unless None, is the new
    total), list and check the data. ``config`` itself is not changed: the plan holds the resolved copy."""
    run_dir = Path(run_dir)
    missing_best = ""
    if resume:
        epochs = config.epochs
        if run_dir.exists() and not run_dir.is_dir():
            raise DataError(f"--out {run_dir} is a file, not a run directory")
        config = load_config(run_dir)
        if config.init_from:
            raise DataError(f"{run_dir} is a fine-tune of {config.init_from}: it cannot be resumed; start it "
                            "again with --init-from (it takes minutes)")
        config.epochs = epochs or config.epochs
        config.check_numbers()
        if not config.epochs or not config.batch_size:  # None (not chosen) or 0
            raise DataError(f"{run_dir / 'config.json'}: epochs and batch size must be at least 1")
        state = load_state(run_dir)
        if state["epochs_done"] >= config.epochs:
            raise DataError(f"{run_dir} already has {state['epochs_done']} epochs: give a larger --epochs")
        missing_best = forget_missing_best(run_dir, state)
    else:
        config = config.resolved()
        check_out_dir(run_dir, config.train + config.val)
        state = {"epochs_done": 0, "best_balanced_accuracy": -1.0, "best_epoch": 0, "history": {}}
    crops = run_dir / "face_crops"
    train_data = prepare_examples(config.train, crops, config.crop_margin, config.exclusions)
    val_data = prepare_examples(config.val, crops, config.crop_margin, config.exclusions)
    config.batch_size, config.epochs, why = auto_schedule(len(train_data.examples), config.batch_size,
                                                          config.epochs)
    notes = [why] if why else []
    if missing_best:
        notes.append(missing_best)
    if not resume:
        config.valence_arousal, line = resolve_valence_arousal(config.valence_arousal, train_data)
        notes.append(line)
    return Plan(config, run_dir, resume, state, train_data, val_data, notes)
