"""The app's CLI in a subprocess, as a user runs it, and the one-line error every bad input gets."""
from __future__ import annotations

import subprocess
import sys

from support.repo import REPO


def analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", "analyze", *map(str, args)],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def one_error_line(done: subprocess.CompletedProcess, text: str) -> None:
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and text in lines[0], done.stderr
    assert "Traceback" not in done.stderr
