"""``export`` / ``convert``: Keras → ``.tflite`` (float32, float16 or full int8) + spec JSON, checked.

Every export reloads the file in the app's own ``ExpressionClassifier``, compares it with Keras on
real images (max probability difference, share of identical top-1), and times it with LiteRT. Breaking
parity (NaN, a difference above ``MAX_PROB_DIFF``, int8 top-1 below ``MIN_INT8_TOP1_AGREEMENT``) fails
the export, and nothing reaches ``--out``: files are checked in a temporary folder and moved after.

Every export is mobile-ready: RGB input (``mobile_input``) and standard TFLite metadata with the labels
packed in (``tflite_metadata``), so MediaPipe Tasks' ImageClassifier loads it unchanged.
"""
from __future__ import annotations

import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from desktop_app.core.expression.model_spec import VALENCE_AROUSAL, ModelSpec, ModelSpecError, load_spec, save_spec
from desktop_app.core.output_files import commit, temporary_name
from desktop_app.core.samples.durable_files import fsync_dir, sweep_partials
from desktop_app.core.samples.sample_records import CROP_MARGIN
from model_training.data.datasets import Example, Source, list_examples
from model_training.data.image_batches import image_batches
from model_training.data.labels import DataError
from model_training.data.output_places import check_not_in_dataset, check_not_run_file, real_path
from model_training.export.mobile_input import check_uint8_input, mobile_spec, pinned_representative, rgb_input_model
from model_training.export.tflite_metadata import add_metadata, metadata_for
from model_training.train.config import load_config
from model_training.train.keras_files import load_keras
from model_training.train.run_plan import BEST
from model_training.train.spec_building import metrics_from, provenance_for, spec_from_config, trained_spec

QUANTS = ("float32", "float16", "int8")
REPRESENTATIVE_IMAGES = 200
PARITY_IMAGES = 256
LATENCY_RUNS = 100
# Parity with Keras that an export must reach, or it fails and writes nothing (docs/export-mobile.md, "export").
# Differences are in output probability (0-1). Measured on a mini-Xception trained on 300 real face crops:
# float32 1.8e-7, float16 6.2e-4, int8 top-1 100% on 80 held-out crops (docs/export-mobile.md, "export").
MAX_PROB_DIFF = {"float32": 1e-4, "float16": 0.05}
MIN_INT8_TOP1_AGREEMENT = 0.90  # share of parity images whose int8 top-1 class equals Keras' top-1
# The valence/arousal head's largest difference from Keras (values in [-1, 1]): int8 rounds its features
# to 256 levels, so it gets a tolerance of its own (docs/export-mobile.md).
MAX_VA_DIFF = {"float32": 1e-4, "float16": 0.05, "int8": 0.25}
RANDOM_PARITY_INPUTS = 16  # convert without --data: NaN and difference checked on random inputs only
METADATA_AUTHOR = "model_training (tflite-facial-expression)"
UNSTATED_LICENSE = "not stated: the terms of the training data apply"


@dataclass
class ExportResult:
    path: Path
    spec_path: Path
    size_bytes: int
    max_diff: float
    top1_agreement: float
    parity_images: int
    latency_median_ms: float
    latency_p95_ms: float
    finite: bool = True  # no NaN or infinity in either model's outputs
    va_max_diff: float | None = None  # the valence/arousal head's largest difference (None: no such head)
    without_images: str = "give --data"  # what the user can do when no parity image was read

    def format(self) -> str:
        if self.parity_images:
            parity = (f"parity vs Keras on {self.parity_images} images: max diff {self.max_diff:.2g}, "
                      f"top-1 identical {self.top1_agreement:.1%}")
        else:
            parity = (f"no parity check on images ran ({self.without_images}): {RANDOM_PARITY_INPUTS} random "
                      f"inputs gave finite outputs, max diff vs Keras {self.max_diff:.2g}")
        if self.va_max_diff is not None:
            parity += f"; valence/arousal max diff {self.va_max_diff:.2g}"
        return (f"wrote {self.path} ({self.size_bytes / 1024:.1f} KiB) and {self.spec_path.name}\n{parity}\n"
                f"LiteRT latency (1 image, 2 threads): median {self.latency_median_ms:.2f} ms, "
                f"p95 {self.latency_p95_ms:.2f} ms")


