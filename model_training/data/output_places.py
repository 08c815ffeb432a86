"""Where a command may write: never inside a dataset (its PNGs would become samples, a run folder a
"label"), never over a file a training run owns (``export --out RUN/config.tflite`` would replace
``config.json`` with a spec), and only where a file can be written at all (a read-only or full disk is
found before a long pass, not after it). Checked before anything is read or written; DataError names the
flag, OSError the folder."""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from desktop_app.core.output_files import discard, temporary_name
from model_training.data.datasets import Source
from model_training.data.labels import DataError

PROBE_BYTES = 4096  # one block: a disk without room for it is full
# What a run folder holds (train, fine-tune, evaluate): an output must not replace any of them.
RUN_FILES = frozenset({"config.json", "state.json", "split.json", "best.keras", "last.keras", "evaluation.json",
                       "finetune_report.json", "curves.png", "face_crops", "logs", "eval"})


def real_path(path: Path | str) -> Path:
    return Path(os.path.realpath(path))


def dataset_roots(specs: Iterable[str]) -> list[Path]:
    """The folders of ``DIR[:W][:crop]`` sources that exist (real paths: symlinks followed)."""
    roots = []
    for spec in specs:
        path = Source.parse(spec).path
        if path.is_dir():
            roots.append(real_path(path))
    return roots


def check_not_in_dataset(out: Path, flag: str, datasets: Iterable[str]) -> None:
    """DataError when ``out`` is a dataset folder or lies inside one."""
    where = real_path(out)
    for root in dataset_roots(datasets):
        if where == root or root in where.parents:
            raise DataError(f"{flag} {out} lies inside the dataset {root}: what is written there would be read "
                            "as samples; choose a folder outside it")


def check_not_run_file(out: Path, flag: str) -> None:
    """DataError when ``out`` (a .tflite) or the spec beside it (``out.json``) would replace a file of the
    training run in whose folder it would be written."""
    out = Path(out)
    folder = out.parent
    if not (folder / "config.json").is_file():
        return
    for path in (out, out.with_suffix(".json")):
        if path.name in RUN_FILES:
            raise DataError(f"{flag} {out} would replace {path.name} of the run {folder}; choose another name")


def check_writable(folder: Path) -> None:
    """Make ``folder`` and write a block to a hidden temporary file in it (removed at once, swept like any
    killed writer's if this process dies first): OSError naming ``folder`` when the disk is read-only,
    full or not ours, before a pass that would only fail at its end."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    probe = temporary_name(folder / "write-check")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, bytes(PROBE_BYTES))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(folder)) from None
    finally:
        try:
            discard(probe)
        except OSError:
            pass
