"""The training kit's numbers and file names as its pages state them (docs/training.md, fine-tuning.md,
export-mobile.md, audit.md, datasets.md, model-spec.md), read from the sentences and compared with the
constants the kit uses: changing either without the other fails here, naming the sentence. Nothing is
trained (Keras loads for one constant); the behaviour behind each number is tested in tests/training/
(docs/testing.md maps them)."""
from __future__ import annotations

import re

from desktop_app.core.expression.model_spec import KEYS, SPEC_VERSION, load_spec
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_records import CROP_MARGIN
from model_training.audit.evaluation import MISTAKES
from model_training.cli.parser import build_parser
from model_training.data import input_pipeline, near_duplicates, synthetic
from model_training.data.exclusions import EXCLUSIONS_FILE
from model_training.data.labels import NUM_CLASSES
from model_training.export import export, tflite_metadata
from model_training.finetune import fine_tune, fine_tune_data, fine_tune_report, init_from
from model_training.train import config, metrics
from support.manual import promise


def _float(text: str) -> float:
    return float(text.replace("−", "-"))


def test_training_flag_bounds_and_architecture_defaults():
    size = promise(r"`--input-size` outside (\d+)–(\d+) \(0 means the architecture's default\)").groups()
    assert tuple(int(s) for s in size) == (config.MIN_INPUT_SIZE, config.MAX_INPUT_SIZE)
    assert promise(r"`--epochs` outside (\d+)–(\d+)").groups() == ("1", str(config.MAX_EPOCHS))
    assert promise(r"`--batch-size` outside (\d+)–(\d+)").groups() == ("1", str(config.MAX_BATCH_SIZE))
    assert _float(promise(r"`--learning-rate` not in \(0, (\d+)\]").group(1)) == config.MAX_LEARNING_RATE
    side, color, mean, std = promise(r"mini-Xception (\d+)×\d+ (gray), `\(x−([\d.]+)\)/([\d.]+)`").groups()
    assert config.ARCH_DEFAULTS["mini_xception"] == (int(side), color, float(mean), float(std))
    side, color = promise(r"MobileNetV3-Small and EfficientNet-B0 (\d+)×\d+ (RGB), raw 0–255").groups()
    for arch in ("mobilenet_v3_small", "efficientnet_b0"):
        assert config.ARCH_DEFAULTS[arch] == (int(side), color.lower(), 0.0, 1.0)  # raw pixels: x−0 / 1


def test_augmentation_evaluation_and_valence_arousal_numbers():
    rotation, scale, shift = promise(r"augments \(mirror, ±(\d+)° rotation, ±(\d+)% scale, ±(\d+)% shift").groups()
    assert (float(rotation), int(scale) / 100, int(shift) / 100) == (
        input_pipeline.MAX_ROTATION_DEG, input_pipeline.MAX_SCALE, input_pipeline.MAX_SHIFT)
    assert int(promise(r"with the (\d+) most confident mistakes by file").group(1)) == MISTAKES
    assert float(promise(r"circumplex plus noise \(σ ([\d.]+)\)").group(1)) == synthetic.VALENCE_AROUSAL_NOISE
    from model_training.train.training import VALENCE_AROUSAL_LOSS_WEIGHT  # imports Keras

    assert float(promise(r"mean squared error\*\*, weight (\d+) beside").group(1)) == VALENCE_AROUSAL_LOSS_WEIGHT