def to_tflite(model, quant: str, representative: Callable[[], Iterator[list[np.ndarray]]] | None) -> bytes:
    """Keras → SavedModel (dynamic batch: the app resizes it) → TFLite."""
    import tensorflow as tf

    if quant not in QUANTS:
        raise DataError(f"quant must be one of {', '.join(QUANTS)}, not {quant!r}")
    with tempfile.TemporaryDirectory() as tmp:  # a SavedModel freezes the variables into constants
        model.export(tmp, format="tf_saved_model", verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp)
        return _convert(converter, quant, representative)


def mobile_tflite(model, trained: ModelSpec, quant: str, examples: list[Example]):
    """Keras model + the spec it was trained with → (the model behind an RGB input, its spec, the .tflite
    with metadata). int8 calibrates on ``examples`` as raw RGB pixels."""
    spec = mobile_spec(trained, quant)
    mobile = rgb_input_model(model, trained, quant)
    rep = pinned_representative(representative_from(examples, spec)) if quant == "int8" and examples else None
    tflite = to_tflite(mobile, quant, rep)
    if quant == "int8":
        check_uint8_input(tflite)
    version = str(spec.provenance.get("date", ""))[:10] or "1"
    license = str(spec.provenance.get("license", "")) or UNSTATED_LICENSE
    return mobile, spec, add_metadata(tflite, metadata_for(spec, version, METADATA_AUTHOR, license))


def _convert(converter, quant: str, representative) -> bytes:
    import tensorflow as tf

    if quant == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quant == "int8":
        if representative is None:
            raise DataError("int8 needs representative images (the run's training data or --data)")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8  # MediaPipe takes uint8 or float32 image tensors
        converter.inference_output_type = tf.float32
    return converter.convert()


def sample_examples(examples: list[Example], n: int, seed: int = 0) -> list[Example]:
    rng = random.Random(seed)
    return rng.sample(examples, min(n, len(examples)))


def representative_from(examples: list[Example], spec: ModelSpec) -> Callable[[], Iterator[list[np.ndarray]]]:
    chosen = sample_examples(examples, REPRESENTATIVE_IMAGES)

    def gen():
        for batch, _ in image_batches(chosen, spec, Counter(), batch=16):
            for image in batch:
                yield [image[None]]
    return gen


def measure_latency(classifier, runs: int = LATENCY_RUNS) -> tuple[float, float]:
    spec = classifier.spec
    x = np.random.default_rng(0).normal(size=(1, spec.input_height, spec.input_width, spec.channels))
    x = x.astype(np.float32)
    for _ in range(5):
        classifier.classify_batch(x)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        classifier.classify_batch(x)
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times)), float(np.percentile(times, 95))


def _random_batch(spec: ModelSpec, n: int) -> np.ndarray:
    """Uniform 0-255 pixels, normalised as the spec says: for a NaN check without images."""
    pixels = np.random.default_rng(0).uniform(0, 255, (n, spec.input_height, spec.input_width, spec.channels))
    return ((pixels - spec.mean) / spec.std).astype(np.float32)


def write_and_check(model, tflite: bytes, spec: ModelSpec, out: Path,
                    parity_examples: list[Example]) -> ExportResult:
    """Write model + spec, reload in the app's classifier, compare with Keras, time it. Measures only:
    ``export_checked`` is what fails an export. With no examples, RANDOM_PARITY_INPUTS random inputs
    are compared instead (``parity_images`` stays 0: top-1 on noise means nothing)."""
    from desktop_app.core.expression.classifier import ExpressionClassifier

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(tflite)
    spec_path = save_spec(spec, out)
    try:
        classifier = ExpressionClassifier(out)
    except ModelSpecError as exc:
        raise DataError(f"the export does not load in the app: {exc}") from None
    batches = (batch for batch, _ in image_batches(parity_examples, spec, Counter()))
    if not parity_examples:
        batches = iter([_random_batch(spec, RANDOM_PARITY_INPUTS)])
    diffs, va_diffs, agree, n, finite = [0.0], [0.0], 0, 0, True
    for batch in batches:
        lite, lite_extras = classifier.classify_batch_all(batch)
        ref, ref_va = keras_outputs(model, batch)
        if ref_va is not None and spec.has_valence_arousal:
            lite_va = lite_extras.get(VALENCE_AROUSAL, np.full_like(ref_va, np.nan))
            finite = finite and bool(np.isfinite(lite_va).all() and np.isfinite(ref_va).all())
            va_diffs.append(_max_diff(lite_va, ref_va))
        finite = finite and bool(np.isfinite(lite).all() and np.isfinite(ref).all())
        diffs.append(_max_diff(lite, ref))
        agree += int((lite.argmax(1) == ref.argmax(1)).sum())
        n += len(batch)
    median, p95 = measure_latency(classifier)
    classifier.close()
    images = n if parity_examples else 0
    return ExportResult(out, spec_path, out.stat().st_size, max(diffs), agree / max(n, 1), images, median, p95,
                        finite, max(va_diffs) if spec.has_valence_arousal else None)


