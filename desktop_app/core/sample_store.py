"""Labeled face samples on disk: ``SampleStore`` opens a dataset folder, saves face crops into it and
relabels, deletes and undoes them through the append-only manifest (``samples()`` folds its events).
The record and layout are in ``sample_records``, the crash-safe file primitives in ``durable_files``
and ``reconcile`` in ``sample_recovery``; their public names are re-exported here for old imports.
"""
from __future__ import annotations

import errno
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .durable_files import complete_png, fsync_dir, place, write_new_file  # noqa: F401 (re-exported)
from .durable_files import place as _place  # noqa: F401 (the pre-split name; tests call ss._place)
from .face_crop import crop_face
from .sample_records import (AFFECTNET_LABELS, CROP_MARGIN, CROP_SIZE, EVENTS, ID_PATTERN,  # noqa: F401
                             IMAGE_SUFFIX, LABEL_EXTRA_CHARS, LOCK, MANIFEST, MAX_LABEL_LENGTH, TEMP_SUFFIX,
                             TRASH, WINDOWS_RESERVED, Sample, StoreError, _as_list, new_sample_id,
                             same_label, utc_now, valid_event, validate_label)
from .sample_recovery import ReconcileReport, RecoveryMixin  # noqa: F401 (ReconcileReport re-exported)


