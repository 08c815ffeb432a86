"""Fixtures of the training tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from support.training_runs import write_splits


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_splits(tmp_path_factory.mktemp("affectnet"), 40, 15)
