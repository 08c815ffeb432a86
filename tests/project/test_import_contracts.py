"""The boundaries in pyproject.toml's import-linter contracts hold, and the contracts do catch a breach."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from support.repo import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(cwd / "pyproject.toml")], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_the_tree_keeps_every_contract():
    done = lint(REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "6 kept, 0 broken" in done.stdout


def test_a_core_module_importing_qt_breaks_the_contract(tmp_path):
    ignore = shutil.ignore_patterns("__pycache__")
    for package in ("desktop_app", "model_training"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    (tmp_path / "desktop_app" / "core" / "sneaky.py").write_text("import pyqtgraph\n")
    (tmp_path / "model_training" / "sneaky.py").write_text("from desktop_app.ui.window import worker\n")
    # A lower layer reaching up: detection into the pipeline, data into train, the kit into the pipeline.
    (tmp_path / "desktop_app" / "core" / "detection" / "upward.py").write_text("import desktop_app.core.pipeline\n")
    (tmp_path / "model_training" / "data" / "upward.py").write_text("import model_training.train.config\n")
    (tmp_path / "model_training" / "train" / "app.py").write_text("import desktop_app.core.session\n")
    # The window's layers: a chart reaching up into the window.
    (tmp_path / "desktop_app" / "ui" / "charts" / "upward.py").write_text("import desktop_app.ui.window.main_window\n")
    done = lint(tmp_path)
    assert done.returncode != 0
    assert "desktop_app.core.sneaky -> pyqtgraph" in done.stdout
    assert "model_training.sneaky -> desktop_app.ui" in done.stdout
    assert "desktop_app.core.detection.upward -> desktop_app.core.pipeline" in done.stdout
    assert "model_training.data.upward -> model_training.train.config" in done.stdout
    assert "model_training.train.app -> desktop_app.core.session" in done.stdout
    assert "desktop_app.ui.charts.upward -> desktop_app.ui.window.main_window" in done.stdout
