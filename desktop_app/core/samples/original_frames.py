"""The whole frame a sample was cut from, kept on request so a reviewer can see the context.

Stored as ``<dataset>/.frames/<id>.jpg``: a hidden folder, so neither crash recovery nor model_training
takes it for a label. Written like the samples (temp name, fsync, link into place, never replacing).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from desktop_app.core.samples.durable_files import fsync_dir, place, write_new_file

FRAMES_DIR = ".frames"
JPEG_QUALITY = 90


def original_frame_path(dataset: Path | str, sample_id: str) -> Path:
    return Path(dataset) / FRAMES_DIR / f"{sample_id}.jpg"


def save_original_frame(dataset: Path | str, sample_id: str, frame_bgr: np.ndarray) -> Path:
    """Raises OSError on a write failure; the sample itself is already safe by then."""
    final = original_frame_path(dataset, sample_id)
    final.parent.mkdir(exist_ok=True)
    ok, jpeg = cv2.imencode(".jpg", frame_bgr, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise OSError("JPEG encoding failed")
    temp = final.with_name(f".{final.name}.tmp")
    try:
        write_new_file(temp, jpeg.tobytes())
        place(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(final.parent)
    return final
