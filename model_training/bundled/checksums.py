"""``SHA256SUMS``: the pins of the bundled models, in ``sha256sum``'s format so ``sha256sum -c`` agrees.

Standard library only: ``build-models --check-only`` verifies a folder without TensorFlow.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from model_training.data.labels import DataError

SUMS_FILE = "SHA256SUMS"


class BuildError(DataError):
    """A rebuild that cannot finish, or files that do not match their sums: one ``error:`` line, exit 2
    (``DataError`` is what the kit's ``main`` reports)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def parse_sums(text: str) -> dict[str, str]:
    """``<hex>  <name>`` or ``<hex> *<name>`` lines; ``#`` lines are comments. Raises ValueError."""
    sums: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, _, name = line.partition(" ")
        name = name.strip().lstrip("*")
        if len(digest) != 64 or not name:
            raise ValueError(f"malformed {SUMS_FILE} line: {line!r}")
        sums[name] = digest.lower()
    return sums


def read_sums(folder: Path) -> dict[str, str]:
    """The sums pinned in ``folder/SHA256SUMS``; a missing, malformed or empty file is a BuildError."""
    path = folder / SUMS_FILE
    try:
        sums = parse_sums(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{path}: missing") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BuildError(f"{path}: {exc}") from None
    if not sums:
        raise BuildError(f"{path}: no entries")
    return sums


def differences(folder: Path, sums: dict[str, str]) -> list[str]:
    """Each pinned file of ``folder`` that is missing or whose bytes differ, as ``name (why)``."""
    bad = []
    for name, digest in sums.items():
        path = folder / name
        if not path.is_file():
            bad.append(f"{name} (missing)")
        elif sha256_file(path) != digest:
            bad.append(f"{name} (sha256 mismatch)")
    return bad


def check_sums(folder: Path) -> str:
    """Verify ``folder`` against its own ``SHA256SUMS``: a one-line message, or a BuildError naming the files."""
    sums = read_sums(folder)
    bad = differences(folder, sums)
    if bad:
        raise BuildError(f"{SUMS_FILE} check failed in {folder}: " + ", ".join(bad))
    return f"{SUMS_FILE}: {len(sums)} files OK in {folder}"


def sums_text(folder: Path, names: list[str], comments: tuple[str, ...] = ()) -> str:
    lines = [f"# {c}" for c in comments]
    lines += [f"{sha256_file(folder / n)}  {n}" for n in sorted(names)]
    return "\n".join(lines) + "\n"
