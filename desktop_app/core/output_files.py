"""Output files of the headless commands: never one of the inputs, never half-written under the final
name. An output is written to a hidden temporary name beside it and renamed over the final name only
once it is complete, so a crash, a full disk or an error leaves the previous file (if any) intact.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from desktop_app.core.errors import UserError


class OutputError(UserError, ValueError):
    """An output that would destroy an input or cannot be written; the message is for the user."""


def check_outputs(outputs: dict[str, Path | None], inputs: Iterable[str]) -> None:
    """Refuse an output that is one of the inputs (also through a symlink or a hard link), or the
    same file as another output. ``outputs`` maps a flag name (``--csv``) to its path or None."""
    given = {flag: Path(path) for flag, path in outputs.items() if path is not None}
    existing_inputs = [Path(p) for p in inputs if p != "demo" and Path(p).exists()]
    seen: dict[str, str] = {}
    for flag, path in given.items():
        key = os.path.realpath(path)
        if key in seen:
            raise OutputError(f"{flag} and {seen[key]} name the same file: {path}")
        seen[key] = flag
        if path.is_dir():
            raise OutputError(f"{flag} {path} is a folder, not a file")
        if not path.parent.is_dir():
            raise OutputError(f"{flag} {path}: the folder {path.parent} does not exist")
        for source in existing_inputs:
            if _same(path, source):
                raise OutputError(f"{flag} {path} is one of the inputs ({source}); refusing to overwrite it")


def _same(output: Path, source: Path) -> bool:
    if os.path.realpath(output) == os.path.realpath(source):
        return True
    try:
        return output.exists() and os.path.samefile(output, source)
    except OSError:
        return False


def temporary_name(path: Path) -> Path:
    """``dir/.name.partial-<pid>.ext``: same folder (so the rename is atomic), same extension (OpenCV
    picks the container from it), hidden, and never a name the user gave."""
    return path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")


def commit(temp: Path, final: Path) -> None:
    """Flush ``temp`` to the disk and rename it over ``final`` (atomic on one filesystem)."""
    fd = os.open(temp, os.O_RDWR)  # Windows cannot flush a read-only handle
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, final)


def discard(temp: Path) -> None:
    temp.unlink(missing_ok=True)
