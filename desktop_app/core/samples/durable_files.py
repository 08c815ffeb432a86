"""Crash-safe file primitives, the one writer of the app and the training kit. The sample store
creates files without ever replacing anything (``write_new_file``, ``place``); everything that replaces
a file (checkpoints, run files, reports, exports, crops) goes through ``replacing``: a hidden temporary
name in the same folder, flushed to the disk, renamed over the old file. A crash leaves at worst an extra
link or a temporary file that ``reconcile`` or ``sweep_partials`` tidies. Nothing here knows about
samples, the manifest or training."""
from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np

from desktop_app.core.output_files import commit, discard, temporary_name

# What ``temporary_name`` makes (``.name.partial-<pid>.ext``), and staging folders named the same way.
PARTIAL_NAME = re.compile(r"^\..+\.partial-(?P<pid>\d+)(\.[^.]*)?$")


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (new, renamed or removed names) to the disk; a no-op on Windows."""
    if os.name == "nt":  # directories cannot be opened for fsync on Windows; NTFS journals renames
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new_file(path: Path, data: bytes) -> None:
    """Create ``path`` (never replacing anything), write all of ``data``, flush it to the disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def place(src: Path, dst: Path) -> None:
    """Give ``src`` the name ``dst`` without ever replacing an existing ``dst`` (FileExistsError),
    then drop the old name. A crash in between leaves two links to one file, which reconcile tidies."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError as exc:  # filesystems without hard links (FAT, some network shares)
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        if dst.exists():
            raise FileExistsError(errno.EEXIST, "file exists", str(dst)) from None
        os.replace(src, dst)
        return
    os.unlink(src)


def complete_png(path: Path) -> bool:
    """Whether ``path`` holds a whole PNG (signature, final IEND chunk, and it decodes), i.e. a temp
    image that was fully written before a crash; False for anything unreadable or cut short."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return (data.startswith(b"\x89PNG\r\n\x1a\n") and data[-12:-8] == b"\x00\x00\x00\x00"
            and data[-8:-4] == b"IEND" and cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is not None)


@contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """Write ``path`` whole or not at all. Yields a hidden temporary name beside it (same suffix: Keras,
    OpenCV and matplotlib pick the format from it) for the caller to write; when the block ends the file
    is flushed to the disk and renamed over ``path``, then the folder is flushed. On any exception (a full
    or read-only disk, an error) the temporary file is removed and ``path`` keeps what it held. A SIGKILL
    leaves at most the temporary file, which ``sweep_partials`` removes."""
    path = Path(path)
    temp = temporary_name(path)
    try:
        yield temp
        commit(temp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        _discard(temp)
        if exc.errno is None or exc.filename not in (str(temp), temp, None):
            raise
        raise type(exc)(exc.errno, exc.strerror, str(path)) from exc  # the user's name, not the hidden one
    except BaseException:
        _discard(temp)
        raise


def _discard(temp: Path) -> None:
    """Remove a temporary file if it is there; a read-only disk refuses even that, and that refusal must
    not hide the error being reported."""
    try:
        discard(temp)
    except OSError:
        pass


def replace_file(path: Path | str, data: bytes) -> None:
    """``path`` holds ``data``, or (after any failure) what it held before."""
    with replacing(path) as temp, open(temp, "wb") as fh:
        fh.write(data)


def sweep_partials(folder: Path | str) -> list[str]:
    """Remove what killed writers left in ``folder`` (``.name.partial-<pid>.ext`` files and staging
    folders whose process is gone); returns their names. A living process's files are left alone."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = PARTIAL_NAME.match(entry.name)
        if match is None or _running(int(match["pid"])):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry.name)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill(pid, 0) would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or a number we cannot ask about: keep its files
    return True
