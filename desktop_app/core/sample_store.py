"""Labeled face samples on disk, written so that nothing is ever lost: a crash, a kill or a full disk
leaves either a sample that is complete on disk and in the manifest, or one that ``reconcile`` finds
and repairs the next time the dataset is opened.

Layout (read directly by model_training)::

    <dataset>/<label>/<id>.png      224×224 face crop made by ``crop_face`` (margin CROP_MARGIN)
    <dataset>/manifest.jsonl        append-only event log, one JSON object per line
    <dataset>/.trash/<id>.png       deleted samples (undo brings them back)

The manifest is an event log: ``add`` (a new sample, with everything known about it), ``relabel``,
``delete`` and ``undo``. ``samples()`` folds the events into the current state. Lines are only ever
appended, each one after the file it describes is in place, so the log never names an image that a
crash could have lost, and an image without its line is put back by ``reconcile``.
"""
from __future__ import annotations

import errno
import json
import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .face_crop import crop_face

CROP_SIZE = 224
CROP_MARGIN = 0.25  # AffectNet framing: the face with a quarter of its side around it
AFFECTNET_LABELS = ("Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt")
MANIFEST = "manifest.jsonl"
TRASH = ".trash"
LOCK = ".lock"
IMAGE_SUFFIX = ".png"
TEMP_SUFFIX = ".png.tmp"  # temp files are ".<id>.png.tmp" beside their final name
MAX_LABEL_LENGTH = 64
LABEL_EXTRA_CHARS = frozenset(" _-+.")
WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                    *(f"lpt{i}" for i in range(1, 10))}
ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
EVENTS = ("add", "relabel", "delete", "undo")


class StoreError(RuntimeError):
    """The dataset could not be written or read; the message is meant for the user as it is."""


def new_sample_id() -> str:
    """32 hex digits, time-ordered like UUIDv7: 48-bit Unix milliseconds, then 80 random bits, so ids
    sort by capture time and never collide across runs or machines."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.randbits(80):020x}"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def validate_label(label: Any) -> str:
    """A label becomes a folder name: non-empty, at most 64 letters, digits, space or ``_-+.``, not
    starting with '.' or ending in '.'/space, and not a Windows device name. Anything else: ValueError."""
    if not isinstance(label, str) or not label:
        raise ValueError(f"label must be a non-empty string, not {label!r}")
    if (len(label) > MAX_LABEL_LENGTH or label[0] in ". " or label[-1] in ". "
            or not all(c.isalnum() or c in LABEL_EXTRA_CHARS for c in label)
            or label.split(".")[0].lower() in WINDOWS_RESERVED):
        raise ValueError(f"label {label!r} is not a safe folder name (use letters, digits, space, _ - + .)")
    return label


@dataclass
class Sample:
    """The current state of one sample (its ``add`` line with later events folded in)."""

    id: str
    label: str
    predicted: str | None = None
    probabilities: dict[str, float] | None = None
    model: str | None = None
    source: str | None = None
    frame: int | None = None
    timestamp: str = ""
    box: list[float] | None = None
    keypoints: list[list[float]] | None = None
    correction: bool = False
    recovered: bool = False
    deleted: bool = False

    def relative_path(self) -> str:
        return f"{TRASH if self.deleted else self.label}/{self.id}{IMAGE_SUFFIX}"

    def add_event(self) -> dict[str, Any]:
        return {"event": "add", "id": self.id, "label": self.label, "predicted": self.predicted,
                "probabilities": self.probabilities, "model": self.model, "source": self.source,
                "frame": self.frame, "timestamp": self.timestamp, "box": self.box,
                "keypoints": self.keypoints, "correction": self.correction, "recovered": self.recovered}


@dataclass
class ReconcileReport:
    """What ``reconcile`` found and did. Every list holds sample ids unless it says paths."""

    samples: int = 0
    recovered: list[str] = field(default_factory=list)  # image without a line: line added
    missing: list[str] = field(default_factory=list)  # line without an image: kept, reported
    relocated: list[str] = field(default_factory=list)  # move interrupted by a crash: event added
    duplicates_removed: list[str] = field(default_factory=list)  # second hard link of a move removed
    conflicts: list[str] = field(default_factory=list)  # two different files with one id: both kept
    temp_completed: list[str] = field(default_factory=list)  # complete temp image moved into place
    temp_removed: list[str] = field(default_factory=list)  # paths of incomplete temp images removed
    partial_line: str | None = None  # path the half-written last manifest line was moved to
    bad_lines: list[int] = field(default_factory=list)  # 1-based manifest lines that are not JSON
    trash_orphans: list[str] = field(default_factory=list)  # unknown images in .trash: left there

    @property
    def clean(self) -> bool:
        return not any((self.recovered, self.missing, self.relocated, self.duplicates_removed,
                        self.conflicts, self.temp_completed, self.temp_removed, self.partial_line,
                        self.bad_lines, self.trash_orphans))

    def lines(self) -> list[str]:
        out = [f"dataset: {self.samples} samples" + (", consistent" if self.clean else "")]
        for name, ids, what in (
                ("recovered", self.recovered, "images without a manifest line, added back"),
                ("missing", self.missing, "manifest lines whose image is gone (kept in the manifest)"),
                ("relocated", self.relocated, "interrupted relabel/delete, completed"),
                ("duplicates removed", self.duplicates_removed, "leftover links of an interrupted move"),
                ("conflicts", self.conflicts, "ids with two different images, both kept"),
                ("temp completed", self.temp_completed, "complete images left in temp files, stored"),
                ("temp removed", self.temp_removed, "incomplete temp images, removed"),
                ("trash orphans", self.trash_orphans, "unknown images in .trash, left there")):
            if ids:
                shown = ", ".join(ids[:5]) + (f" (+{len(ids) - 5} more)" if len(ids) > 5 else "")
                out.append(f"{name}: {len(ids)} {what}: {shown}")
        if self.bad_lines:
            out.append(f"bad manifest lines (not JSON, skipped): {self.bad_lines[:10]}")
        if self.partial_line:
            out.append(f"half-written last manifest line moved to {self.partial_line}")
        return out

    def format(self) -> str:
        return "\n".join(self.lines())


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":  # directories cannot be opened for fsync on Windows; NTFS journals renames
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` (never replacing anything), write all of ``data``, flush it to the disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _place(src: Path, dst: Path) -> None:
    """Give ``src`` the name ``dst`` without ever replacing an existing ``dst`` (FileExistsError),
    then drop the old name. A crash in between leaves two links to one file, which reconcile tidies."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as exc:  # filesystems without hard links (FAT, some network shares)
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if dst.exists():
            raise FileExistsError(errno.EEXIST, "file exists", str(dst)) from None
        os.replace(src, dst)
        return
    os.unlink(src)