def keras_outputs(model, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(probabilities, valence/arousal or None) of a Keras model with one output or the two of
    ``train.models``."""
    outputs = model(batch, training=False)
    if isinstance(outputs, dict):
        return np.asarray(outputs["probabilities"], np.float32), np.asarray(outputs[VALENCE_AROUSAL], np.float32)
    return np.asarray(outputs, np.float32), None


def _max_diff(a: np.ndarray, b: np.ndarray) -> float:
    diff = np.abs(a - b)
    if not diff.size:
        return 0.0
    return float(diff.max()) if np.isfinite(diff).all() else float("inf")


def parity_failure(quant: str, result: ExportResult) -> str:
    """Why ``result`` breaks parity with Keras ("" when it does not)."""
    if not result.finite:
        return "the model outputs NaN or infinity (Keras or TFLite)"
    limit = MAX_PROB_DIFF.get(quant)
    if limit is not None and not result.max_diff <= limit:
        return f"{quant} differs from Keras by up to {result.max_diff:.3g} in probability (tolerance {limit:g})"
    if result.va_max_diff is not None and not result.va_max_diff <= MAX_VA_DIFF[quant]:
        return (f"{quant} valence/arousal differs from Keras by up to {result.va_max_diff:.3g} "
                f"(tolerance {MAX_VA_DIFF[quant]:g})")
    if quant == "int8" and result.parity_images and result.top1_agreement < MIN_INT8_TOP1_AGREEMENT:
        return (f"int8 top-1 agrees with Keras on {result.top1_agreement:.1%} of {result.parity_images} images "
                f"(at least {MIN_INT8_TOP1_AGREEMENT:.0%} needed)")
    return ""


def check_export_out(out: Path) -> Path:
    """Up front, before any conversion: a file name the app can find (M.tflite beside M.json)."""
    out = Path(out)
    if out.suffix != ".tflite":
        raise DataError(f"--out must end in .tflite (the app looks for M.tflite + M.json): {out}")
    if out.is_dir():
        raise DataError(f"--out {out} is a folder: give a file name ending in .tflite")
    if out.parent.exists() and not out.parent.is_dir():
        raise DataError(f"--out {out}: {out.parent} is a file, not a folder")
    return out


def export_checked(model, tflite: bytes, spec: ModelSpec, out: Path, quant: str,
                   parity_examples: list[Example]) -> ExportResult:
    """``write_and_check`` into a temporary folder beside ``out``; the .tflite and its .json are moved
    to ``out`` only when parity holds, so the app never finds a broken export. DataError otherwise."""
    out = check_export_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep_partials(out.parent)  # staging folders of exports that were killed
    staging = temporary_name(out.with_suffix(""))  # .<stem>.partial-<pid>: hidden, swept if this one is killed
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
    except OSError as exc:  # a read-only or full disk: name the file the user asked for
        raise type(exc)(exc.errno, exc.strerror, str(out)) from None
    try:
        result = write_and_check(model, tflite, spec, staging / out.name, parity_examples)
        failure = parity_failure(quant, result)
        if failure:
            raise DataError(f"export failed its parity check: {failure}; nothing written to {out}")
        spec_path = out.with_suffix(".json")
        commit(result.spec_path, spec_path)  # flushed, then renamed
        commit(result.path, out)  # the model last: the app opens M.tflite, then reads M.json
        fsync_dir(out.parent)
    except OSError as exc:  # a full disk in the staging folder (a write names no file): name the user's
        if exc.errno is None or (exc.filename and not str(exc.filename).startswith(str(staging))):
            raise
        named = out.with_suffix(".json") if str(exc.filename or "").endswith(".json") else out
        raise type(exc)(exc.errno, exc.strerror, str(named)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return replace(result, path=out, spec_path=spec_path)


def export_run(run_dir: Path, quant: str, out: Path | None = None) -> ExportResult:
    from model_training.train.models import build_model
    from model_training.train.run_plan import prepare_examples

    run_dir = Path(run_dir)
    config = load_config(run_dir)
    if not (run_dir / BEST).is_file():
        raise DataError(f"{run_dir}: no {BEST} (has training finished an epoch?)")
    if quant not in QUANTS:
        raise DataError(f"quant must be one of {', '.join(QUANTS)}, not {quant!r}")
    out = check_export_out(Path(out) if out else run_dir / f"{run_dir.name}_{quant}.tflite")
    check_not_run_file(out, "--out")
    check_not_in_dataset(out, "--out", config.train + config.val)
    crops = run_dir / "face_crops"
    if config.init_from:  # a fine-tune: its held-out crops are a split of --train, framed for the base
        from model_training.finetune.fine_tune import run_examples

        train_data, val_data = run_examples(config, run_dir)
        train, val = (train_data.examples if quant == "int8" else []), val_data.examples
    else:
        train = prepare_examples(config.train, crops, config.crop_margin).examples if quant == "int8" else []
        val = prepare_examples(config.val, crops, config.crop_margin).examples
    import keras

    keras.mixed_precision.set_global_policy("float32")  # rebuild in float32 whatever training used
    best = load_keras(run_dir / BEST)
    if config.init_from:  # the base's architecture, not one of models.py's: best.keras holds it whole
        model = best
    else:
        model = build_model(config)
        model.set_weights(best.get_weights())
    trained = spec_from_config(config, out.stem, metrics=metrics_from(run_dir),
                               provenance=provenance_for(config, {"run_dir": str(run_dir.resolve()),
                                                                  "quantization": quant}))
    model, spec, tflite = mobile_tflite(model, trained, quant, train)
    result = export_checked(model, tflite, spec, out, quant, sample_examples(val, PARITY_IMAGES))
    return replace(result, without_images=f"none of the run's {len(val)} validation images could be read")


def convert_file(keras_file: Path, quant: str, out: Path, spec_from: Path | None = None,
                 labels: list[str] | None = None, color: str | None = None, mean: float = 127.5,
                 std: float = 127.5, crop_margin: float = CROP_MARGIN, data: list[str] | None = None) -> ExportResult:
    """An existing Keras file: the spec comes from ``spec_from`` (a spec JSON, or the .tflite it sits
    beside) or from ``labels`` + colour/mean/std; ``data`` gives the int8 and parity images."""
    keras_file = Path(keras_file)
    if not keras_file.is_file():
        raise DataError(f"Keras model not found: {keras_file}")
    if spec_from is None and not labels:
        raise DataError("give --spec-from JSON or --labels")
    out = check_export_out(out)
    check_not_run_file(out, "--out")
    check_not_in_dataset(out, "--out", data or [])
    if spec_from is not None and real_path(Path(spec_from).with_suffix(".json")) == real_path(out.with_suffix(".json")):
        raise DataError(f"--out {out} would replace its own --spec-from {spec_from}: choose another --out")
    examples = list_examples([Source.parse(s) for s in data]).examples if data else []
    if quant == "int8" and not examples:
        raise DataError("int8 needs representative images: give --data")
    import tensorflow as tf

    model = load_keras(keras_file)
    _, height, width, channels = model.inputs[0].shape
    if spec_from is not None:
        try:  # an export's spec describes its RGB input: the Keras model takes what it was trained on
            spec = trained_spec(load_spec(Path(spec_from).with_suffix(".tflite")))
        except ModelSpecError as exc:
            raise DataError(str(exc)) from None
    elif labels:
        color = color or ("gray" if channels == 1 else "rgb")
        spec = ModelSpec(name=out.stem, labels=tuple(labels), input_width=int(width), input_height=int(height),
                         color=color, mean=mean, std=std, crop_margin=crop_margin)
    else:
        raise DataError("give --spec-from JSON or --labels")
    if (spec.input_height, spec.input_width, spec.channels) != (height, width, channels):
        raise DataError(f"the spec's input {(spec.input_height, spec.input_width, spec.channels)} disagrees "
                        f"with the model's {(height, width, channels)}")
    names = list(getattr(model, "output_names", None) or [])
    probabilities = model.outputs[names.index("probabilities")] if "probabilities" in names else model.outputs[0]
    if int(probabilities.shape[-1]) != len(spec.labels):
        raise DataError(f"the model has {probabilities.shape[-1]} outputs but {len(spec.labels)} labels")
    extras = (VALENCE_AROUSAL,) if VALENCE_AROUSAL in names else ()  # train.models' second head
    spec = replace(spec, name=out.stem, input_dtype="float32", extra_outputs=extras,
                   provenance={**spec.provenance, "converted_from": str(keras_file), "tensorflow": tf.__version__,
                               "quantization": quant, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    model, spec, tflite = mobile_tflite(model, spec, quant, examples)
    return export_checked(model, tflite, spec, out, quant, sample_examples(examples, PARITY_IMAGES))
