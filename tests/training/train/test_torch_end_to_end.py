"""The Windows GPU path (``--backend torch``) end to end, as on JAX: train at the defaults a user runs on
real face crops with PyTorch, export with TensorFlow, load the export in the app. CI builds the PyTorch
environment once (``.ci/torch-env``) and requires this test to run there; elsewhere it skips without one.

Real parts: re-photographed real faces cut by the app's detector (support.real_face_crops), the training
CLI in a PyTorch process that cannot import TensorFlow, the export CLI, LiteRT in the app's pipeline.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.pipeline import ExpressionPipeline
from model_training.__main__ import main
from support.real_face_crops import write_crops
from support.repo import REPO
from support.torch_env import torch_python

# A PyTorch-only machine has no TensorFlow. A None in sys.modules makes ``import tensorflow`` fail and
# ``importlib.util.find_spec`` answer None (torch._dynamo probes for it with find_spec at import, so
# test_training_backends' finder that raises from find_spec cannot be used here).
WITHOUT_TENSORFLOW = """
import sys
sys.modules.update(tensorflow=None, tensorboard=None)
from model_training.__main__ import main
code = main(sys.argv[1:])
assert not any(name.startswith("tensorflow") for name, m in sys.modules.items() if m is not None)
sys.exit(code)
"""
MIN_BALANCED_ACCURACY = 0.75  # happy against neutral on held-out real faces; by hand torch reached 0.94


@pytest.mark.slow
def test_torch_trains_at_the_defaults_then_the_export_runs_in_the_app(tmp_path, astronaut, capsys):
    python = torch_python()
    assert write_crops(tmp_path / "train", 24, "train") == {"happy": 24, "neutral": 24}
    assert write_crops(tmp_path / "val", 8, "val") == {"happy": 8, "neutral": 8}
    run = tmp_path / "run"
    env = {**{k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([python, "-c", WITHOUT_TENSORFLOW, "train", "--train", str(tmp_path / "train"),
                           "--val", str(tmp_path / "val"), "--out", str(run), "--backend", "torch"],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "backend torch: 1 device (cpu)" in done.stdout and "chose batch size" in done.stdout, done.stdout
    state = json.loads((run / "state.json").read_text())
    assert state["best_balanced_accuracy"] >= MIN_BALANCED_ACCURACY, state["best_balanced_accuracy"]

    out = run / "torch_float32.tflite"
    assert main(["export", str(run), "--out", str(out)]) == 0
    assert "top-1 identical 100.0%" in capsys.readouterr().out
    held_out = sorted((tmp_path / "val").rglob("*.png"))
    with ExpressionClassifier(out) as classifier:
        probs = classifier.classify([cv2.imread(str(p)) for p in held_out])
    predicted = [classifier.labels[i] for i in np.argmax(probs, axis=1)]
    right = np.mean([name == Path(p).parent.name for name, p in zip(predicted, held_out)])
    assert right >= MIN_BALANCED_ACCURACY - 0.1, right
    faces = ExpressionPipeline(model_path=str(out)).process(astronaut).faces
    assert faces and faces[0].label in classifier.labels
