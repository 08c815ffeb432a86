"""What the fault tests start from: a small two-split dataset and a finished one-epoch run at 32 px
(best.keras, last.keras, state.json). Module-scoped, so each test module gets its own copy to damage."""
from __future__ import annotations

from pathlib import Path

import pytest

from support.training_runs import train_run, write_splits


@pytest.fixture(scope="module")
def data(tmp_path_factory, request) -> Path:
    return write_splits(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]), 10, 4)


@pytest.fixture(scope="module")
def run_dir(data) -> Path:
    return train_run(data, "run", "--epochs", "1", "--input-size", "32")
