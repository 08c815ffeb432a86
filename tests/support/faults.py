"""Faults injected for real: a small tmpfs (a disk that fills), a read-only bind mount, a SIGKILL at a
chosen write (the file open for writing, watched in ``/proc/PID/fd``), and hostile files (a 20000×20000
PNG of 1.1 MB, a JSON line of 100,000 nested ``[``). Mounting needs root (CAP_SYS_ADMIN); where it is
refused the tests that need it are skipped and say why."""
from __future__ import annotations

import os
import signal
import struct
import subprocess
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NESTED_JSON = "[" * 100_000  # Python's json gives up with RecursionError


def _mount(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or done.returncode}): needs root")


@contextmanager
def small_disk(folder: Path, size: str = "1500k") -> Iterator[Path]:
    """``folder`` is a tmpfs of ``size`` while the block runs: writing past it fails with ENOSPC."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill ``folder``'s filesystem until about ``leave`` bytes are free."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    with open(folder / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


@contextmanager
def read_only(folder: Path) -> Iterator[Path]:
    """``folder`` seen through a read-only bind mount of itself (chmod does not stop root: EROFS does)."""
    _mount("--bind", str(folder), str(folder))
    try:
        _mount("-o", "remount,ro,bind", str(folder))
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def writing(pid: int, folder: Path, word: str) -> Path | None:
    """The file in ``folder`` whose name holds ``word`` that process ``pid`` has open for writing, if any."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            target = Path(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue
        if target.parent == folder and word in target.name and _open_for_writing(pid, fd):
            return target
    return None


def _open_for_writing(pid: int, fd: str) -> bool:
    """Whether descriptor ``fd`` of ``pid`` was opened write-only or read-write (``flags`` in fdinfo, octal)."""
    try:
        info = Path(f"/proc/{pid}/fdinfo/{fd}").read_text()
    except OSError:
        return False
    flags = next((line.split()[1] for line in info.splitlines() if line.startswith("flags:")), "0")
    return int(flags, 8) & 0o3 != 0


def kill_while_writing(process: subprocess.Popen, folder: Path, word: str, at_bytes: int,
                       timeout: float = 600) -> tuple[str, int]:
    """SIGKILL ``process`` once a file in ``folder`` named with ``word`` it has open holds ``at_bytes``
    bytes: (that file's name, its size when killed). Fails the test if the process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the process ended (rc {process.returncode}) before it wrote {word} to {at_bytes} bytes")
        target = writing(process.pid, folder, word)
        if target is not None:
            try:
                size = target.stat().st_size
            except OSError:
                continue
            if size >= at_bytes:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(30)
                return target.name, size
        time.sleep(0.0005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    pytest.fail(f"no write to {word} reached {at_bytes} bytes in {timeout} s")


def huge_png(path: Path, side: int = 20_000) -> Path:
    """A valid grey PNG of ``side``×``side`` black pixels, streamed (about 1.1 MB on disk for 20000²),
    without ever holding the decoded image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte + pixels
    parts = [compressor.compress(row) for _ in range(side)]
    idat = b"".join(parts) + compressor.flush()
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)))
        fh.write(chunk(b"IDAT", idat))
        fh.write(chunk(b"IEND", b""))
    return path
