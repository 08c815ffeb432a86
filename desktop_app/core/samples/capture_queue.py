"""Capture requests from the window, in order, until they are on disk: nothing a user asked to save
is dropped. A request that cannot be written (full or read-only disk, dataset not openable) waits
here and is retried; at exit whatever still waits goes to a fallback dataset folder that the user
is told about. Qt-free: the capture panel drives it from a timer.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from desktop_app.core.error_log import state_dir
from desktop_app.core.samples.original_frames import save_original_frame
from desktop_app.core.samples.sample_records import Sample, StoreError
from desktop_app.core.samples.sample_store import SampleStore

FALLBACK_DIR = "unsaved-samples"


@dataclass
class CaptureRequest:
    sample: Sample
    crop: np.ndarray  # the 224×224 BGR crop, cut when the key was pressed
    frame: np.ndarray | None = None  # the whole frame, when "keep the original frames" is on


@dataclass
class FlushResult:
    written: list[Sample] = field(default_factory=list)
    error: str | None = None  # why the oldest waiting request could not be written
    notes: list[str] = field(default_factory=list)  # sample saved, but not its original frame


class CaptureQueue:
    """``add`` then ``flush(store)``; what ``flush`` could not write stays in ``waiting``, oldest first."""

    def __init__(self) -> None:
        self.waiting: list[CaptureRequest] = []
        self.last_error: str | None = None

    def __len__(self) -> int:
        return len(self.waiting)

    def add(self, sample: Sample, crop: np.ndarray, frame: np.ndarray | None = None) -> None:
        self.waiting.append(CaptureRequest(sample, crop, None if frame is None else frame.copy()))

    def flush(self, open_store: Callable[[], SampleStore]) -> FlushResult:
        """Write the waiting requests oldest first and stop at the first failure (order is kept).
        ``open_store`` returns the open store or raises StoreError (e.g. a read-only folder)."""
        result = FlushResult()
        if not self.waiting:
            self.last_error = None
            return result
        try:
            store = open_store()
        except StoreError as exc:
            result.error = self.last_error = str(exc)
            return result
        while self.waiting:
            request = self.waiting[0]
            try:
                sample = store.save_crop(request.sample, request.crop)
            except StoreError as exc:
                result.error = self.last_error = str(exc)
                return result
            self.waiting.pop(0)
            result.written.append(sample)
            if request.frame is not None:
                try:
                    save_original_frame(store.root, sample.id, request.frame)
                except OSError as exc:  # the sample is saved; only its context is missing
                    result.notes.append(f"sample saved, but not its original frame: {exc.strerror or exc}")
        self.last_error = None
        return result

    def save_to_fallback(self, folder: Path | None = None) -> list[Path]:
        """Write every waiting request into a new dataset folder (default: ``fallback_folders()``,
        trying the next when one fills up); returns the folders that received samples. Raises
        StoreError when some are still waiting after every folder was tried."""
        errors, used = [], []
        for candidate in ([folder] if folder is not None else fallback_folders()):
            try:
                with SampleStore(candidate) as store:
                    result = self.flush(lambda: store)
            except StoreError as exc:
                errors.append(str(exc))
                continue
            if result.written:
                used.append(candidate)
            if not self.waiting:
                return used
            errors.append(result.error or "unknown error")
        where = f" ({len(used)} folders took some: {', '.join(map(str, used))})" if used else ""
        raise StoreError(f"{len(self.waiting)} samples could not be written anywhere{where}: " + "; ".join(errors))


def fallback_folders() -> list[Path]:
    """Where unsaved samples go at exit: the app's state folder, else the system's temp folder."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return [state_dir() / FALLBACK_DIR / stamp, Path(tempfile.gettempdir()) / f"{FALLBACK_DIR}-{stamp}"]
