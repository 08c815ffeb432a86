"""Crash-safe file primitives for the sample store: files are created without ever replacing
anything, flushed to the disk, and renamed so that a crash leaves at worst an extra link or a temp
file that ``reconcile`` can tidy. Nothing here knows about samples or the manifest."""
from __future__ import annotations

import errno
import os
from pathlib import Path

import cv2
import numpy as np


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
