"""Labeled face samples on disk: ``SampleStore`` opens a dataset folder, saves face crops into it and
relabels, deletes and undoes them through the append-only manifest (``sample_manifest``). The record
and layout are in ``sample_records``, the crash-safe file primitives in ``durable_files`` and
``reconcile`` in ``sample_recovery``; import those names from there.
"""
from __future__ import annotations

import errno
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from desktop_app.core.detection.face_crop import crop_face
from desktop_app.core.samples.durable_files import fsync_dir, place, write_new_file
from desktop_app.core.samples.sample_manifest import Manifest, fold
from desktop_app.core.samples.sample_records import (
    AFFECTNET_LABELS,
    CROP_MARGIN,
    CROP_SIZE,
    IMAGE_SUFFIX,
    LOCK,
    TEMP_SUFFIX,
    TRASH,
    Sample,
    StoreError,
    _as_list,
    new_sample_id,
    same_label,
    utc_now,
    validate_label,
)
from desktop_app.core.samples.sample_recovery import ReconcileReport, reconcile


def make_sample(box: Sequence[float], keypoints: Any, label: str, *, predicted: str | None = None,
                probabilities: Mapping[str, float] | None = None, model: str | None = None,
                model_path: str | None = None, source: str | None = None, frame: int | None = None,
                correction: bool | None = None) -> Sample:
    """A new sample record (id and time stamped now); ValueError for an unsafe label."""
    label = validate_label(label)
    if correction is None:
        correction = predicted is not None and not same_label(label, predicted)
    probs = None if probabilities is None else {str(k): round(float(v), 5) for k, v in probabilities.items()}
    return Sample(id=new_sample_id(), label=label, predicted=predicted, probabilities=probs, model=model,
                  model_path=model_path, source=source, frame=None if frame is None else int(frame),
                  timestamp=utc_now(), box=_as_list(box), keypoints=_as_list(keypoints), correction=bool(correction))


def sample_crop(frame_bgr: np.ndarray, box: Sequence[float], keypoints: Any) -> np.ndarray:
    """The stored crop of a face: the app's one crop function at the dataset's size and margin."""
    return crop_face(frame_bgr, tuple(box), None if keypoints is None else np.asarray(keypoints),
                     CROP_SIZE, CROP_MARGIN, align=True)