def _complete_png(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return (data.startswith(b"\x89PNG\r\n\x1a\n") and data[-12:-8] == b"\x00\x00\x00\x00"
            and data[-8:-4] == b"IEND" and cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is not None)


def _as_list(value: Any) -> Any:
    if value is None:
        return None
    return np.asarray(value, dtype=float).round(2).tolist()


class SampleStore:
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
            if _valid_event(event):
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
                    sample.correction = sample.predicted is not None and not _same(sample.label, sample.predicted)
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
                    source: str | None = None, frame: int | None = None,
                    correction: bool | None = None) -> Sample:
        label = validate_label(label)
        self._check_case_collision(label)
        if correction is None:
            correction = predicted is not None and not _same(label, predicted)
        probs = None if probabilities is None else {str(k): round(float(v), 5) for k, v in probabilities.items()}
        return Sample(id=new_sample_id(), label=label, predicted=predicted, probabilities=probs, model=model,
                      source=source, frame=None if frame is None else int(frame), timestamp=utc_now(),
                      box=_as_list(box), keypoints=_as_list(keypoints), correction=bool(correction))

    def save(self, frame_bgr: np.ndarray, box: Sequence[float], keypoints: Any, label: str, **info: Any) -> Sample:
        """Crop the face with the app's one crop function and store it under ``label``. ``info``:
        predicted, probabilities (dict label → p), model, source, frame, correction (default: the
        label differs from the prediction). On an OSError raises StoreError; the sample then waits in
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
                _write_new_file(temp, png.tobytes())
                _place(temp, final)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
            _fsync_dir(folder)
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
            _place(src_path, dst_path)
            _fsync_dir(dst_path.parent)
            _fsync_dir(src_path.parent)
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
        correction = sample.predicted is not None and not _same(new_label, sample.predicted)
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
        correction = sample.predicted is not None and not _same(event["label"], sample.predicted)
        self._append_or_fail({"event": "undo", "id": sid, "event_id": new_sample_id(),
                              "undoes": target["event_id"], **event, "correction": correction,
                              "timestamp": utc_now()})
        return sid

    # ----- crash recovery

    def reconcile(self) -> ReconcileReport:
        """Bring manifest and folders back into agreement after a crash; see the module docstring.
        Runs on open; safe to run any time (it only appends, completes or removes temp files)."""
        report = ReconcileReport()
        try:
            self._repair_partial_line(report)
            events, report.bad_lines = self._read_events()
            state = self._fold(events)
            found = self._scan(report)
            for sid, paths in sorted(found.items()):
                sample = state.get(sid)
                if sample is None:
                    self._recover_orphan(sid, paths, report)
                    continue
                expected = self.root / sample.relative_path()
                if expected in paths:
                    self._drop_extra_links(sid, expected, [p for p in paths if p != expected], report)
                elif len(paths) == 1:
                    self._record_relocation(sample, paths[0], report)
                else:
                    report.conflicts.append(sid)
            report.missing = [sid for sid, s in sorted(state.items()) if not s.deleted and sid not in found]
            report.samples = sum(not s.deleted for s in self._fold(self._read_events()[0]).values())
        except OSError as exc:
            raise StoreError(f"cannot check dataset {self.root}: {exc.strerror or exc}") from None
        return report

    def _repair_partial_line(self, report: ReconcileReport) -> None:
        """A crash mid-append leaves a last line without its newline (or not JSON): move it aside to
        ``manifest.partial-<time>.txt`` and truncate the manifest to the last good line."""
        data = self.manifest_path.read_bytes() if self.manifest_path.exists() else b""
        if not data:
            return
        cut = len(data) if data.endswith(b"\n") else data.rfind(b"\n") + 1
        if cut == len(data):  # ends with a newline: is its last line whole JSON?
            start = data.rfind(b"\n", 0, len(data) - 1) + 1
            try:
                json.loads(data[start:])
                return
            except (json.JSONDecodeError, UnicodeDecodeError):
                cut = start
        tail = data[cut:]
        aside = self.root / f"manifest.partial-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}.txt"
        _write_new_file(aside, tail)
        os.truncate(self.manifest_path, cut)
        os.fsync(self._manifest_fd)
        _fsync_dir(self.root)
        report.partial_line = aside.name

    def _scan(self, report: ReconcileReport) -> dict[str, list[Path]]:
        """Every ``<id>.png`` under the label folders and .trash; temp files completed or removed."""
        found: dict[str, list[Path]] = {}
        folders = [p for p in self.root.iterdir() if p.is_dir() and (not p.name.startswith(".") or p.name == TRASH)]
        for folder in sorted(folders):
            for path in sorted(folder.iterdir()):
                name = path.name
                if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                    self._finish_temp(path, report)
        for folder in sorted(folders):
            for path in sorted(folder.iterdir()):
                if path.suffix == IMAGE_SUFFIX and ID_PATTERN.match(path.stem) and path.is_file():
                    found.setdefault(path.stem, []).append(path)
        return found

    def _finish_temp(self, temp: Path, report: ReconcileReport) -> None:
        sid = temp.name[1:-len(TEMP_SUFFIX)]
        final = temp.with_name(f"{sid}{IMAGE_SUFFIX}")
        if ID_PATTERN.match(sid) and temp.parent.name != TRASH and not final.exists() and _complete_png(temp):
            _place(temp, final)
            _fsync_dir(temp.parent)
            report.temp_completed.append(sid)
        else:
            temp.unlink()
            _fsync_dir(temp.parent)
            report.temp_removed.append(str(temp.relative_to(self.root)))

    def _recover_orphan(self, sid: str, paths: list[Path], report: ReconcileReport) -> None:
        labelled = [p for p in paths if p.parent.name != TRASH]
        if not labelled:
            report.trash_orphans.append(sid)
            return
        path = labelled[0]
        stamp = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="milliseconds")
        self._append(Sample(id=sid, label=path.parent.name, timestamp=stamp, recovered=True).add_event())
        report.recovered.append(sid)
        if len(labelled) > 1 or len(paths) > 1:
            report.conflicts.append(sid)

    def _drop_extra_links(self, sid: str, keep: Path, extra: list[Path], report: ReconcileReport) -> None:
        for path in extra:
            if os.path.samefile(path, keep):  # the old name of an interrupted move
                path.unlink()
                _fsync_dir(path.parent)
                report.duplicates_removed.append(sid)
            elif sid not in report.conflicts:
                report.conflicts.append(sid)

    def _record_relocation(self, sample: Sample, path: Path, report: ReconcileReport) -> None:
        """The file moved but the crash came before its event: write the event the move meant."""
        base = {"id": sample.id, "event_id": new_sample_id(), "timestamp": utc_now(), "recovered": True}
        if path.parent.name == TRASH:
            self._append({"event": "delete", **base, "label": sample.label})
        else:
            to = path.parent.name
            event = "undo" if sample.deleted else "relabel"
            extra = {"deleted": False, "label": to, "undoes": None} if sample.deleted else {"from": sample.label, "to": to}
            self._append({"event": event, **base, **extra,
                          "correction": sample.predicted is not None and not _same(to, sample.predicted)})
        report.relocated.append(sample.id)


def _valid_event(event: Any) -> bool:
    """Shape check, and no label that could point outside the dataset (a hand-edited manifest)."""
    if not isinstance(event, dict) or event.get("event") not in EVENTS:
        return False
    if not isinstance(event.get("id"), str) or not ID_PATTERN.match(event["id"]):
        return False
    key = {"add": "label", "relabel": "to", "delete": "label", "undo": "label"}[event["event"]]
    try:
        validate_label(event.get(key))
    except ValueError:
        return event["event"] == "undo" and key not in event
    return True


def _same(label: str, predicted: str) -> bool:
    """A prediction 'happy' from a FER model confirms the label 'Happy': compare without case."""
    return label.casefold() == predicted.casefold()