def test_fine_tune_defaults_head_and_framing():
    epochs, batch, small, under = promise(r"Defaults: (\d+) epochs, batch (\d+) \((\d+) under (\d+) training "
                                          r"crops\)").groups()
    assert (int(epochs), int(batch), int(small)) == (fine_tune.DEFAULT_EPOCHS, fine_tune.DEFAULT_BATCH,
                                                     fine_tune.SMALL_BATCH)
    assert int(under) == fine_tune.DEFAULT_BATCH * fine_tune.MIN_STEPS_PER_EPOCH
    head, factor, head_lr, lr = promise(r"`--head-epochs N` \(default (\d+)\) trains only that layer at (\d+)× "
                                        r"`--learning-rate` \(([\de.-]+)\), then all layers at `--learning-rate` "
                                        r"\(([\de.-]+)\)").groups()
    assert (int(head), float(factor)) == (fine_tune.DEFAULT_HEAD_EPOCHS, fine_tune.HEAD_LR_FACTOR)
    assert float(lr) == config.TrainConfig.learning_rate
    assert float(head_lr) == config.TrainConfig.learning_rate * fine_tune.HEAD_LR_FACTOR
    assert _float(promise(r"zero weights and a bias of (−\d+)").group(1)) == init_from.NEW_CLASS_BIAS
    stored, bundled, inner, outer = promise(r"captured crops are stored at margin ([\d.]+), the bundled model was "
                                            r"trained at ([\d.]+)\. The [\d.]+ crop is exactly the central "
                                            r"([\d.]+)/([\d.]+) of the stored one").groups()
    assert float(stored) == CROP_MARGIN and float(bundled) == load_spec(DEFAULT_MODEL).crop_margin
    assert (float(inner), float(outer)) == (1 + 2 * float(bundled), 1 + 2 * float(stored))
    assert promise(r"cached in `RUN_DIR/([a-z_]+)/`").group(1) == fine_tune_data.CACHE
    assert promise(r"recorded in `RUN_DIR/([a-z_.]+)`").group(1) == fine_tune.SPLIT
    assert promise(r"\*\*The report\*\* \(`RUN_DIR/([a-z_.]+)`").group(1) == fine_tune_report.REPORT
    assert int(promise(r"top-1 confidence in (\d+) bins").group(1)) == metrics.CALIBRATION_BINS
    assert int(promise(r"fewer than (\d+) labels of \d+ or more samples, or with any label").group(1)) == \
        fine_tune_data.MIN_CLASSES


def test_export_head_tolerances_and_metadata_names():
    f32, f16, int8 = promise(r"at most ([\de.-]+) for float32, ([\d.]+) for float16, ([\d.]+) for int8, "
                             r"`MAX_VA_DIFF`").groups()
    assert export.MAX_VA_DIFF == {"float32": float(f32), "float16": float(f16), "int8": float(int8)}
    assert promise(r"the labels as `([a-z.]+)` \(`TENSOR_AXIS_LABELS`").group(1) == tflite_metadata.LABELS_FILE
    assert float(promise(r"`m\.json` \(labels, input, normalisation, crop margin ([\d.]+)").group(1)) == \
        config.TrainConfig.crop_margin


def test_audit_defaults_hash_and_exclusions_file():
    stated = int(promise(r"\[--model runs/mx64\|m\.tflite\] \[--top (\d+)\]").group(1))
    assert build_parser().parse_args(["audit", "data", "--out", "out"]).top == stated
    assert int(promise(r"near-identical image \((\d+)-bit difference hash").group(1)) == 8 * near_duplicates.HASH_BYTES
    assert promise(r"by listing it in `([a-z.]+)` in the dataset's root folder").group(1) == EXCLUSIONS_FILE


def test_datasets_and_spec_keys():
    first, _ = promise(r"Classes (\d+)–(\d+) \(none, uncertain, no face\) are skipped").groups()
    assert int(first) == NUM_CLASSES  # the reader keeps 0 <= label < NUM_CLASSES, skips the rest
    assert int(promise(r'"spec_version": (\d+),').group(1)) == SPEC_VERSION
    rows = {"top level": "", "`input`": "input", "`normalization`": "normalization", "`crop`": "crop"}
    for row, key in rows.items():
        cell = promise(rf"\| {re.escape(row)} \| ([^|]+) \|").group(1)
        names = re.findall(r"`([a-z_0-9]+)`", re.sub(r"\([^)]*\)", "", cell))  # the values in () are not keys
        assert tuple(names) == KEYS[key], (row, names)
