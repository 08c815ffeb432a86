"""A private X server (Xvfb) for a real window with no display: tests and the screenshot script."""
from __future__ import annotations

import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

READY_TIMEOUT_S = 20


@contextmanager
def xvfb_display(size: str = "1280x800x24") -> Iterator[str]:
    """Start Xvfb on a free display and yield its name (":N") once it accepts clients; stop it after.
    Xvfb itself picks the display and reports it on ``-displayfd`` when ready: no guessing, no sleep."""
    if shutil.which("Xvfb") is None:
        raise FileNotFoundError("Xvfb is not installed (apt-get install xvfb)")
    read_end, write_end = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
                              pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], READY_TIMEOUT_S)
        number = os.read(read_end, 64).decode().strip() if ready else ""
        if not number.isdigit():
            raise RuntimeError(f"Xvfb did not start within {READY_TIMEOUT_S} s")
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(5)


@contextmanager
def window_manager(display: str) -> Iterator[bool]:
    """Run openbox on ``display`` when it is installed (title bars, focus, full screen as a user's desktop
    does them); yields whether one runs. Without it windows still show, undecorated."""
    if shutil.which("openbox") is None:
        yield False
        return
    manager = subprocess.Popen(["openbox"], env={**os.environ, "DISPLAY": display},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield True
    finally:
        manager.terminate()
        manager.wait(5)
