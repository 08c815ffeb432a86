"""``audit``: rank every image of a labelled dataset by how suspect its label is.

One pass over the images, in listing order: each image is read once, classified (in batches, through
the same ``prepare_batch`` and predictor as ``evaluate``), measured by the landmark model and hashed;
only a few numbers per image are kept (about 100 bytes, no pixels), so AffectNet's 287k images fit in
tens of megabytes. Then the evidence is scored (``audit_scores``) and written:
``DIR/suspects.csv`` (``path,label,suggested,score,reasons``, most suspect first) and
``DIR/suspects.png``, a contact sheet of the top suspects with their landmarks.
"""
from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from desktop_app.core.detection.face_geometry import EXPRESSION_FEATURES, face_geometry
from desktop_app.core.detection.face_landmarks import FaceLandmarker
from desktop_app.core.expression.preprocessing import prepare_batch
from desktop_app.core.paths import DEFAULT_MODEL
from model_training.audit.audit_scores import combine, duplicate_evidence, geometry_evidence, model_evidence
from model_training.audit.predictors import load_predictor
from model_training.data.datasets import Source, list_examples
from model_training.data.image_reading import decode_image
from model_training.data.labels import AFFECTNET_CLASSES, NUM_CLASSES, DataError
from model_training.data.near_duplicates import HASH_BYTES, dhash, near_duplicate_pairs
from model_training.data.output_places import check_not_in_dataset, check_writable
from model_training.data.run_files import replacing, write_png

BATCH = 64
CSV_NAME, SHEET_NAME = "suspects.csv", "suspects.png"
TILE, SHEET_COLUMNS = 160, 8
SUSPECT_SCORE = 0.5  # what the summary counts as a suspect


@dataclass
class Suspect:
    path: str
    label: int
    suggested: int
    score: float
    reasons: str


@dataclass
class AuditResult:
    suspects: list[Suspect]  # every readable image, most suspect first
    skipped: Counter
    out_dir: Path
    seconds: float
    written: list[Path]  # the files this audit wrote (the summary names only these)

    def summary(self) -> str:
        """Per class: images, suspects (score ≥ 0.5), mean score and the label most often suggested."""
        lines = [f"{'class':<10} {'images':>7} {'suspects':>9} {'mean score':>11}  most suggested instead"]
        for c, name in enumerate(AFFECTNET_CLASSES):
            rows = [s for s in self.suspects if s.label == c]
            if not rows:
                continue
            flagged = [s for s in rows if s.score >= SUSPECT_SCORE]
            instead = Counter(AFFECTNET_CLASSES[s.suggested] for s in flagged if s.suggested >= 0)
            top = ", ".join(f"{k} {v}" for k, v in instead.most_common(2)) or "-"
            lines.append(f"{name:<10} {len(rows):>7} {len(flagged):>9} "
                         f"{np.mean([s.score for s in rows]):>11.3f}  {top}")
        n = len(self.suspects)
        lines.append(f"{n} images in {self.seconds:.1f} s ({n / max(self.seconds, 1e-9):.0f} images/s)")
        if self.skipped:
            lines.append("skipped: " + "; ".join(f"{k}: {v}" for k, v in sorted(self.skipped.items())))
        lines.append("written: " + ", ".join(str(p) for p in self.written))
        return "\n".join(lines)


class Progress:
    """One line with the count, the rate and the time left: rewritten in place on a terminal, a new
    line every ``quiet_every`` seconds otherwise (a log file stays short)."""

    def __init__(self, total: int, stream: TextIO | None = None, every: float = 0.5, quiet_every: float = 15.0):
        self.total, self.stream = total, stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = every if self.tty else quiet_every
        self.start = self.last = time.perf_counter()

    def line(self, done: int) -> str:
        elapsed = time.perf_counter() - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        left = (self.total - done) / rate if rate > 0 else 0.0
        return (f"audit {done}/{self.total} images, {rate:.1f} images/s, "
                f"{int(left // 60)}:{int(left % 60):02d} left")

    def update(self, done: int, force: bool = False) -> None:
        now = time.perf_counter()
        if force or now - self.last >= self.every:
            self.last = now
            self.stream.write(("\r" if self.tty else "") + self.line(done) + ("" if self.tty else "\n"))
            self.stream.flush()

    def finish(self, done: int) -> None:
        self.update(done, force=True)
        if self.tty:
            self.stream.write("\n")


@dataclass
class Measurements:
    """What the pass keeps per image: a few numbers, no pixels."""
    probs: np.ndarray      # (N, 8) model probabilities over AffectNet's classes
    features: np.ndarray   # (N, len(EXPRESSION_FEATURES)), NaN where not measured
    presence: np.ndarray   # (N,) the landmark model's face presence
    hashes: np.ndarray     # (N, HASH_BYTES) packed difference hashes
    readable: np.ndarray   # (N,) bool


