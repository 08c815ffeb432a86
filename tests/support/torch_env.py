"""Where the PyTorch backend's tests find a Python with ``torch``: never the app's or developers' default
install (PyTorch from PyPI brings several GB of CUDA libraries), but ``.venv-torch``, which
``.ci/torch-env`` builds once and reuses (torch alone, everything else from ``.venv``)."""
from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from support.repo import REPO

TORCH_PYTHON = "MODEL_TRAINING_TORCH_PYTHON"  # a Python with torch, given by hand
REQUIRE_TORCH = "MODEL_TRAINING_REQUIRE_TORCH"  # set by CI: a missing torch fails instead of skipping
TORCH_ENV_PYTHON = REPO / ".venv-torch" / "bin" / "python"


def torch_python() -> str:
    """A Python that imports torch (and the project's packages); skips the test when there is none,
    or fails it where CI requires one."""
    given = os.environ.get(TORCH_PYTHON)
    if given:
        return given
    if TORCH_ENV_PYTHON.is_file():
        return str(TORCH_ENV_PYTHON)
    if importlib.util.find_spec("torch") is not None:
        return sys.executable
    message = "no Python with torch: run .ci/torch-env (builds .venv-torch) or set " + TORCH_PYTHON
    if os.environ.get(REQUIRE_TORCH):
        pytest.fail(message)
    pytest.skip(message)
