"""``python -m model_training <command>``: stats, train, evaluate, export, convert, bench, audit,
geometry.

A thin CLI: each command parses its flags and calls one library function. Any bad input ends in one
line ``error: ...`` on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .labels import DataError

SOURCE_HELP = "dataset folder, optionally DIR:WEIGHT (loss weight) and :crop (whole photos: detect faces)"


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other bad input
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> Parser:
    from .config import ARCHS, BALANCE, COLORS, TrainConfig
    from .export import QUANTS

    d = TrainConfig()
    fmt = argparse.ArgumentDefaultsHelpFormatter
    parser = Parser(prog="python -m model_training", description="Train, evaluate and export the expression classifier (AffectNet classes).", formatter_class=fmt)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("stats", help="class counts and unreadable files of datasets", formatter_class=fmt)
    p.add_argument("data", nargs="+", metavar="DATA", help=SOURCE_HELP)
    p.add_argument("--decode", action="store_true", help="decode every image (slow) instead of the header check")
    p.add_argument("--no-exclusions", action="store_true", help="count the images listed in exclusions.txt too")

    p = sub.add_parser("train", help="train a classifier into a run directory", formatter_class=fmt)
    p.add_argument("--train", action="append", default=[], metavar="DATA", help=f"training {SOURCE_HELP}; repeatable")
    p.add_argument("--val", action="append", default=[], metavar="DATA", help="validation dataset; repeatable")
    p.add_argument("--captured", action="append", default=[], metavar="DIR",
                   help="a dataset captured with the app, added to --train with --captured-weight")
    p.add_argument("--captured-weight", type=float, default=2.0, help="loss weight of --captured samples")
    p.add_argument("--out", required=True, type=Path, metavar="RUN_DIR", help="run directory")
    p.add_argument("--arch", choices=ARCHS, default=d.arch, help="architecture")
    p.add_argument("--input-size", type=int, default=d.input_size, help="input side in pixels (0: the arch's default)")
    p.add_argument("--color", choices=COLORS, default=None, help="input colour (default: the arch's)")
    p.add_argument("--balance", choices=BALANCE, default=d.balance, help="class imbalance handling")
    p.add_argument("--weights", default=d.weights, help="'none' or a local Keras weights file for the backbone")
    p.add_argument("--epochs", type=int, default=None, help=f"total epochs (default {d.epochs}; with --resume: "
                   "the stored value)")
    p.add_argument("--batch-size", type=int, default=d.batch_size, help="global batch size")
    p.add_argument("--learning-rate", type=float, default=d.learning_rate, help="Adam learning rate")
    p.add_argument("--no-augment", action="store_true", help="switch training augmentation off")
    p.add_argument("--mixed-precision", action="store_true", help="mixed float16 (GPU)")
    p.add_argument("--seed", type=int, default=d.seed, help="random seed")
    p.add_argument("--no-exclusions", action="store_true", help="train on the images listed in exclusions.txt too")
    p.add_argument("--resume", action="store_true",
                   help="continue RUN_DIR from its last checkpoint with its stored config (only --epochs applies)")

    p = sub.add_parser("evaluate", help="metrics of a run or a .tflite on a dataset", formatter_class=fmt)
    p.add_argument("model", type=Path, metavar="MODEL", help="run directory or .tflite (with its .json)")
    p.add_argument("--data", action="append", required=True, metavar="DATA", help="labelled dataset; repeatable")
    p.add_argument("--out", type=Path, default=None, help="report folder (default RUN_DIR/eval or M.eval/)")

    p = sub.add_parser("export", help="a run's best model → .tflite + spec JSON", formatter_class=fmt)
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="training run directory (uses its best.keras)")
    p.add_argument("--quant", choices=QUANTS, default="float32", help="weights/activations precision")
    p.add_argument("--out", type=Path, default=None, help="output .tflite (default RUN_DIR/<run>_<quant>.tflite)")

    p = sub.add_parser("convert", help="an existing Keras file → .tflite + spec JSON", formatter_class=fmt)
    p.add_argument("keras_file", type=Path, metavar="KERAS_FILE", help=".keras or .h5 model ending in a softmax")
    p.add_argument("--out", type=Path, required=True, help="output .tflite")
    p.add_argument("--quant", choices=QUANTS, default="float32", help="weights/activations precision")
    p.add_argument("--spec-from", type=Path, default=None, help="copy labels/input/normalisation from this spec JSON")
    p.add_argument("--labels", default=None, help="comma-separated labels in output order (instead of --spec-from)")
    p.add_argument("--color", choices=("gray", "rgb", "bgr"), default=None, help="with --labels (default from channels)")
    p.add_argument("--mean", type=float, default=127.5, help="with --labels: normalisation mean")
    p.add_argument("--std", type=float, default=127.5, help="with --labels: normalisation std")
    p.add_argument("--data", action="append", default=[], metavar="DATA",
                   help="images for int8 calibration and the parity check; repeatable")

    p = sub.add_parser("bench", help="input pipeline throughput and LiteRT latency per arch/quant",
                       formatter_class=fmt)
    p.add_argument("--data", default=None, metavar="DATA", help="dataset for the pipeline (default: synthetic)")
    p.add_argument("--archs", default="mini_xception,mobilenet_v3_small,efficientnet_b0", help="comma-separated")
    p.add_argument("--quants", default="float32,float16,int8", help="comma-separated")
    p.add_argument("--batches", type=int, default=20, help="pipeline batches to time")

    p = sub.add_parser("audit", help="rank images by how suspect their labels are", formatter_class=fmt)
    p.add_argument("data", nargs="+", metavar="DATA", help="labelled dataset folder (AffectNet, captured or plain)")
    p.add_argument("--model", type=Path, default=None, help="run directory or .tflite (default: the bundled model)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="report folder (suspects.csv, suspects.png)")
    p.add_argument("--top", type=int, default=48, help="suspects on the contact sheet")
    p.add_argument("--no-geometry", action="store_true", help="skip the landmark model (faster, no geometry evidence)")

    p = sub.add_parser("geometry", help="a geometry-only classifier (MLP on landmark features) beside the CNN",
                       formatter_class=fmt)
    p.add_argument("--train", action="append", required=True, metavar="DATA", help="training dataset; repeatable")
    p.add_argument("--val", action="append", required=True, metavar="DATA", help="validation dataset; repeatable")
    p.add_argument("--model", type=Path, default=None, help="the CNN to compare with (default: the bundled model)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="folder for geometry_model.json and the report")
    return parser


def run(args: argparse.Namespace) -> None:
    if args.command == "stats":
        from .datasets import Source, class_table, list_examples, scan_unreadable

        listing = list_examples([Source.parse(s) for s in args.data], exclusions=not args.no_exclusions)
        print(class_table(listing.counts()))
        for reason, n in sorted(listing.skipped.items()):
            print(f"skipped {n}: {reason}")
        bad = scan_unreadable(listing.examples, decode=args.decode)
        print(f"unreadable files: {len(bad)}")
        for path in bad[:20]:
            print(f"  {path}")
        return
    if args.command == "train":
        from .config import TrainConfig
        from .run_plan import plan_training

        train_specs = list(args.train) + [f"{c}:{args.captured_weight}" for c in args.captured]
        config = TrainConfig(
            train=train_specs, val=list(args.val), arch=args.arch, input_size=args.input_size,
            color=args.color or "", balance=args.balance, weights=args.weights,
            epochs=args.epochs or (0 if args.resume else TrainConfig.epochs), batch_size=args.batch_size,
            learning_rate=args.learning_rate, augment=not args.no_augment,
            mixed_precision=args.mixed_precision, seed=args.seed, exclusions=not args.no_exclusions)
        plan = plan_training(config, args.out, resume=args.resume)  # all checks, before TensorFlow loads
        from .training import train

        train(plan)
        return
    if args.command == "evaluate":
        from .evaluation import evaluate, format_report

        print(format_report(evaluate(args.model, args.data, args.out)))
        return
    if args.command == "export":
        from .export import export_run

        print(export_run(args.run_dir, args.quant, args.out).format())
        return
    if args.command == "convert":
        from .export import convert_file

        labels = [x.strip() for x in args.labels.split(",")] if args.labels else None
        result = convert_file(args.keras_file, args.quant, args.out, spec_from=args.spec_from, labels=labels,
                              color=args.color, mean=args.mean, std=args.std, data=args.data or None)
        print(result.format())
        return
    if args.command == "bench":
        from .bench import bench

        bench(args.data, args.archs.split(","), args.quants.split(","), args.batches)
        return
    if args.command == "audit":
        from .audit import audit

        print(audit(args.data, args.out, args.model, top=args.top, geometry=not args.no_geometry).summary())
        return
    if args.command == "geometry":
        from .geometry_classifier import format_comparison, train_and_compare

        print(format_comparison(train_and_compare(args.train, args.val, args.out, args.model)))


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    from desktop_app.core.model_spec import ModelSpecError

    try:
        run(args)
    except (DataError, ModelSpecError, FileNotFoundError, NotADirectoryError, PermissionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
