"""The libraries' own INFO lines kept off a refusal's one ``error:`` line: OpenCV's per-image decode
errors and LiteRT's XNNPACK banner. Each helper leaves a setting the user made alone (``OPENCV_LOG_LEVEL``,
``TF_CPP_MIN_LOG_LEVEL=0``) and hides nothing else.
"""
from __future__ import annotations

import os
import sys


def quieten_opencv() -> None:
    """OpenCV logs an ERROR line for each image it cannot decode (``readHeader IHDR chunk shall be
    first``); the kit skips and counts those images itself (``skipped N: unreadable image``; ``stats``
    lists them), so the line says it twice, and buries a refusal's one line. OpenCV's failures that matter
    raise. OPENCV_LOG_LEVEL, when set, is the user's choice and stays."""
    if "OPENCV_LOG_LEVEL" not in os.environ:
        import cv2

        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_FATAL)


def swallow_litert_banner() -> None:
    """LiteRT's C++ writes ``INFO: Created TensorFlow Lite XNNPACK delegate for CPU.`` to file descriptor 2
    the first time a process gives a model its CPU delegate, once per process, whatever
    TF_CPP_MIN_LOG_LEVEL says. Let it write that here, into /dev/null (the bundled model, fd 2 pointed away
    for that moment only), so that a refusal after a model has loaded is still its one ``error:`` line.
    Nothing else is hidden; with TF_CPP_MIN_LOG_LEVEL=0 (every INFO line wanted) the banner stays."""
    from desktop_app.core.paths import DEFAULT_MODEL

    if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "0") == "0" or not DEFAULT_MODEL.is_file():
        return
    from ai_edge_litert.interpreter import Interpreter

    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        Interpreter(model_path=str(DEFAULT_MODEL), num_threads=1).allocate_tensors()
    except (ValueError, RuntimeError):
        pass  # the model itself is reported by whatever loads it for real
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
