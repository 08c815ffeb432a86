"""Every architecture trains at its own default input size, through the real CLI in a fresh process.

TensorFlow 2.21's oneDNN CPU kernels corrupt the heap training the default 64×64 mini-Xception
(SIGSEGV in epoch 1) while the 32-px tests stayed green; these runs use the defaults users get. The
child process starts without TF_ENABLE_ONEDNN_OPTS (conftest sets it for this process), so they pass
only because ``model_training`` itself switches oneDNN off, and a crash fails one test instead of
killing the whole session. Tiny data (a handful of images per class) and one or two epochs keep it cheap.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model_training.data.synthetic import write_affectnet_like
from model_training.train.config import ARCH_DEFAULTS
from model_training.train.run_plan import auto_schedule
from support.repo import REPO as ROOT

# mini-Xception is cheap: enough steps that the heap corruption showed every time (8 steps per epoch).
# The ImageNet backbones at 224 px cost seconds per step on a CPU: two steps.
PER_CLASS = {"mini_xception": 16, "mobilenet_v3_small": 3, "efficientnet_b0": 3}
EPOCHS = {"mini_xception": 2, "mobilenet_v3_small": 1, "efficientnet_b0": 1}


def train_in_child(tmp_path: Path, arch: str) -> subprocess.CompletedProcess:
    write_affectnet_like(tmp_path / "T", per_class=PER_CLASS[arch], size=64, seed=1)
    write_affectnet_like(tmp_path / "V", per_class=2, size=64, seed=2)
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    args = ["train", "--train", str(tmp_path / "T"), "--val", str(tmp_path / "V"), "--out", str(tmp_path / "run"),
            "--arch", arch, "--epochs", str(EPOCHS[arch])]
    cmd = [sys.executable, "-c", RECORD_ONEDNN_AT_TF_IMPORT, *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


# ``python -m model_training ARGS``, plus an audit hook that prints TF_ENABLE_ONEDNN_OPTS as it is at the
# moment TensorFlow is first imported: the heap corruption does not always reproduce, this value always shows.
RECORD_ONEDNN_AT_TF_IMPORT = """
import os, runpy, sys
def hook(event, args):
    if event == "import" and args[0] == "tensorflow" and not hasattr(hook, "seen"):
        hook.seen = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
        print("oneDNN at TensorFlow import:", hook.seen, flush=True)
sys.addaudithook(hook)
sys.argv[0] = "model_training"
runpy.run_module("model_training", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("arch", [a if a == "mini_xception" else pytest.param(a, marks=pytest.mark.slow)
                                  for a in ARCH_DEFAULTS])
def test_each_arch_trains_at_its_default_input_size(tmp_path, arch):
    done = train_in_child(tmp_path, arch)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])  # -11 / -6: the heap corruption
    assert "oneDNN at TensorFlow import: 0" in done.stdout  # off by default, before TensorFlow loads
    size, color, _, _ = ARCH_DEFAULTS[arch]
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert (config["input_size"], config["color"]) == (size, color)
    assert config["batch_size"] == 8 and "chose batch size 8" in done.stdout  # tiny data: the smallest auto batch
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["epochs_done"] == EPOCHS[arch]
    assert (tmp_path / "run" / "best.keras").is_file()


def test_batch_size_and_epochs_follow_the_training_set_size_and_flags_win():
    assert auto_schedule(287_651, 0, 0)[:2] == (64, 30)  # AffectNet: the usual defaults
    assert auto_schedule(1_600, 0, 0)[:2] == (64, 30)  # 25 steps per epoch at 64
    batch, epochs, why = auto_schedule(180, 0, 0)  # issue 9's 186 crops had 3 steps per epoch at 64
    assert (batch, epochs) == (8, 30) and "180 training images would give 3 steps per epoch" in why
    assert auto_schedule(40, 0, 0)[:2] == (8, 120)  # 5 steps per epoch: more epochs for 600 steps
    assert auto_schedule(12, 0, 0)[:2] == (8, 200)  # capped
    assert auto_schedule(180, 16, 4) == (16, 4, "")  # the user's flags, nothing to say
    assert auto_schedule(180, 64, 0)[0] == 64 and auto_schedule(180, 0, 4)[1] == 4
