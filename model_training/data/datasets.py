"""Dataset readers: AffectNet layout, the app's captured datasets and plain class-named folders.

A *source* is written ``DIR[:WEIGHT][:crop]`` on the command line: ``captured/:2.0`` gives each of its
samples twice the loss weight; ``photos/::crop`` (or ``photos/:1:crop``) marks images that are not face
crops yet, which training crops once with the app's detector and ``crop_face``. Readers only list
files; nothing is decoded here except by ``scan_unreadable``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.core.media.image_files import IMAGE_SUFFIXES
from desktop_app.core.samples.sample_manifest import current_samples
from desktop_app.core.samples.sample_records import ID_PATTERN, IMAGE_SUFFIX, MANIFEST
from model_training.data.exclusions import SKIP_REASON, drop_excluded
from model_training.data.image_reading import pixels_allowed
from model_training.data.labels import AFFECTNET_CLASSES, NUM_CLASSES, DataError, map_label
from model_training.data.valence_arousal import read_valence_arousal


@dataclass(frozen=True)
class Example:
    path: str
    label: int
    weight: float = 1.0
    valence_arousal: tuple[float, float] | None = None  # AffectNet's N_val/N_aro (data.valence_arousal)
    group: str | None = None  # where the face came from (a captured sample's clip or camera), when known


@dataclass(frozen=True)
class Source:
    path: Path
    weight: float = 1.0
    crop: bool = False  # images are whole photos: detect and crop the face first

    @classmethod
    def parse(cls, text: str) -> Source:
        """``DIR``, ``DIR:2.0``, ``DIR:2.0:crop`` or ``DIR::crop`` (a Windows drive letter is left alone)."""
        parts, weight, crop = text.split(":"), 1.0, False
        while len(parts) > 1 and (parts[-1] in ("crop", "") or _is_float(parts[-1])):
            tail = parts.pop()
            if tail == "crop":
                crop = True
            elif tail:
                weight = float(tail)
        path = ":".join(parts)
        if not 0 < weight < float("inf"):  # also refuses nan
            raise DataError(f"source {text!r}: weight must be a finite number above 0")
        return cls(Path(path), weight, crop)


@dataclass
class Listing:
    """What the readers found: the usable examples and what they left out, with reasons."""
    examples: list[Example]
    skipped: Counter

    def counts(self) -> np.ndarray:
        return np.bincount([e.label for e in self.examples], minlength=NUM_CLASSES)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _images_in(folder: Path) -> list[Path]:
    """Image files, hidden ones (a writer's temporary files) left out."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def _label_folders(root: Path) -> list[Path]:
    """Folders that are labels: not hidden, and not AffectNet's ``images/`` and ``annotations/``."""
    affectnet = (root / "images").is_dir() and (root / "annotations").is_dir()
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and not (affectnet and p.name in AFFECTNET_FOLDERS))


def detect_layouts(root: Path) -> list[str]:
    """Every layout ``root`` holds, all of which are read: a plain-folder dataset that the app captured
    into (label folders and a manifest) is read whole, never as its manifest alone."""
    if not root.is_dir():
        raise DataError(f"dataset not found: {root}")
    layouts = []
    if (root / "images").is_dir() and (root / "annotations").is_dir():
        layouts.append("affectnet")
    if (root / MANIFEST).is_file():
        layouts.append("captured")
    if not layouts and any((root / split / "images").is_dir() for split in ("train_set", "val_set")):
        raise DataError(f"{root} holds AffectNet's splits: point at {root / 'train_set'} or {root / 'val_set'}")
    if _label_folders(root):
        layouts.append("folders")
    if not layouts:
        raise DataError(f"{root}: not a dataset (expected images/ + annotations/, a {MANIFEST}, "
                        "or one folder per label)")
    return layouts


def detect_layout(root: Path) -> str:
    """The main layout (AffectNet, then captured, then folders); ``detect_layouts`` lists them all."""
    return detect_layouts(root)[0]


def read_affectnet(root: Path, weight: float, skipped: Counter) -> list[Example]:
    """``images/N.jpg`` with ``annotations/N_exp.npy`` (the class index as a string or number), and
    ``N_val.npy`` / ``N_aro.npy`` when the set has them (``valence_arousal``)."""
    examples = []
    for image in _images_in(root / "images"):
        ann = root / "annotations" / f"{image.stem}_exp.npy"
        if not ann.is_file():
            skipped["no annotation"] += 1
            continue
        try:
            label = int(np.load(ann, allow_pickle=False))
        except (OSError, ValueError, TypeError):
            skipped["unreadable annotation"] += 1
            continue
        if not 0 <= label < NUM_CLASSES:  # AffectNet's 8-10: none, uncertain, no face
            skipped[f"class {label} (not an expression)"] += 1
            continue
        va = read_valence_arousal(root / "annotations", image.stem, skipped)
        examples.append(Example(str(image), label, weight, va))
    return examples


