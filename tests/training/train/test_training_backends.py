"""Training on every Keras backend, on two devices and in mixed precision, without a GPU.

The backend (and a split CPU) must be chosen before Keras is imported, so those runs are subprocesses:
JAX on a machine where TensorFlow cannot be imported at all, with the CPU split into two devices so
``DataParallel`` really shards over two; TensorFlow's ``MirroredStrategy`` over two logical CPUs; a
PyTorch smoke run in the PyTorch environment (support.torch_env). Export then runs here, with TensorFlow.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from model_training.__main__ import main
from support.repo import REPO as ROOT
from support.torch_env import torch_python

CHANCE = 0.25  # four classes
SMALL = ["--input-size", "32", "--batch-size", "16", "--seed", "1"]
# Runs model_training's CLI with TensorFlow and TensorBoard made unimportable, as on a JAX- or
# PyTorch-only machine, and fails if anything imported TensorFlow anyway.
WITHOUT_TENSORFLOW = """
import importlib.abc, sys
class NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "tensorboard"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NoTensorFlow())
from model_training.__main__ import main
code = main(sys.argv[1:])
assert "tensorflow" not in sys.modules
sys.exit(code)
"""


def run_cli(args: list[str], env: dict[str, str], code: str | None = None,
            python: str = sys.executable) -> subprocess.CompletedProcess:
    env = {**{k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}, "TF_CPP_MIN_LOG_LEVEL": "2",
           "TF_ENABLE_ONEDNN_OPTS": "0", **env}
    command = [python, "-c", code, *args] if code else [python, "-m", "model_training", *args]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def train_args(data: Path, out: Path, epochs: int) -> list[str]:
    return ["train", "--train", str(data / "train_set"), "--val", str(data / "val_set"), "--out", str(out),
            "--epochs", str(epochs), *SMALL]


@pytest.mark.slow
def test_jax_on_two_devices_without_tensorflow_then_export_with_it(data, capsys):
    out = data / "jax"
    # A batch of 15 does not split over two devices: every batch gets a padding row of weight 0.
    result = run_cli([*train_args(data, out, 6), "--backend", "jax", "--batch-size", "15"],
                     {"MODEL_TRAINING_CPU_DEVICES": "2"}, code=WITHOUT_TENSORFLOW)
    assert "backend jax: 2 replicas (cpu:0, cpu:1)" in result.stdout, result.stdout
    assert "TensorBoard logs off" in result.stdout
    state = json.loads((out / "state.json").read_text())
    assert state["epochs_done"] == 6 and state["best_balanced_accuracy"] > CHANCE + 0.4, state

    # The JAX-trained run exports here, with TensorFlow, and the .tflite agrees with Keras.
    assert main(["export", str(out), "--quant", "float32"]) == 0
    printed = capsys.readouterr().out
    assert "top-1 identical 100.0%" in printed, printed


@pytest.mark.slow
def test_tensorflow_mirrored_strategy_runs_two_replicas(data):
    out = data / "mirrored"
    result = run_cli([*train_args(data, out, 2), "--backend", "tensorflow"], {"MODEL_TRAINING_CPU_DEVICES": "2"})
    assert "backend tensorflow: 2 replicas" in result.stdout and "device:CPU:1" in result.stdout, result.stdout
    state = json.loads((out / "state.json").read_text())
    assert state["epochs_done"] == 2 and np.isfinite(state["history"]["loss"]).all()


@pytest.mark.slow
def test_torch_backend_trains(data):
    """With the valence/arousal head (the synthetic set has values): two outputs on PyTorch too."""
    out = data / "torch"
    result = run_cli([*train_args(data, out, 1), "--backend", "torch"], {}, python=torch_python())
    assert "backend torch: 1 device (cpu)" in result.stdout, result.stdout
    assert (out / "best.keras").is_file() and (out / "last.keras").is_file()


def test_mixed_precision_steps_keep_a_float32_output(data):
    import keras

    from model_training.data.datasets import Source, list_examples
    from model_training.data.input_pipeline import make_dataset
    from model_training.train.backend import setup_devices
    from model_training.train.config import TrainConfig
    from model_training.train.models import build_model
    from model_training.train.training import compile_model

    config = TrainConfig(train=[str(data)], val=[str(data)], input_size=32, mixed_precision=True).resolved()
    try:
        setup_devices(config.mixed_precision)
        model = build_model(config)
        compile_model(model, config)
        examples = list_examples([Source(data / "train_set")]).examples
        history = model.fit(make_dataset(examples, 32, "gray", 127.5, 127.5, 16, training=True,
                                         valence_arousal=True), epochs=1, verbose=0)  # both heads
        assert model.layers[1].compute_dtype == "float16" and model.layers[1].variable_dtype == "float32"
        assert [o.dtype for o in model.outputs] == ["float32", "float32"]
        x = make_dataset(examples[:4], 32, "gray", 127.5, 127.5, 4, training=False)[0][0]
        outputs = model(x, training=False)
        probs = keras.ops.convert_to_numpy(outputs["probabilities"])
        assert probs.dtype == np.float32 and np.allclose(probs.sum(1), 1.0, atol=1e-3)
        va = keras.ops.convert_to_numpy(outputs["valence_arousal"])
        assert va.dtype == np.float32 and va.shape == (4, 2) and (np.abs(va) <= 1).all()
        assert np.isfinite(history.history["loss"]).all()
        steps = -(-len(examples) // 16)  # one optimizer step per batch of 16
        # Dynamic loss scaling skips a step whose float16 gradients overflowed (and lowers the scale), so
        # a step or two may not be applied; most must be.
        assert steps >= 5 and steps - 2 <= int(keras.ops.convert_to_numpy(model.optimizer.iterations)) <= steps
    finally:
        keras.mixed_precision.set_global_policy("float32")


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_backend_flag_errors_are_one_line(data, tmp_path, capsys):
    args = train_args(data, tmp_path / "run", 1)
    assert main([*args, "--backend", "theano"]) == 2
    assert "backend must be one of tensorflow, jax, torch" in one_line_error(capsys)
    import keras  # this process already runs Keras on TensorFlow

    other = "jax" if keras.backend.backend() != "jax" else "tensorflow"
    assert main([*args, "--backend", other]) == 2
    assert "already loaded with the" in one_line_error(capsys)
    assert not (tmp_path / "run").exists()


def test_affectnet_shaped_set_and_its_jpegs_reach_the_model_as_the_app_sees_them(tmp_path):
    import cv2

    from desktop_app.core.expression.model_spec import ModelSpec
    from desktop_app.core.expression.preprocessing import prepare_batch
    from model_training.bench.bench_scale import write_affectnet_shaped
    from model_training.data.datasets import Source, list_examples
    from model_training.data.input_pipeline import make_dataset

    split = write_affectnet_shaped(tmp_path, 400)
    for suffix in ("exp", "aro", "val", "lnd"):
        assert len(list((split / "annotations").glob(f"*_{suffix}.npy"))) == 400
    examples = list_examples([Source(split)]).examples
    shares = np.bincount([e.label for e in examples], minlength=8) / 400
    assert abs(shares[1] - 0.467) < 0.06 and abs(shares[0] - 0.26) < 0.06 and shares.argmax() == 1
    assert cv2.imread(examples[0].path).shape == (224, 224, 3)

    spec = ModelSpec("m", ("a", "b"), 64, 64, "gray", mean=127.5, std=127.5)
    x = make_dataset(examples[:64], 64, "gray", 127.5, 127.5, batch_size=64, training=False)[0][0]
    expected = prepare_batch([cv2.imread(e.path) for e in examples[:64]], spec)
    levels = np.abs(x - expected) * 127.5  # luma-only decoding vs the app's BGR decode + cvtColor
    assert levels.mean() < 0.5 and levels.max() <= 6.01, (levels.mean(), levels.max())


def test_augmented_batches_depend_on_seed_epoch_and_index_only(data):
    from model_training.data.datasets import Source, list_examples
    from model_training.data.input_pipeline import iter_batches, make_dataset

    examples = list_examples([Source(data / "train_set")]).examples
    first = make_dataset(examples, 32, "gray", 127.5, 127.5, 16, training=True, seed=3, workers=2)
    again = make_dataset(examples, 32, "gray", 127.5, 127.5, 16, training=True, seed=3, workers=1)
    batches = list(iter_batches(first))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(batches, iter_batches(again)))
    assert sum(len(b[0]) for b in batches) == len(examples)
    first.on_epoch_end()
    assert not np.array_equal(first[0][0], batches[0][0])  # a new order and new augmentation
