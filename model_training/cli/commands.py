"""One runner a command of the training kit (``COMMANDS``): each turns the parsed flags into one call of
the library function that does the work, after that library's own checks; TensorFlow is imported by those
functions, never here.
"""
from __future__ import annotations

import argparse

from model_training.data.labels import DataError


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


def fine_tune_command(args: argparse.Namespace, config) -> None:
    """``train --init-from``: the flags a fine-tune refuses, then its plan (every check) before TensorFlow loads."""
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


COMMANDS = {  # command → the function that runs it (its flags: parser.FLAGS)
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