def read_captured(root: Path, weight: float, skipped: Counter) -> list[Example]:
    """The app's SampleStore: ``<label>/<id>.png`` and its event log ``manifest.jsonl``, folded by the
    app's own reader (``desktop_app.core.samples.sample_manifest``: the same rules, no lock taken). Lines it
    refuses (not JSON, no event, an id that is not 32 hex digits, an unsafe label) are counted."""
    try:
        samples, bad_lines = current_samples(root)
    except OSError as exc:
        raise DataError(f"cannot read {root / MANIFEST}: {exc.strerror or exc}") from None
    if bad_lines:
        skipped["bad manifest line"] += len(bad_lines)
    examples = []
    for _sid, sample in sorted(samples.items()):
        if sample.deleted:
            continue
        path = root / sample.relative_path()
        if not path.is_file():
            skipped["listed but missing"] += 1
            continue
        examples.append(Example(str(path), map_label(sample.label), weight, group=sample.source))
    return examples


def read_folders(root: Path, weight: float, skipped: Counter) -> list[Example]:
    """``<label>/<image>`` for every label folder. Beside a manifest, files named as the app names its
    samples (``<32 hex digits>.png``) are the manifest's to list: those it does not list are counted."""
    captured = (root / MANIFEST).is_file()
    owned: set[Path] = set()
    if captured:
        samples, _ = current_samples(root)
        owned = {root / sample.label / f"{sid}{IMAGE_SUFFIX}" for sid, sample in samples.items()}
    examples = []
    for folder in _label_folders(root):
        images = _images_in(folder)
        if captured:
            named = {p for p in images if p.suffix == IMAGE_SUFFIX and ID_PATTERN.match(p.stem)}
            if named - owned:
                skipped["sample file the manifest does not list"] += len(named - owned)
            images = [p for p in images if p not in named]
        if images:
            label = map_label(folder.name)
            examples += [Example(str(p), label, weight) for p in images]
    return examples


READERS = {"affectnet": read_affectnet, "captured": read_captured, "folders": read_folders}
AFFECTNET_FOLDERS = ("images", "annotations")


def list_examples(sources: list[Source], exclusions: bool = True) -> Listing:
    """All examples of all sources, in a stable order. DataError for a bad path, label or empty result.
    With ``exclusions`` the images listed in a source's ``exclusions.txt`` are left out and counted."""
    if not sources:
        raise DataError("no dataset given")
    examples: list[Example] = []
    skipped: Counter = Counter()
    for source in sources:
        found = [e for layout in detect_layouts(source.path)
                 for e in READERS[layout](source.path, source.weight, skipped)]
        if not found:
            raise DataError(f"{source.path}: no labelled images found")
        if exclusions:
            found, excluded = drop_excluded(source.path, found)
            if excluded:
                skipped[SKIP_REASON] += excluded
            if not found:
                raise DataError(f"{source.path}: every image is excluded by its exclusions.txt")
        examples += found
    return Listing(examples, skipped)


def looks_complete(path: str) -> bool:
    """Cheap check read from the file's two ends: a known image header within the app's pixel limit and,
    for JPEG and PNG, the end marker (catches empty, truncated, non-image and decompression-bomb files
    without decoding)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 12))
            tail = fh.read()
    except OSError:
        return False
    if not pixels_allowed(head):
        return False
    if head.startswith(b"\xff\xd8"):
        return b"\xff\xd9" in tail
    if head.startswith(b"\x89PNG"):
        return b"IEND" in tail
    return head.startswith((b"BM", b"RIFF"))


def scan_unreadable(examples: list[Example], decode: bool = False) -> list[str]:
    """Paths that fail ``looks_complete`` (or, with ``decode``, that OpenCV cannot decode)."""
    bad = []
    for e in examples:
        ok = looks_complete(e.path)
        if ok and decode:
            import cv2
            ok = cv2.imread(e.path, cv2.IMREAD_COLOR) is not None
        if not ok:
            bad.append(e.path)
    return bad


def class_table(counts: np.ndarray) -> str:
    total = max(int(counts.sum()), 1)
    rows = [f"{'class':<10} {'count':>8} {'share':>7}"]
    rows += [f"{name:<10} {int(n):>8} {n / total:>7.1%}" for name, n in zip(AFFECTNET_CLASSES, counts)]
    rows.append(f"{'total':<10} {int(counts.sum()):>8}")
    return "\n".join(rows)
