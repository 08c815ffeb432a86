"""Crash recovery for the sample store, kept apart from normal saving so the repair rules read on
their own. The store writes so that nothing is ever lost: a crash, a kill or a full disk leaves
either a sample that is complete on disk and in the manifest, or one that ``reconcile`` finds and
repairs the next time the dataset is opened. Manifest lines are only ever appended, each one after
the file it describes is in place, so the log never names an image that a crash could have lost,
and an image without its line is put back here.

``reconcile`` works on a dataset folder and its open ``Manifest`` (the store's), nothing else.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.core.samples.durable_files import complete_png, fsync_dir, place, write_new_file
from desktop_app.core.samples.sample_manifest import Manifest, fold
from desktop_app.core.samples.sample_records import (
    ID_PATTERN,
    IMAGE_SUFFIX,
    TEMP_SUFFIX,
    TRASH,
    Sample,
    StoreError,
    new_sample_id,
    same_label,
    utc_now,
)


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


def reconcile(root: Path, manifest: Manifest) -> ReconcileReport:
    """Bring manifest and folders back into agreement after a crash; see the module docstring.
    Runs on open; safe to run any time (it only appends, completes or removes temp files)."""
    report = ReconcileReport()
    try:
        _repair_partial_line(root, manifest, report)
        contents = manifest.read()
        report.bad_lines = contents.bad_lines
        state = fold(contents.events)
        found = _scan(root, report)
        for sid, paths in sorted(found.items()):
            sample = state.get(sid)
            if sample is None:
                _recover_orphan(manifest, sid, paths, report)
                continue
            expected = root / sample.relative_path()
            if expected in paths:
                _drop_extra_links(sid, expected, [p for p in paths if p != expected], report)
            elif len(paths) == 1:
                _record_relocation(manifest, sample, paths[0], report)
            else:
                report.conflicts.append(sid)
        report.missing = [sid for sid, s in sorted(state.items()) if not s.deleted and sid not in found]
        report.samples = sum(not s.deleted for s in manifest.samples().values())
    except OSError as exc:
        raise StoreError(f"cannot check dataset {root}: {exc.strerror or exc}") from None
    return report


def _repair_partial_line(root: Path, manifest: Manifest, report: ReconcileReport) -> None:
    """A crash mid-append leaves a last line without its newline (or not JSON): move it aside to
    ``manifest.partial-<time>.txt`` and truncate the manifest to the last good line."""
    data = manifest.path.read_bytes() if manifest.path.exists() else b""
    if not data:
        return
    cut = len(data) if data.endswith(b"\n") else data.rfind(b"\n") + 1
    if cut == len(data):  # ends with a newline: is its last line whole JSON?
        start = data.rfind(b"\n", 0, len(data) - 1) + 1
        try:
            json.loads(data[start:])
            return
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            cut = start
    tail = data[cut:]
    aside = root / f"manifest.partial-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.txt"
    write_new_file(aside, tail)
    os.truncate(manifest.path, cut)
    if manifest.fd is not None:
        os.fsync(manifest.fd)
    fsync_dir(root)
    report.partial_line = aside.name


def _scan(root: Path, report: ReconcileReport) -> dict[str, list[Path]]:
    """Every ``<id>.png`` under the label folders and .trash; temp files completed or removed."""
    found: dict[str, list[Path]] = {}
    folders = [p for p in root.iterdir() if p.is_dir() and (not p.name.startswith(".") or p.name == TRASH)]
    for folder in sorted(folders):
        for path in sorted(folder.iterdir()):
            name = path.name
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                _finish_temp(root, path, report)
    for folder in sorted(folders):
        for path in sorted(folder.iterdir()):
            if path.suffix == IMAGE_SUFFIX and ID_PATTERN.match(path.stem) and path.is_file():
                found.setdefault(path.stem, []).append(path)
    return found


def _finish_temp(root: Path, temp: Path, report: ReconcileReport) -> None:
    sid = temp.name[1:-len(TEMP_SUFFIX)]
    final = temp.with_name(f"{sid}{IMAGE_SUFFIX}")
    if ID_PATTERN.match(sid) and temp.parent.name != TRASH and not final.exists() and complete_png(temp):
        place(temp, final)
        fsync_dir(temp.parent)
        report.temp_completed.append(sid)
    else:
        temp.unlink()
        fsync_dir(temp.parent)
        report.temp_removed.append(str(temp.relative_to(root)))


def _recover_orphan(manifest: Manifest, sid: str, paths: list[Path], report: ReconcileReport) -> None:
    labelled = [p for p in paths if p.parent.name != TRASH]
    if not labelled:
        report.trash_orphans.append(sid)
        return
    path = labelled[0]
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="milliseconds")
    manifest.append(Sample(id=sid, label=path.parent.name, timestamp=stamp, recovered=True).add_event())
    report.recovered.append(sid)
    if len(labelled) > 1 or len(paths) > 1:
        report.conflicts.append(sid)


def _drop_extra_links(sid: str, keep: Path, extra: list[Path], report: ReconcileReport) -> None:
    for path in extra:
        if os.path.samefile(path, keep):  # the old name of an interrupted move
            path.unlink()
            fsync_dir(path.parent)
            report.duplicates_removed.append(sid)
        elif sid not in report.conflicts:
            report.conflicts.append(sid)


def _record_relocation(manifest: Manifest, sample: Sample, path: Path, report: ReconcileReport) -> None:
    """The file moved but the crash came before its event: write the event the move meant."""
    base = {"id": sample.id, "event_id": new_sample_id(), "timestamp": utc_now(), "recovered": True}
    if path.parent.name == TRASH:
        manifest.append({"event": "delete", **base, "label": sample.label})
    else:
        to = path.parent.name
        event = "undo" if sample.deleted else "relabel"
        extra = {"deleted": False, "label": to, "undoes": None} if sample.deleted else {"from": sample.label, "to": to}
        manifest.append({"event": event, **base, **extra,
                         "correction": sample.predicted is not None and not same_label(to, sample.predicted)})
    report.relocated.append(sample.id)
