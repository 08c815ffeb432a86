"""What a dataset sample is and which names and labels are allowed, kept apart from the code that
writes files so that the store, its crash recovery and the capture tools share one definition.

Layout (read directly by model_training)::

    <dataset>/<label>/<id>.png      224×224 face crop made by ``crop_face`` (margin CROP_MARGIN)
    <dataset>/manifest.jsonl        append-only event log, one JSON object per line
    <dataset>/.trash/<id>.png       deleted samples (undo brings them back)

The manifest is an event log: ``add`` (a new sample, with everything known about it), ``relabel``,
``delete`` and ``undo``; ``valid_event`` is the shape every line must have.
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from desktop_app.core.errors import UserError

CROP_SIZE = 224  # AffectNet's crop side: captured samples, cached ':crop' faces and bench-scale's set match it
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


class StoreError(UserError, RuntimeError):
    """The dataset could not be written or read; the message is meant for the user as it is."""


def new_sample_id() -> str:
    """32 hex digits, time-ordered like UUIDv7: 48-bit Unix milliseconds, then 80 random bits, so ids
    sort by capture time and never collide across runs or machines."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.randbits(80):020x}"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


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
    model: str | None = None  # the model's spec name
    model_path: str | None = None  # the .tflite it was loaded from, as the program was given it
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
                "probabilities": self.probabilities, "model": self.model, "model_path": self.model_path,
                "source": self.source,
                "frame": self.frame, "timestamp": self.timestamp, "box": self.box,
                "keypoints": self.keypoints, "correction": self.correction, "recovered": self.recovered}


def valid_event(event: Any) -> bool:
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


def same_label(label: str, predicted: str) -> bool:
    """A prediction 'happy' from a FER model confirms the label 'Happy': compare without case."""
    return label.casefold() == predicted.casefold()


def _as_list(value: Any) -> Any:
    if value is None:
        return None
    return np.asarray(value, dtype=float).round(2).tolist()
