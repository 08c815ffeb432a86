"""``pip install .`` gives a working app: a wheel built from the checkout, installed into a new venv, runs
both console commands from a folder outside the checkout, with the models it carries, and their usage
lines name the command as it was typed.

The venv sees this environment's site-packages through a ``.pth`` line after its own, so PySide6 and
TensorFlow are not downloaded again (``--no-deps``), while ``desktop_app`` and ``model_training`` come from
the wheel: the test checks where they were imported from.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from desktop_app import analyze
from model_training.cli.parser import build_parser
from support.repo import REPO

# What the build reads (pyproject's readme is README.md); copied so the build's build/ and egg-info never
# land in the checkout, and a stale build/ there cannot slip files into the wheel.
BUILD_INPUTS = ("pyproject.toml", "README.md", "desktop_app", "model_training")


def run(argv: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name in BUILD_INPUTS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(REPO / name, source / name)
    dist = tmp_path / "dist"
    done = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)], tmp_path)
    assert done.returncode == 0, done.stderr
    (wheel,) = dist.glob("*.whl")
    return wheel


def venv_with(wheel: Path, folder: Path) -> Path:
    """A venv holding only the wheel, seeing this environment's packages after its own; returns its bin/."""
    done = run([sys.executable, "-m", "venv", "--without-pip", str(folder)], folder.parent)
    assert done.returncode == 0, done.stderr
    python = folder / "bin" / "python"
    done = run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
               folder.parent)
    assert done.returncode == 0, done.stderr
    own = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], folder.parent)
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (Path(own.stdout.strip()) / "parent_environment.pth").write_text("\n".join(ours) + "\n")
    return folder / "bin"


@pytest.mark.slow
def test_a_wheel_from_the_checkout_runs_both_commands_from_any_folder(tmp_path):
    bin_dir = venv_with(build_wheel(tmp_path), tmp_path / "venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    where = run([str(bin_dir / "python"), "-c", "import desktop_app, model_training; "
                 "print(desktop_app.__file__); print(model_training.__file__)"], elsewhere)
    assert where.returncode == 0, where.stderr
    assert all(Path(line).is_relative_to(tmp_path / "venv") for line in where.stdout.split()), where.stdout

    analyzed = run([str(bin_dir / "facial-expressions"), "analyze", "demo"], elsewhere)
    assert analyzed.returncode == 0, analyzed.stderr
    assert "faces per label: happy" in analyzed.stdout, analyzed.stdout  # the bundled models found a face

    helped = run([str(bin_dir / "facial-expression-training"), "--help"], elsewhere)
    assert helped.returncode == 0, helped.stderr
    assert "build-models" in helped.stdout and "train" in helped.stdout
    # Each usage line names the command as it was typed: the console command, or python -m.
    assert helped.stdout.startswith("usage: facial-expression-training [-h]"), helped.stdout
    helped = run([str(bin_dir / "facial-expression-training"), "train", "--help"], elsewhere)
    assert helped.stdout.startswith("usage: facial-expression-training train [-h]"), helped.stdout
    helped = run([str(bin_dir / "facial-expressions"), "analyze", "--help"], elsewhere)
    assert helped.stdout.startswith("usage: facial-expressions analyze [-h]"), helped.stdout
    helped = run([str(bin_dir / "facial-expressions"), "--help"], elsewhere)
    assert helped.stdout.startswith("``facial-expressions [--source"), helped.stdout
    helped = run([str(bin_dir / "python"), "-m", "model_training", "--help"], elsewhere)
    assert helped.stdout.startswith("usage: python -m model_training [-h]"), helped.stdout

    # The installed models are the pinned bytes, checked where they were installed.
    checked = run([str(bin_dir / "facial-expression-training"), "build-models", "--check-only"], elsewhere)
    assert checked.returncode == 0, checked.stderr
    assert "5 files OK" in checked.stdout and str(tmp_path / "venv") in checked.stdout
    assert list(elsewhere.iterdir()) == []  # nothing written where the commands ran


@pytest.mark.parametrize("argv0", [str(Path(sys.executable).parent / "pytest"), "/x/pytest/__main__.py", "-c", ""])
def test_a_parser_built_inside_another_program_says_python_m(monkeypatch, argv0):
    """pytest, a notebook or ``python -c`` building the parsers: their usage says ``python -m``, never the
    host's name, although pytest is a console command too (of another package)."""
    assert list(entry_points(group="console_scripts", name="pytest"))  # a console command, not one of ours
    monkeypatch.setattr(sys, "argv", [argv0])
    assert analyze.build_parser().format_usage().startswith("usage: python -m desktop_app analyze [-h]")
    assert build_parser().format_usage().startswith("usage: python -m model_training [-h]")