class SampleStore(RecoveryMixin):
    """One dataset folder. Opening it takes an advisory lock (one writer at a time) and runs
    ``reconcile``; its report is ``self.report``. ``close()`` (or ``with``) releases the lock."""

    def __init__(self, dataset_dir: Path | str, default_labels: Sequence[str] = AFFECTNET_LABELS) -> None:
        self.root = Path(dataset_dir)
        self.default_labels = tuple(validate_label(x) for x in default_labels)
        self.manifest_path = self.root / MANIFEST
        self.pending: list[tuple[Sample, np.ndarray]] = []  # samples a failed write left in memory
        self._lock_fd: int | None = None
        self._manifest_fd: int | None = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            (self.root / TRASH).mkdir(exist_ok=True)
            self._lock()
            self._manifest_fd = os.open(self.manifest_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            self.close()
            raise StoreError(f"cannot open dataset {self.root}: {exc.strerror or exc}") from None
        self.report = self.reconcile()

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
            raise StoreError(f"dataset {self.root} is open in another process") from None

    def close(self) -> None:
        for name in ("_manifest_fd", "_lock_fd"):
            fd = getattr(self, name, None)
            if fd is not None:
                os.close(fd)
                setattr(self, name, None)

    def __enter__(self) -> "SampleStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----- the manifest

    def _append(self, event: dict[str, Any]) -> None:
        """One line, one ``write`` on an O_APPEND descriptor, fsynced before returning."""
        if self._manifest_fd is None:
            raise StoreError(f"dataset {self.root} is closed")
        line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        written = os.write(self._manifest_fd, line)
        if written != len(line):  # a short write (disk full) leaves a half line for reconcile
            raise OSError(errno.ENOSPC, "short write to the manifest")
        os.fsync(self._manifest_fd)

    def _read_events(self) -> tuple[list[dict[str, Any]], list[int]]:
        events, bad = [], []
        try:
            text = self.manifest_path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                bad.append(number)
                continue
            if valid_event(event):
                events.append(event)
            else:
                bad.append(number)
        return events, bad

    @staticmethod
    def _fold(events: list[dict[str, Any]]) -> dict[str, Sample]:
        samples: dict[str, Sample] = {}
        for event in events:
            kind, sid = event["event"], event["id"]
            if kind == "add":
                known = {k: event.get(k) for k in Sample.__dataclass_fields__ if k in event and k != "deleted"}
                if sid in samples and not samples[sid].recovered:
                    continue  # a retried add after a recovery line: the first full record stays
                samples[sid] = Sample(**{**known, "id": sid, "correction": bool(event.get("correction")),
                                         "recovered": bool(event.get("recovered"))})
            elif sid in samples:
                sample = samples[sid]
                if kind == "relabel":
                    sample.label = event["to"]
                    sample.correction = sample.predicted is not None and not same_label(sample.label, sample.predicted)
                    if "correction" in event:
                        sample.correction = bool(event["correction"])
                elif kind == "delete":
                    sample.deleted = True
                elif kind == "undo":
                    sample.deleted = bool(event.get("deleted", False))
                    sample.label = event.get("label", sample.label)
                    sample.correction = bool(event.get("correction", sample.correction))
        return samples

    def samples(self, include_deleted: bool = False) -> list[Sample]:
        """Current state of every sample, oldest first (ids are time-ordered)."""
        folded = self._fold(self._read_events()[0])
        return sorted((s for s in folded.values() if include_deleted or not s.deleted), key=lambda s: s.id)

    def get(self, sample_id: str) -> Sample:
        found = self._fold(self._read_events()[0]).get(sample_id)
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

    def make_sample(self, box: Sequence[float], keypoints: Any, label: str, *, predicted: str | None = None,
                    probabilities: Mapping[str, float] | None = None, model: str | None = None,
                    model_path: str | None = None, source: str | None = None, frame: int | None = None,
                    correction: bool | None = None) -> Sample:
        label = validate_label(label)
        self._check_case_collision(label)
        if correction is None:
            correction = predicted is not None and not same_label(label, predicted)
        probs = None if probabilities is None else {str(k): round(float(v), 5) for k, v in probabilities.items()}
        return Sample(id=new_sample_id(), label=label, predicted=predicted, probabilities=probs, model=model,
                      model_path=model_path, source=source, frame=None if frame is None else int(frame),
                      timestamp=utc_now(), box=_as_list(box), keypoints=_as_list(keypoints), correction=bool(correction))

    def save(self, frame_bgr: np.ndarray, box: Sequence[float], keypoints: Any, label: str, **info: Any) -> Sample:
        """Crop the face with the app's one crop function and store it under ``label``. ``info``:
        predicted, probabilities (dict label → p), model (spec name), model_path, source, frame, correction
        (default: the label differs from the prediction). On an OSError raises StoreError; the sample then waits in
        ``pending`` for ``retry_pending``."""
        sample = self.make_sample(box, keypoints, label, **info)
        crop = crop_face(frame_bgr, tuple(box), None if keypoints is None else np.asarray(keypoints),
                         CROP_SIZE, CROP_MARGIN, align=True)
        return self.save_crop(sample, crop)

    def save_crop(self, sample: Sample, crop_bgr: np.ndarray) -> Sample:
        try:
            self._write(sample, crop_bgr)
        except OSError as exc:
            self.pending.append((sample, crop_bgr))
            raise StoreError(f"could not save sample {sample.id} to {self.root / sample.label}: "
                             f"{exc.strerror or exc} ({len(self.pending)} kept in memory, retry later)") from None
        return sample

    def retry_pending(self) -> int:
        """Write the samples a failure left in memory, oldest first; stops at the first failure
        (StoreError, the rest stay pending). Returns how many were written."""
        written = 0
        while self.pending:
            sample, crop = self.pending[0]
            try:
                self._write(sample, crop)
            except OSError as exc:
                raise StoreError(f"still cannot write to {self.root}: {exc.strerror or exc} "
                                 f"({len(self.pending)} samples kept in memory)") from None
            self.pending.pop(0)
            written += 1
        return written

    def _write(self, sample: Sample, crop_bgr: np.ndarray) -> None:
        folder = self.root / sample.label
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

    def _check_case_collision(self, label: str) -> None:
        """'happy' and 'Happy' are one folder on Windows and macOS: refuse the second spelling."""
        for entry in self.root.iterdir():
            if entry.is_dir() and entry.name != label and entry.name.casefold() == label.casefold():
                raise ValueError(f"label {label!r} clashes with the existing folder {entry.name!r}")

    # ----- relabel, delete, undo

    def _move(self, sample_id: str, src: str, dst: str) -> None:
        src_path = self.root / src / f"{sample_id}{IMAGE_SUFFIX}"
        dst_path = self.root / dst / f"{sample_id}{IMAGE_SUFFIX}"
        try:
            (self.root / dst).mkdir(exist_ok=True)
            place(src_path, dst_path)
            fsync_dir(dst_path.parent)
            fsync_dir(src_path.parent)
        except FileNotFoundError:
            raise StoreError(f"image of sample {sample_id} is missing: {src_path}") from None
        except OSError as exc:
            raise StoreError(f"could not move {src_path} to {dst_path}: {exc.strerror or exc}") from None

    def _append_or_fail(self, event: dict[str, Any]) -> None:
        try:
            self._append(event)
        except OSError as exc:  # the file already moved: reconcile records the move on next open
            raise StoreError(f"could not write the manifest {self.manifest_path}: {exc.strerror or exc}") from None

    def relabel(self, sample_id: str, new_label: str) -> Sample:
        new_label = validate_label(new_label)
        sample = self.get(sample_id)
        if sample.deleted:
            raise StoreError(f"sample {sample_id} is deleted; undo the delete first")
        if sample.label == new_label:
            return sample
        self._check_case_collision(new_label)
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
        events = self._read_events()[0]
        undone = {e.get("undoes") for e in events if e["event"] == "undo"}
        target = next((e for e in reversed(events) if e["event"] in ("relabel", "delete")
                       and e.get("event_id") and e["event_id"] not in undone), None)
        if target is None:
            return None
        sid = target["id"]
        sample = self._fold(events)[sid]
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
