"""The training configuration: one typed dataclass, saved resolved as ``RUN_DIR/config.json``."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from desktop_app.core.samples.sample_records import CROP_MARGIN
from desktop_app.core.unknown_keys import refuse_unknown_keys
from model_training.data.labels import DataError
from model_training.data.run_files import read_json, write_json

ARCHS = ("mini_xception", "mobilenet_v3_small", "efficientnet_b0")
BALANCE = ("none", "class_weight", "oversample", "focal")
COLORS = ("gray", "rgb")
# Per architecture: default input side, colour, and the (mean, std) the model expects. The ImageNet
# backbones rescale inside the model (include_preprocessing), so they take raw 0-255 pixels.
ARCH_DEFAULTS = {
    "mini_xception": (64, "gray", 127.5, 127.5),
    "mobilenet_v3_small": (224, "rgb", 0.0, 1.0),
    "efficientnet_b0": (224, "rgb", 0.0, 1.0),
}
CONFIG_FILE = "config.json"
# Bounds checked before any data is read (docs/training.md, "Bad input"). 512 px is twice the largest default
# input; a larger side costs minutes per step on a CPU and more GPU memory than a batch of 64 allows.
MIN_INPUT_SIZE, MAX_INPUT_SIZE = 32, 512
MAX_EPOCHS = 10_000
MAX_BATCH_SIZE = 4096
MAX_LEARNING_RATE = 1.0
# How "not chosen" was written before it was None; from_dict reads these back as None. Runs are resolved
# before config.json is saved, so only a hand-written or hand-edited config holds them.
LEGACY_NOT_CHOSEN: dict[str, Any] = {"input_size": 0, "color": "", "mean": -1.0, "std": -1.0, "epochs": 0,
                                     "batch_size": 0}


@dataclass
class TrainConfig:
    train: list[str] = field(default_factory=list)
    val: list[str] = field(default_factory=list)
    arch: str = "mini_xception"
    input_size: int | None = None  # None: the architecture's default
    color: str | None = None
    mean: float | None = None
    std: float | None = None
    crop_margin: float = CROP_MARGIN  # the framing of AffectNet and of captured samples
    balance: str = "class_weight"
    weights: str = "none"
    # None: chosen from the training set's size by run_plan.auto_schedule (what the CLI passes unless the
    # flag is given); library callers that build a TrainConfig keep these fixed values.
    epochs: int | None = 30
    batch_size: int | None = 64
    learning_rate: float = 1e-3
    augment: bool = True
    mixed_precision: bool = False
    seed: int = 0
    exclusions: bool = True  # leave out the images listed in each dataset's exclusions.txt
    # A second head for valence/arousal when the training data has them (run_plan turns it off when it
    # has none; a config.json written before this key existed means a run without it).
    valence_arousal: bool = True
    # Fine-tuning (model_training/finetune/init_from.py): the base MODEL as given; None for a run from scratch,
    # whose architecture is ``arch``. With it, input size, colour, normalisation and margin are the base's.
    init_from: str | None = None
    head_epochs: int | None = None  # epochs training only the new head, before all layers
    val_split: float | None = None  # hold out this stratified fraction of --train when no --val is given
    # The output labels, in order, when not all of AffectNet's: a fine-tune keeps only the labels its base
    # or its data has (finetune.init_from.keep_outputs). None: all eight.
    labels: list[str] | None = None

    def resolved(self) -> TrainConfig:
        """A copy with the architecture's defaults filled in, every value checked; DataError names the
        bad one. ``self`` is left as it was."""
        check_archs([self.arch])
        if self.balance not in BALANCE:
            raise DataError(f"balance must be one of {', '.join(BALANCE)}, not {self.balance!r}")
        size, color, mean, std = ARCH_DEFAULTS[self.arch]
        config = replace(self, input_size=_chosen(self.input_size, size), color=_chosen(self.color, color),
                         mean=_chosen(self.mean, mean), std=_chosen(self.std, std))
        if config.color not in COLORS:
            raise DataError(f"color must be one of {', '.join(COLORS)}, not {config.color!r}")
        config.check_numbers()
        if config.arch != "mini_xception" and config.color != "rgb":
            raise DataError(f"{config.arch} takes rgb input (use --color rgb or mini_xception)")
        if config.weights != "none" and not Path(config.weights).is_file():
            raise DataError(f"weights file not found: {config.weights}")
        if config.weights != "none" and config.arch == "mini_xception":
            raise DataError("--weights applies to the ImageNet backbones, not mini_xception")
        if not config.train or not (config.val or config.val_split):
            raise DataError("give at least one --train and one --val dataset (or --val-split)")
        return config

    def check_numbers(self) -> None:
        """Every numeric field finite and in range (None epochs / batch size: not chosen yet)."""
        _in_range("input size", self.input_size, MIN_INPUT_SIZE, MAX_INPUT_SIZE)
        if self.epochs is not None:
            _in_range("epochs", self.epochs, 0, MAX_EPOCHS)
        if self.batch_size is not None:
            _in_range("batch size", self.batch_size, 0, MAX_BATCH_SIZE)
        _in_range("seed", self.seed, 0, 2**32 - 1)
        _positive("learning rate", self.learning_rate, MAX_LEARNING_RATE)
        _positive("std", self.std)
        _in_range("mean", self.mean, 0.0, 255.0)
        _in_range("crop margin", self.crop_margin, 0.0, 2.0)
        if self.head_epochs is not None:
            _in_range("head epochs", self.head_epochs, 0, MAX_EPOCHS)
        if self.val_split is not None:
            _in_range("val split", self.val_split, 0.01, 0.9)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "config") -> TrainConfig:
        refuse_unknown_keys(data, [f.name for f in fields(cls)], where, DataError)
        data = {"valence_arousal": False, **data}  # runs saved before the second head had none
        return cls(**{key: None if LEGACY_NOT_CHOSEN.get(key, ()) == value else value
                      for key, value in data.items()})


def check_archs(archs: list[str]) -> None:
    """DataError naming the first of ``archs`` that is not an architecture the kit builds."""
    for arch in archs:
        if arch not in ARCHS:
            raise DataError(f"arch must be one of {', '.join(ARCHS)}, not {arch!r}")


def _chosen(value: Any, default: Any) -> Any:
    return default if value is None else value


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and low <= value <= high):
        raise DataError(f"{name} must be between {low} and {high}, not {value}")


def _positive(name: str, value: float, high: float = math.inf) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and 0 < value <= high):
        limit = f" and at most {high}" if math.isfinite(high) else ""
        raise DataError(f"{name} must be a finite number above 0{limit}, not {value}")


def save_config(config: TrainConfig, run_dir: Path) -> Path:
    path = run_dir / CONFIG_FILE
    write_json(path, config.to_dict())
    return path


def load_config(run_dir: Path) -> TrainConfig:
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        raise DataError(f"{run_dir} is not a training run (no {CONFIG_FILE})")
    data = read_json(path)
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object")
    return TrainConfig.from_dict(data, where=str(path))
