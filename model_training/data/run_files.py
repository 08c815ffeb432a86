"""The kit's files on disk, written through the app's one crash-safe writer (``durable_files.replacing``)
and read back as untrusted input: every file goes to a hidden temporary name, is flushed and renamed over
the old one, so a kill or a full disk at any instant leaves the previous good file; a run file that is
cut, hand-edited or hostile (100,000 nested ``[``) is one ``DataError`` naming it, never a traceback."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from desktop_app.core.samples.durable_files import replace_file, replacing, sweep_partials
from model_training.data.labels import DataError

# A run's JSON files (config, state, split, reports) are kilobytes; AffectNet's split.json is ~30 MB.
MAX_JSON_BYTES = 256 * 1024 * 1024

__all__ = ["read_json", "replacing", "sweep_partials", "write_json", "write_png"]


def write_json(path: Path, data: Any, indent: int | None = 2) -> None:
    """``data`` as JSON in ``path``, whole or not at all."""
    replace_file(path, (json.dumps(data, indent=indent) + "\n").encode("utf-8"))


def read_json(path: Path) -> Any:
    """The JSON in ``path``; DataError naming the file when it cannot be read, is not JSON, is nested too
    deeply for Python's parser, or is larger than any file the kit writes."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise DataError(f"{path} is {path.stat().st_size / 2**20:.0f} MB: larger than any run file "
                            f"({MAX_JSON_BYTES // 2**20} MB at most)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise DataError(f"{path} is not valid JSON: nested too deeply") from None
    except ValueError as exc:
        raise DataError(f"{path} is not valid JSON: {exc}") from None


def write_png(path: Path, image: np.ndarray) -> None:
    """``image`` as a PNG in ``path``, whole or not at all (OSError on a full or read-only disk: OpenCV's
    own writer only returns False, and would leave a cut file under the final name)."""
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise DataError(f"cannot encode {path} as PNG")
    replace_file(path, data.tobytes())
