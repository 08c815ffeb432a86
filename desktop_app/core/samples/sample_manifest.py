"""The dataset's event log, ``manifest.jsonl``: one reader and one fold that everything uses (the
store, its crash recovery, and ``model_training`` reading a captured dataset), so a line means the
same thing to the app and to training.

``read_manifest`` and ``fold`` are pure and take no lock: a reader never blocks the app that is
capturing. ``Manifest`` adds the one writer's append (used by ``SampleStore`` and ``reconcile``).
Rules: a line must be a JSON object with a known ``event`` (a line without one is not an add), an
``id`` of 32 hex digits (so no ``../`` can reach outside the dataset) and a safe label; anything
else is a bad line, skipped and reported, and never changes a sample (a relabel ``"to": null`` is
ignored, not a deletion).
"""
from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.samples.sample_records import MANIFEST, Sample, StoreError, same_label, valid_event


@dataclass
class ManifestContents:
    events: list[dict[str, Any]] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)  # 1-based numbers of lines that were skipped


def read_manifest(path: Path | str) -> ManifestContents:
    """Every valid event of the log in order; a missing file is an empty log. Raises OSError only
    when the file exists and cannot be read."""
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ManifestContents()
    contents = ManifestContents()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except (json.JSONDecodeError, RecursionError):  # a cut line, or one nested too deeply to parse
            contents.bad_lines.append(number)
            continue
        if valid_event(event):
            contents.events.append(event)
        else:
            contents.bad_lines.append(number)
    return contents


def fold(events: list[dict[str, Any]]) -> dict[str, Sample]:
    """The current state of every sample the events name (deleted ones included, marked)."""
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


def current_samples(root: Path | str) -> tuple[dict[str, Sample], list[int]]:
    """Read and fold ``root/manifest.jsonl``: (samples by id, bad line numbers). Lock-free."""
    contents = read_manifest(Path(root) / MANIFEST)
    return fold(contents.events), contents.bad_lines


class Manifest:
    """The log of one open dataset: reads through ``read_manifest``, appends one fsynced line at a time."""

    def __init__(self, root: Path) -> None:
        self.path = root / MANIFEST
        self.fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def read(self) -> ManifestContents:
        return read_manifest(self.path)

    def samples(self) -> dict[str, Sample]:
        return fold(self.read().events)

    def append(self, event: dict[str, Any]) -> None:
        """One line, one ``write`` on an O_APPEND descriptor, fsynced before returning."""
        if self.fd is None:
            raise StoreError(f"manifest {self.path} is closed")
        line = (json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        written = os.write(self.fd, line)
        if written != len(line):  # a short write (disk full) leaves a half line for reconcile
            raise OSError(errno.ENOSPC, "short write to the manifest")
        os.fsync(self.fd)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
