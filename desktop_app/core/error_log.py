"""Where unexpected errors go: a log file in the platform's state folder, with the full traceback,
so a one-line banner in the window can point at the details. Qt-free; the CLIs may use it too.

- Linux and other Unix: ``$XDG_STATE_HOME/tflite-facial-expression`` (default ``~/.local/state/...``)
- macOS: ``~/Library/Logs/tflite-facial-expression``
- Windows: ``%LOCALAPPDATA%\\tflite-facial-expression``
``FER_STATE_DIR`` overrides all three (the tests use it).
"""
from __future__ import annotations

import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

APP_DIR = "tflite-facial-expression"
LOG_NAME = "errors.log"
MAX_LOG_BYTES = 1_000_000  # then the log is moved to errors.log.1 (one old copy kept)


def state_dir() -> Path:
    override = os.environ.get("FER_STATE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Logs"
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / APP_DIR


def log_path() -> Path:
    return state_dir() / LOG_NAME


def log_exception(exc: BaseException, context: str) -> Path | None:
    """Append ``context`` and the traceback of ``exc`` to the log; returns the log's path, or None
    when the log itself cannot be written (a full disk must not turn one error into two)."""
    path = log_path()
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(LOG_NAME + ".1"))
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {stamp} {context}\n{text}\n")
    except OSError:
        return None
    return path


def describe(exc: BaseException, context: str) -> str:
    """Log ``exc`` and return the one line the user sees: what failed, why, and where the details are."""
    path = log_exception(exc, context)
    where = f" (details in {path})" if path else " (the error log could not be written)"
    return f"{context}: {type(exc).__name__}: {exc}{where}"