class SampleStore:
    """One dataset folder. Opening it takes an advisory lock (one writer at a time) and runs
    ``reconcile``; its report is ``self.report``. ``close()`` (or ``with``) releases the lock."""

    def __init__(self, dataset_dir: Path | str, default_labels: Sequence[str] = AFFECTNET_LABELS) -> None:
        self.root = Path(dataset_dir)
        self.default_labels = tuple(validate_label(x) for x in default_labels)
        self._lock_fd: int | None = None
        self.manifest: Manifest | None = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / TRASH).mkdir(exist_ok=True)
            self._lock()
            self.manifest = Manifest(self.root)
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot open dataset {self.root}: {exc.strerror or exc}") from None
        self.manifest_path = self.manifest.path
        try:
            self.report = reconcile(self.root, self.manifest)
        except StoreError:
            self.close()
            raise

    # ----- opening and closing

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock; one app instance per dataset by convention
            return
        self._lock_fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock_fd)
            self._lock_fd = None
            raise StoreError(f"dataset {self.root} is open in another process (another window of the app, or a "
                             "capture or fine-tune run): close that one and try again, or choose another "
                             "dataset folder") from None

    def close(self) -> None:
        if self.manifest is not None:
            self.manifest.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> SampleStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- reading

    def _current(self) -> dict[str, Sample]:
        if self.manifest is None:
            raise StoreError(f"dataset {self.root} is closed")
        return self.manifest.samples()

    def reconcile(self) -> ReconcileReport:
        return reconcile(self.root, self.manifest)

    def samples(self, include_deleted: bool = False) -> list[Sample]:
        """Current state of every sample, oldest first (ids are time-ordered)."""
        folded = self._current()
        return sorted((s for s in folded.values() if include_deleted or not s.deleted), key=lambda s: s.id)

    def get(self, sample_id: str) -> Sample:
        found = self._current().get(sample_id)
        if found is None:
            raise KeyError(sample_id)
        return found

    def path_of(self, sample: Sample | str) -> Path:
        sample = self.get(sample) if isinstance(sample, str) else sample
        return self.root / sample.relative_path()

    def label_counts(self) -> Counter[str]:
        return Counter(s.label for s in self.samples())

    def confusion_counts(self) -> dict[tuple[str, str], int]:
        """{(predicted, corrected label): n} over the live samples that correct the model."""
        return dict(Counter((s.predicted, s.label) for s in self.samples() if s.correction and s.predicted))

    # ----- saving

    def make_sample(self, box: Sequence[float], keypoints: Any, label: str, **info: Any) -> Sample:
        return make_sample(box, keypoints, self.resolve_label(label), **info)

    def save(self, frame_bgr: np.ndarray, box: Sequence[float], keypoints: Any, label: str, **info: Any) -> Sample:
        """Crop the face with the app's one crop function and store it under ``label``. ``info``:
        predicted, probabilities (dict label → p), model (spec name), model_path, source, frame,
        correction (default: the label differs from the prediction). On an OSError raises StoreError
        (nothing written)."""
        sample = self.make_sample(box, keypoints, label, **info)
        return self.save_crop(sample, sample_crop(frame_bgr, box, keypoints))

    def save_crop(self, sample: Sample, crop_bgr: np.ndarray) -> Sample:
        """Store an already cut crop; on an OSError raises StoreError and nothing is claimed saved
        (``capture_queue`` keeps such samples and retries)."""
        try:
            sample.label = self.resolve_label(sample.label)
            self._write(sample, crop_bgr)
        except OSError as exc:
            raise StoreError(f"could not save sample {sample.id} to {self.root / sample.label}: "
                             f"{exc.strerror or exc}") from None
        return sample

    def _folder(self, name: str) -> Path:
        """``root/name``, refused (StoreError) when it is a symlink or leads outside the dataset: a sample
        written or moved there would leave the dataset (and its manifest's promises) behind."""
        folder = self.root / name
        real_root = os.path.realpath(self.root)
        if folder.is_symlink() or os.path.dirname(os.path.realpath(folder)) != real_root:
            raise StoreError(f"{folder} is a link out of the dataset {self.root}: refusing to write samples "
                             "through it (make it a real folder)")
        return folder

    def _write(self, sample: Sample, crop_bgr: np.ndarray) -> None:
        folder = self._folder(sample.label)
        final = folder / f"{sample.id}{IMAGE_SUFFIX}"
        if not final.exists():  # a retry may find the image placed and only the line missing
            ok, png = cv2.imencode(IMAGE_SUFFIX, crop_bgr)
            if not ok:
                raise OSError(errno.EIO, "PNG encoding failed")
            folder.mkdir(exist_ok=True)
            temp = folder / f".{sample.id}{TEMP_SUFFIX}"
            try:
                write_new_file(temp, png.tobytes())
                place(temp, final)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
            fsync_dir(folder)
        self._append(sample.add_event())

    def resolve_label(self, label: str) -> str:
        """Labels are case-insensitive (as in model_training): 'happy' into a dataset that has a
        ``Happy/`` folder is 'Happy'. 'happy' and 'Happy' are one folder on Windows and macOS, so a
        second spelling is never created. ValueError for a label that is not a safe folder name."""
        label = validate_label(label)
        for entry in self.root.iterdir():
            if entry.is_dir() and not entry.name.startswith(".") and entry.name.casefold() == label.casefold():
                return entry.name
        return label

    # ----- relabel, delete, undo

    def _move(self, sample_id: str, src: str, dst: str) -> None:
        src_path = self._folder(src) / f"{sample_id}{IMAGE_SUFFIX}"
        dst_path = self._folder(dst) / f"{sample_id}{IMAGE_SUFFIX}"
        try:
            (self.root / dst).mkdir(exist_ok=True)
            place(src_path, dst_path)
            fsync_dir(dst_path.parent)
            fsync_dir(src_path.parent)
        except FileNotFoundError:
            raise StoreError(f"image of sample {sample_id} is missing: {src_path}") from None
        except OSError as exc:
            raise StoreError(f"could not move {src_path} to {dst_path}: {exc.strerror or exc}") from None

    def _append(self, event: dict[str, Any]) -> None:
        if self.manifest is None:
            raise StoreError(f"dataset {self.root} is closed")
        self.manifest.append(event)

    def _append_or_fail(self, event: dict[str, Any]) -> None:
        try:
            self._append(event)
        except OSError as exc:  # the file already moved: reconcile records the move on next open
            raise StoreError(f"could not write the manifest {self.manifest_path}: {exc.strerror or exc}") from None

    def relabel(self, sample_id: str, new_label: str) -> Sample:
        new_label = self.resolve_label(new_label)
        sample = self.get(sample_id)
        if sample.deleted:
            raise StoreError(f"sample {sample_id} is deleted; undo the delete first")
        if sample.label == new_label:
            return sample
        self._move(sample_id, sample.label, new_label)
        correction = sample.predicted is not None and not same_label(new_label, sample.predicted)
        self._append_or_fail({"event": "relabel", "id": sample_id, "event_id": new_sample_id(),
                              "from": sample.label, "to": new_label, "correction": correction,
                              "timestamp": utc_now()})
        return self.get(sample_id)

    def delete(self, sample_id: str) -> None:
        sample = self.get(sample_id)
        if sample.deleted:
            return
        self._move(sample_id, sample.label, TRASH)
        self._append_or_fail({"event": "delete", "id": sample_id, "event_id": new_sample_id(),
                              "label": sample.label, "timestamp": utc_now()})

    def undo(self) -> str | None:
        """Revert the latest relabel or delete not yet undone (across sessions: it is read from the
        manifest). Returns the sample id, or None when there is nothing to undo."""
        events = self.manifest.read().events
        undone = {e.get("undoes") for e in events if e["event"] == "undo"}
        target = next((e for e in reversed(events) if e["event"] in ("relabel", "delete")
                       and e.get("event_id") and e["event_id"] not in undone), None)
        if target is None:
            return None
        sid = target["id"]
        sample = fold(events)[sid]
        if target["event"] == "relabel":
            if sample.deleted:
                raise StoreError(f"sample {sid} was deleted after its relabel; undo the delete first")
            label = target["from"]
            self._move(sid, sample.label, label)
            event = {"deleted": False, "label": label}
        else:
            self._move(sid, TRASH, target["label"])
            event = {"deleted": False, "label": target["label"]}
        correction = sample.predicted is not None and not same_label(event["label"], sample.predicted)
        self._append_or_fail({"event": "undo", "id": sid, "event_id": new_sample_id(),
                              "undoes": target["event_id"], **event, "correction": correction,
                              "timestamp": utc_now()})
        return sid
