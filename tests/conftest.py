"""Shared test set-up: headless Qt and media the tests write themselves (markers: pytest.ini)."""
from __future__ import annotations

import gc
import os

import cv2
import numpy as np
import pytest

# Before anything imports TensorFlow: TF 2.21's oneDNN CPU kernels corrupt the heap training at 64×64.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.core.media.demo_media import four_face_frames  # noqa: E402  (after the Qt platform is set)
from desktop_app.core.paths import DEMO_FACE  # noqa: E402
from desktop_app.ui.qt.qt_environment import restore_qt_environment  # noqa: E402

restore_qt_environment()  # importing cv2 pointed Qt at cv2's own plugins

# As in the app (desktop_app/ui/qt/gui_app.py): garbage is collected on the main thread only, between tests.
# Left on, the collector can run on a window's worker thread and destroy a widget a test left behind
# there, which deadlocked a full run once (the worker's ~QMenu waiting for the GIL, the GUI thread's
# ~QObject for the worker's mutex).
gc.disable()


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread():
    yield
    gc.collect()


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    image = cv2.imread(str(DEMO_FACE))
    assert image is not None, DEMO_FACE
    return image


@pytest.fixture(scope="session")
def four_faces() -> list[np.ndarray]:
    """30 frames of 1280×720 with four drifting copies of the real face."""
    return four_face_frames(30)


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory, monkeypatch):
    """Error logs and fallback samples of the tests never land in the user's real state folder."""
    monkeypatch.setenv("FER_STATE_DIR", str(tmp_path_factory.mktemp("state")))