def measure(examples: list, predictor, geometry: bool, bar: Progress, skipped: Counter) -> Measurements:
    """Read each image once: hash it, measure its landmarks, classify it (in batches)."""
    n = len(examples)
    m = Measurements(np.zeros((n, NUM_CLASSES), np.float32),
                     np.full((n, len(EXPRESSION_FEATURES)), np.nan, np.float32), np.zeros(n, np.float32),
                     np.zeros((n, HASH_BYTES), np.uint8), np.zeros(n, bool))
    crops, where = [], []
    landmarker = FaceLandmarker() if geometry else None
    try:
        for i, example in enumerate(examples):
            image, reason = decode_image(example.path)
            if image is None:
                skipped[reason] += 1
            else:
                m.readable[i] = True
                m.hashes[i] = dhash(image)
                if landmarker is not None:
                    marks = landmarker.in_crop(image)
                    m.presence[i] = marks.presence
                    m.features[i] = face_geometry(marks.points).vector(EXPRESSION_FEATURES)
                crops.append(image)
                where.append(i)
            if len(crops) == BATCH or (i == n - 1 and crops):
                m.probs[where] = predictor.predict(prepare_batch(crops, predictor.spec))
                crops, where = [], []
            bar.update(i + 1)
    finally:
        if landmarker is not None:
            landmarker.close()
    return m


def audit(data: list[str], out_dir: Path, model: Path | None = None, top: int = 48, geometry: bool = True,
          progress: TextIO | None = None) -> AuditResult:
    """Rank the images of ``data`` (dataset folders, as ``stats`` takes them) and write the report."""
    if top < 0:
        raise DataError(f"--top must be 0 or more, not {top}")
    sources = [Source.parse(s) for s in data]
    if any(s.crop for s in sources):
        raise DataError("audit reads face crops: a :crop source holds whole photos (crop them with train first)")
    listing = list_examples(sources)
    check_not_in_dataset(Path(out_dir), "--out", data)
    out_dir = Path(out_dir)
    try:  # before the model and the long pass: a report that cannot be written should not cost an hour first
        check_writable(out_dir)
    except (FileExistsError, NotADirectoryError):
        raise DataError(f"--out {out_dir} is a file, not a folder") from None
    predictor = load_predictor(Path(model) if model else DEFAULT_MODEL)
    covered = np.zeros(NUM_CLASSES, bool)
    covered[getattr(predictor, "columns", list(range(NUM_CLASSES)))] = True
    examples = listing.examples
    skipped = Counter(listing.skipped)
    started = time.perf_counter()
    bar = Progress(len(examples), progress)
    m = measure(examples, predictor, geometry, bar, skipped)
    keep = np.flatnonzero(m.readable)
    if len(keep) == 0:
        raise DataError(f"no readable images in {', '.join(data)}")
    bar.finish(len(examples))  # after the refusal above: a pass with nothing to rank is one error line
    labels = np.array([examples[i].label for i in keep])
    names = [examples[i].path for i in keep]
    evidence = {"model": model_evidence(m.probs[keep], labels, covered),
                "geometry": geometry_evidence(m.features[keep], m.presence[keep], labels),
                "duplicate": duplicate_evidence(near_duplicate_pairs(m.hashes[keep]), labels,
                                                [Path(p).name for p in names])}
    score, suggested, reasons = combine(evidence)
    order = np.argsort(-score, kind="stable")
    suspects = [Suspect(names[k], int(labels[k]), int(suggested[k]), float(score[k]), reasons[k]) for k in order]
    write_csv(suspects, out_dir / CSV_NAME)
    written = [out_dir / CSV_NAME]
    if suspects[:top]:
        write_contact_sheet(suspects[:top], out_dir / SHEET_NAME)
        written.append(out_dir / SHEET_NAME)
    return AuditResult(suspects, skipped, out_dir, time.perf_counter() - started, written)


def write_csv(suspects: list[Suspect], path: Path) -> None:
    with replacing(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "label", "suggested", "score", "reasons"])
        for s in suspects:
            writer.writerow([s.path, AFFECTNET_CLASSES[s.label],
                             AFFECTNET_CLASSES[s.suggested] if s.suggested >= 0 else "", f"{s.score:.4f}",
                             s.reasons])


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def tile(s: Suspect, rank: int, landmarker: FaceLandmarker | None) -> np.ndarray:
    """One suspect: the image with its landmarks, rank, score and label → suggestion beneath."""
    image, _ = decode_image(s.path)
    face = np.full((TILE, TILE, 3), 64, np.uint8) if image is None else cv2.resize(image, (TILE, TILE))
    if image is not None and landmarker is not None:
        marks = landmarker.in_crop(face)
        if marks.is_face:
            for x, y in marks.xy[::3]:
                cv2.circle(face, (int(x), int(y)), 1, (80, 220, 80), -1, cv2.LINE_AA)
    caption = np.full((36, TILE, 3), 255, np.uint8)
    suggestion = AFFECTNET_CLASSES[s.suggested] if s.suggested >= 0 else "?"
    cv2.putText(caption, f"#{rank} {s.score:.2f}", (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                cv2.LINE_AA)
    cv2.putText(caption, f"{AFFECTNET_CLASSES[s.label]} > {suggestion}", (4, 31), cv2.FONT_HERSHEY_SIMPLEX,
                0.45, (0, 0, 180), 1, cv2.LINE_AA)
    return np.vstack([face, caption])


def write_contact_sheet(suspects: list[Suspect], path: Path) -> None:
    """A grid of the top suspects (label > suggested, score); landmarks drawn where a face is found."""
    if not suspects:
        return
    with FaceLandmarker() as landmarker:
        tiles = [tile(s, r + 1, landmarker) for r, s in enumerate(suspects)]
    columns = min(SHEET_COLUMNS, len(tiles))
    blank = np.full_like(tiles[0], 255)
    tiles += [blank] * (-len(tiles) % columns)
    rows = [np.hstack(tiles[r:r + columns]) for r in range(0, len(tiles), columns)]
    write_png(path, np.vstack(rows))  # OpenCV's imwrite only returns False on a full disk
