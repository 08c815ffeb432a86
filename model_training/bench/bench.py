"""``bench``: input-pipeline throughput (images/s) and exported-model LiteRT latency per arch/quant.

Models are untrained (weights=None) at each architecture's default input size: latency depends on the
graph, not on the weights. Without ``--data`` a synthetic AffectNet-layout dataset is written to a
temp folder.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from model_training.data.datasets import Source, list_examples
from model_training.data.labels import DataError
from model_training.data.synthetic import write_affectnet_like
from model_training.train.config import TrainConfig, check_archs

BENCH_BATCH = 64


def pipeline_throughput(examples, config: TrainConfig, batches: int) -> float:
    """Images/s of the training input (decode, augment, normalise) on its worker threads."""
    from model_training.data.input_pipeline import iter_batches, make_dataset

    ds = make_dataset(examples, config.input_size, config.color, config.mean, config.std, BENCH_BATCH,
                      training=True)
    next(iter_batches(ds, ahead=1))  # warm-up: first file reads
    start, n, done = time.perf_counter(), 0, 0
    while done < batches:
        for x, _, _ in iter_batches(ds):
            n, done = n + len(x), done + 1
            if done == batches:
                break
        ds.on_epoch_end()
    return n / (time.perf_counter() - start)


def bench(data: str | None, archs: list[str], quants: list[str], batches: int) -> list[dict]:
    import keras

    from model_training.export.export import QUANTS, mobile_tflite, write_and_check
    from model_training.train.models import build_model
    from model_training.train.spec_building import spec_from_config

    for q in quants:
        if q not in QUANTS:
            raise DataError(f"unknown quant {q!r}: choose from {', '.join(QUANTS)}")
    check_archs(archs)  # all of them before the first is measured
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(data) if data else write_affectnet_like(Path(tmp) / "synthetic", per_class=64, size=96)
        examples = list_examples([Source.parse(str(root))]).examples
        for arch in archs:
            config = TrainConfig(train=[str(root)], val=[str(root)], arch=arch).resolved()
            rate = pipeline_throughput(examples, config, batches)
            print(f"{arch}: input pipeline {config.input_size}px {config.color} with augmentation: "
                  f"{rate:.0f} images/s", flush=True)
            model = build_model(config)
            spec = spec_from_config(config, arch)
            for quant in quants:
                out = Path(tmp) / f"{arch}_{quant}.tflite"
                exported, out_spec, tflite = mobile_tflite(model, spec, quant, examples)  # what export ships
                result = write_and_check(exported, tflite, out_spec, out, examples[:32])
                rows.append({"arch": arch, "quant": quant, "input": config.input_size,
                             "size_kib": result.size_bytes / 1024, "median_ms": result.latency_median_ms,
                             "p95_ms": result.latency_p95_ms, "pipeline_images_s": rate})
                print(f"  {quant:<8} {result.size_bytes / 1024:>8.0f} KiB  median {result.latency_median_ms:6.2f} ms"
                      f"  p95 {result.latency_p95_ms:6.2f} ms", flush=True)
            keras.backend.clear_session()
    print("\n| arch | input | quant | size KiB | median ms | p95 ms |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['arch']} | {r['input']} | {r['quant']} | {r['size_kib']:.0f} | {r['median_ms']:.2f} "
              f"| {r['p95_ms']:.2f} |")
    return rows
