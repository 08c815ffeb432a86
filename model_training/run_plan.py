"""Everything ``train`` decides before TensorFlow is imported: the resolved config, the listed and
checked data, and the resume state. Bad input fails here, fast and with one line."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import TrainConfig, load_config
from .datasets import Example, Listing, Source, list_examples, scan_unreadable
from .labels import AFFECTNET_CLASSES, NUM_CLASSES, DataError

BEST, LAST, STATE = "best.keras", "last.keras", "state.json"


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
            from .face_crops import cache_face_crops
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


def class_weights_for(examples: list[Example]) -> np.ndarray:
    """n / (k · count_c) for the k classes present; 0 for absent classes."""
    counts = np.bincount([e.label for e in examples], minlength=NUM_CLASSES).astype(np.float64)
    present = counts > 0
    weights = np.zeros(NUM_CLASSES)
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights


def load_state(run_dir: Path) -> dict:
    path = run_dir / STATE
    if not path.is_file() or not (run_dir / LAST).is_file():
        raise DataError(f"{run_dir}: nothing to resume (no {LAST} and {STATE})")
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class Plan:
    config: TrainConfig
    run_dir: Path
    resume: bool
    state: dict
    train_data: Prepared
    val_data: Prepared


def plan_training(config: TrainConfig, run_dir: Path, resume: bool = False) -> Plan:
    """Resolve the config (or, with ``resume``, reload RUN_DIR's; a non-zero ``config.epochs`` is the new
    total), list and check the data."""
    run_dir = Path(run_dir)
    if resume:
        epochs = config.epochs
        config = load_config(run_dir)
        config.epochs = epochs or config.epochs
        state = load_state(run_dir)
        if state["epochs_done"] >= config.epochs:
            raise DataError(f"{run_dir} already has {state['epochs_done']} epochs: give a larger --epochs")
    else:
        config.resolved()
        if (run_dir / STATE).exists():
            raise DataError(f"{run_dir} already holds a run: use --resume or another --out")
        state = {"epochs_done": 0, "best_balanced_accuracy": -1.0, "best_epoch": 0, "history": {}}
    crops = run_dir / "face_crops"
    return Plan(config, run_dir, resume, state,
                prepare_examples(config.train, crops, config.crop_margin, config.exclusions),
                prepare_examples(config.val, crops, config.crop_margin, config.exclusions))
