"""Images a person has excluded from a dataset, kept in ``exclusions.txt`` beside the data.

The file sits in the dataset's root folder (``train_set/exclusions.txt`` for AffectNet, next to
``manifest.jsonl`` for a captured dataset): the dataset's own files are never changed or moved, and
deleting a line brings an image back. One image per line: its path relative to the root, then a tab and
why (free text, optional); ``#`` starts a comment line. A captured sample is also matched by its id (the
file name), so relabelling it, which moves it to another label folder, does not bring it back.
``stats``, ``train``, ``evaluate`` and ``audit`` leave excluded images out by default and count them.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from model_training.data.labels import DataError

EXCLUSIONS_FILE = "exclusions.txt"
SKIP_REASON = f"excluded ({EXCLUSIONS_FILE})"
HEADER = ("# Images left out by python -m model_training (stats, train, evaluate, audit).\n"
          "# One per line: the path relative to this folder, a tab, and why. Delete a line to bring it back.\n")
_SAMPLE_ID = re.compile(r"^[0-9a-f]{32}$")


def read_exclusions(root: Path) -> dict[str, str]:
    """Relative path → reason; empty when the dataset has no exclusions file."""
    path = Path(root) / EXCLUSIONS_FILE
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    out = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        rel, _, reason = line.partition("\t")
        out[rel.strip().replace("\\", "/")] = reason.strip()
    return out


def _relative(root: Path, image: str | Path) -> str:
    image, root = Path(image), Path(root)
    try:
        return image.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise DataError(f"{image} is not inside the dataset {root}") from None


def drop_excluded(root: Path, examples: list) -> tuple[list, int]:
    """The examples (anything with a ``.path`` inside ``root``) not excluded, and how many were."""
    listed = read_exclusions(root)
    if not listed:
        return examples, 0
    ids = {Path(p).stem for p in listed if _SAMPLE_ID.match(Path(p).stem)}
    root = Path(root)
    kept = []
    for example in examples:
        path = Path(example.path)
        try:
            rel = path.relative_to(root).as_posix()  # the readers build paths under root
        except ValueError:
            rel = _relative(root, path)
        if rel not in listed and path.stem not in ids:
            kept.append(example)
    return kept, len(examples) - len(kept)


def add_exclusions(root: Path, images: Iterable[str | Path], reason: str = "") -> int:
    """Append the images not yet excluded (paths inside ``root``); returns how many were added. The
    line is flushed and fsynced before returning, so an exclusion a person made is not lost."""
    root = Path(root)
    already = set(read_exclusions(root))
    new = []
    for image in images:
        rel = _relative(root, image)
        if rel not in already:
            already.add(rel)
            new.append(rel)
    if not new:
        return 0
    path = root / EXCLUSIONS_FILE
    reason = " ".join(reason.split())  # one line, whatever it was given
    try:
        fresh = not path.exists()
        with open(path, "a", encoding="utf-8") as fh:
            if fresh:
                fh.write(HEADER)
            fh.writelines(f"{rel}\t{reason}\n" if reason else f"{rel}\n" for rel in new)
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        raise DataError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(new)
