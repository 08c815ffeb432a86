"""Fine-tuning the loaded model on a captured dataset, without Qt and without TensorFlow: the commands of
``python -m model_training train|export``, where their files go, and the lines they print.

The window runs the two commands in a separate process (``ui/fine_tune_dialog.py``) and reads their
standard output line by line through ``OutputReader``:

- ``progress {"phase": ..., "epoch": E, "epochs": T, "loss": L, "val_balanced_accuracy": B,
  "elapsed_s": S, "eta_s": R}`` once per epoch (E is 1-based over the whole run);
- ``done {"run_dir": ..., "best_balanced_accuracy": B, "report": ...}`` at the end of training;
- ``error: ...`` (stderr, exit code 2) for bad input; anything else is free text, of which the last
  few lines are kept for an error message.

Nothing here writes to the dataset: training only reads it, and every output goes under
``<state folder>/fine-tuned/<UTC time>/``.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop_app.core.media.image_files import IMAGE_SUFFIXES

TRAINING_MODULES = ("tensorflow", "keras")  # what ``model_training`` needs and the app never imports
INSTALL_HINT = "pip install -r model_training/requirements.txt"
VAL_SPLIT = 0.2
MIN_LABELS = 2  # a classifier needs at least two classes ...
MIN_PER_LABEL = 5  # ... and a few samples of each, some of which go to validation
TAIL_LINES = 8  # free-text output lines kept for an error message
FOLDER = "fine-tuned"


def missing_requirements(find_spec: Callable[[str], object] = importlib.util.find_spec) -> list[str]:
    """The training modules that are not installed (looked up, never imported)."""
    missing = []
    for name in TRAINING_MODULES:
        try:
            found = find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is None:
            missing.append(name)
    return missing


def requirements_message(missing: Sequence[str]) -> str:
    return (f"Fine-tuning needs the training requirements ({', '.join(missing)} not installed). Install them "
            f"into this Python with:\n\n    {INSTALL_HINT}\n\n(run from the project folder), then try again.")


def label_counts(dataset: Path | str) -> Counter[str]:
    """Images per label folder, as training reads them (dot-folders such as ``.trash`` are not labels)."""
    root = Path(dataset)
    counts: Counter[str] = Counter()
    if not root.is_dir():
        return counts
    for folder in root.iterdir():
        if folder.is_dir() and not folder.name.startswith("."):
            n = sum(1 for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES and f.is_file())
            if n:
                counts[folder.name] = n
    return counts


def dataset_problem(dataset: Path | str) -> str | None:
    """Why ``dataset`` cannot be trained on yet (None when it can): too few labels or samples."""
    if not Path(dataset).is_dir():
        return f"the dataset folder {dataset} does not exist yet: capture some samples first"
    counts = label_counts(dataset)
    enough = [label for label, n in counts.items() if n >= MIN_PER_LABEL]
    if len(enough) < MIN_LABELS:
        have = ", ".join(f"{label} {n}" for label, n in sorted(counts.items())) or "no samples"
        return (f"the dataset {dataset} needs at least {MIN_LABELS} labels with {MIN_PER_LABEL} or more samples "
                f"each to fine-tune on (it has: {have})")
    few = sorted((label, n) for label, n in counts.items() if n < MIN_PER_LABEL)
    if few:  # one stray key press: training would refuse it or learn nothing from it
        have = ", ".join(f"{label} has {n}" for label, n in few)
        return (f"every label needs {MIN_PER_LABEL} or more samples ({have}): capture more of "
                f"{'it' if len(few) == 1 else 'them'}, or delete {'it' if len(few) == 1 else 'them'} "
                "with Review dataset…")
    return None


def report_summary(report: Path | str) -> str | None:
    """Old and new models on the held-out crops, from training's ``finetune_report.json``: "held-out
    balanced accuracy 0.67 → 1.00 (old → new) on 40 faces", their calibration error when the report has
    it, and, when the held-out faces are not from other clips than the training faces, what that means
    (training's own sentence). None when the report cannot be read."""
    try:
        data = json.loads(Path(report).read_text(encoding="utf-8"))
        old, new = float(data["base_balanced_accuracy"]), float(data["fine_tuned_balanced_accuracy"])
        held_out = int(data["held_out"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    text = f"held-out balanced accuracy {old:.2f} → {new:.2f} (old → new) on {held_out} faces"
    try:
        text += (f"; calibration error {float(data['base_calibration_error']):.2f} → "
                 f"{float(data['fine_tuned_calibration_error']):.2f} (0: as sure as it is right)")
    except (KeyError, TypeError, ValueError):
        pass  # a report from before calibration was measured
    caution = data.get("held_out_caution")  # set when the held-out faces may be near-copies of training's
    if isinstance(caution, str) and caution:
        text += f". Caution: {caution}"
    return text


@dataclass(frozen=True)
class JobPaths:
    """Where one fine-tuning run writes: ``folder`` holds the training run and the exported model."""

    folder: Path
    run_dir: Path
    model: Path  # the exported .tflite (its spec .json beside it)

    @classmethod
    def new(cls, state_dir: Path | str, now: datetime | None = None) -> JobPaths:
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        folder = Path(state_dir) / FOLDER / stamp
        return cls(folder, folder / "run", folder / f"fine_tuned_{stamp}.tflite")


def training_command(prefix: Sequence[str] | None = None) -> list[str]:
    """How the training CLI is started: this Python, ``-m model_training``."""
    return list(prefix) if prefix is not None else [sys.executable, "-m", "model_training"]


def train_argv(base_model: Path | str, dataset: Path | str, run_dir: Path | str,
               prefix: Sequence[str] | None = None) -> list[str]:
    return [*training_command(prefix), "train", "--init-from", str(base_model), "--train", str(dataset),
            "--val-split", str(VAL_SPLIT), "--out", str(run_dir), "--progress-json"]


def export_argv(run_dir: Path | str, out: Path | str, prefix: Sequence[str] | None = None) -> list[str]:
    return [*training_command(prefix), "export", str(run_dir), "--out", str(out)]


@dataclass(frozen=True)
class Progress:
    phase: str
    epoch: int
    epochs: int
    loss: float
    val_balanced_accuracy: float | None
    elapsed_s: float
    eta_s: float | None

    @property
    def fraction(self) -> float:
        return min(1.0, self.epoch / self.epochs) if self.epochs > 0 else 0.0


@dataclass(frozen=True)
class Done:
    run_dir: str
    best_balanced_accuracy: float | None
    report: str


def _number(value, name: str, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} is not a number: {value!r}")
    return float(value)


def parse_line(line: str) -> Progress | Done | None:
    """A ``progress`` or ``done`` line as data; None for free text (including a malformed event line,
    which is kept as text rather than ending the run)."""
    word, _, rest = line.strip().partition(" ")
    if word not in ("progress", "done") or not rest.startswith("{"):
        return None
    try:
        data = json.loads(rest)
        if not isinstance(data, dict):
            return None
        if word == "progress":
            epoch, epochs = int(_number(data["epoch"], "epoch")), int(_number(data["epochs"], "epochs"))
            return Progress(str(data.get("phase", "")), epoch, epochs, _number(data["loss"], "loss"),
                            _number(data.get("val_balanced_accuracy"), "val_balanced_accuracy", True),
                            _number(data.get("elapsed_s", 0.0), "elapsed_s"),
                            _number(data.get("eta_s"), "eta_s", True))
        return Done(str(data["run_dir"]), _number(data.get("best_balanced_accuracy"), "best", True),
                    str(data.get("report", "")))
    except (ValueError, KeyError, TypeError):
        return None


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_progress(p: Progress) -> str:
    """``epoch 3/12 · loss 0.41 · balanced acc 0.78 · 40 s left``"""
    parts = [f"epoch {p.epoch}/{p.epochs}", f"loss {p.loss:.2f}"]
    if p.val_balanced_accuracy is not None:
        parts.append(f"balanced acc {p.val_balanced_accuracy:.2f}")
    if p.eta_s is not None:
        parts.append(f"{format_duration(p.eta_s)} left")
    return " · ".join(parts)


class OutputReader:
    """Splits a process's output into lines (chunks may end mid-line), turns event lines into data and
    keeps the last few free-text lines, the ``error:`` line first among them, for a failure message."""

    def __init__(self, keep: int = TAIL_LINES) -> None:
        self.tail: deque[str] = deque(maxlen=keep)
        self.error_line: str | None = None
        self.last_progress: Progress | None = None
        self.done: Done | None = None
        self._partial = {"out": "", "err": ""}

    def feed(self, text: str, stream: str = "out") -> list[Progress | Done]:
        """Add output of ``stream`` ("out" or "err"); returns the events completed by it."""
        lines = (self._partial[stream] + text).split("\n")
        self._partial[stream] = lines.pop()
        return [e for e in (self._line(line) for line in lines) if e is not None]

    def finish(self) -> list[Progress | Done]:
        """The process ended: its unterminated last lines count too."""
        events = []
        for stream in ("out", "err"):
            rest, self._partial[stream] = self._partial[stream], ""
            if rest:
                event = self._line(rest)
                if event is not None:
                    events.append(event)
        return events

    def _line(self, line: str) -> Progress | Done | None:
        line = line.rstrip("\r")
        event = parse_line(line)
        if isinstance(event, Progress):
            self.last_progress = event
        elif isinstance(event, Done):
            self.done = event
        elif line.strip():
            if line.startswith("error:"):
                self.error_line = line
            self.tail.append(line)
        return event

    def failure_text(self, step: str, exit_code: int) -> str:
        """One line for the user: the CLI's own ``error:`` line when it gave one, else the last output."""
        if self.error_line:  # exit 2: the CLI refused its input or stopped a run that went wrong
            verb = "stopped" if exit_code == 2 else "failed"
            return f"{step} {verb}: {self.error_line[len('error:'):].strip()}"
        tail = " / ".join(list(self.tail)[-3:])
        return f"{step} failed (exit code {exit_code})" + (f": {tail}" if tail else "")
