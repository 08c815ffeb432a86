"""Small synthetic datasets and runs shared by the training tests (real TensorFlow, CPU)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from model_training.__main__ import main
from model_training.data.synthetic import write_affectnet_like
from support.repo import REPO

# What a user's shell does not set: the tests' own quieting of TensorFlow and the backend they chose.
NOT_A_USERS = ("TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "KERAS_BACKEND")


def write_splits(root: Path, train_per_class: int, val_per_class: int) -> Path:
    """``root/train_set`` and ``root/val_set``: four synthetic classes in AffectNet's layout."""
    write_affectnet_like(root / "train_set", per_class=train_per_class, seed=1)
    write_affectnet_like(root / "val_set", per_class=val_per_class, seed=2)
    return root


def train_run(data: Path, name: str, *flags: str) -> Path:
    """``python -m model_training train`` on ``data``'s splits into ``data/name``; must succeed."""
    out = data / name
    assert main(["train", "--train", str(data / "train_set"), "--val", str(data / "val_set"), "--out", str(out),
                 *flags]) == 0
    return out


def cli(argv: list[str]) -> int:
    """The exit status ``python -m model_training ARGV`` would have (argparse's errors raise SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def one_line_error(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def kit(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m model_training ARGS`` in a fresh process, as a user starts it: none of the variables
    that quieten TensorFlow in the tests' environment (``NOT_A_USERS``)."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_A_USERS}
    return subprocess.run([sys.executable, "-m", "model_training", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)
