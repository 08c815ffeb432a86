"""The peak memory of one command as a user runs it.

Linux carries the parent's high-water mark across ``exec`` into the child's ``ru_maxrss`` (wait4 and
RUSAGE_SELF alike), so a child spawned late in a long test session reports the session's peak, not
its own. ``VmHWM`` in ``/proc/self/status`` belongs to the process image after ``exec``: that is the
command's own peak, read by the command itself as it exits."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = ("import atexit, runpy, sys\n"
         "def report():\n"
         "    for line in open('/proc/self/status'):\n"
         "        if line.startswith('VmHWM:'):\n"
         "            print('PEAK_KB', line.split()[1], file=sys.stderr)\n"
         "atexit.register(report)\n"
         "sys.argv = [sys.argv[1], *sys.argv[2:]]\n"
         "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n")


def run_module_measuring_peak(module: str, args: list[str], cwd: Path, env: dict[str, str]
                              ) -> tuple[subprocess.CompletedProcess[str], float]:
    """``python -m module args`` in a fresh process; its completed run and its own peak RSS in MB."""
    done = subprocess.run([sys.executable, "-c", CHILD, module, *args], cwd=cwd, env=env, capture_output=True,
                          text=True)
    peaks = [line.split()[1] for line in done.stderr.splitlines() if line.startswith("PEAK_KB ")]
    assert peaks, f"the child did not report its peak memory:\n{done.stderr[-2000:]}"
    return done, int(peaks[-1]) / 1024
