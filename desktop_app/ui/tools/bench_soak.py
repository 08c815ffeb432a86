"""``python -m desktop_app bench-soak``: the real window looping a 1280×720 one-face video for a long
time (default 10 minutes), printing its resident memory every so often and the growth after the
warm-up. Goal: under 5 MB of growth over 10 minutes. A benchmark, never part of the tests."""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from desktop_app.command_name import command_name


def rss_mb() -> float:
    """Current resident set size (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=f"{command_name('desktop_app')} bench-soak", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seconds", type=float, default=600.0, help="how long to run after the warm-up")
    p.add_argument("--warm-up", type=float, default=30.0, help="seconds before the first measurement")
    p.add_argument("--every", type=float, default=30.0, help="seconds between memory samples")
    p.add_argument("--clip-seconds", type=float, default=10.0, help="length of the looped video")
    args = p.parse_args(argv)
    if min(args.seconds, args.every, args.clip_seconds) <= 0 or args.warm_up < 0:
        print("error: --seconds, --every and --clip-seconds must be positive", file=sys.stderr)
        return 2
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop_app.ui.qt.qt_environment import restore_qt_environment

    restore_qt_environment()
    from PySide6.QtCore import QSettings, QTimer

    from desktop_app.ui.qt.gui_app import gui_application
    from desktop_app.ui.tools.bench_window import write_clip
    from desktop_app.ui.window.main_window import MainWindow

    app = gui_application()
    samples: list[tuple[float, float, int]] = []  # (seconds since start, RSS MB, results shown)
    with tempfile.TemporaryDirectory() as tmp:
        clip = write_clip(Path(tmp) / "clip.avi", args.clip_seconds)
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("loop", True)
        window = MainWindow(str(clip), None, "short", settings=settings)
        window.loop_action.setChecked(True)
        window.show()
        shown = [0]
        window.worker.result_ready.connect(lambda *_: shown.__setitem__(0, shown[0] + 1))
        t0 = time.monotonic()

        def sample() -> None:
            samples.append((time.monotonic() - t0, rss_mb(), shown[0]))
            print(f"  {samples[-1][0]:7.0f} s   RSS {samples[-1][1]:7.1f} MB   results {shown[0]}", flush=True)

        def finish() -> None:
            sample()
            window.close()
            app.quit()

        every = QTimer(interval=int(args.every * 1000), timeout=sample)
        QTimer.singleShot(int(args.warm_up * 1000), lambda: (sample(), every.start()))
        QTimer.singleShot(int((args.warm_up + args.seconds) * 1000), finish)
        print(f"soak: the window looping a {args.clip_seconds:.0f} s 1280x720 clip for "
              f"{args.seconds:.0f} s after {args.warm_up:.0f} s of warm-up", flush=True)
        app.exec()
        every.stop()
        window.deleteLater()
        app.processEvents()
    first, last = samples[0], samples[-1]
    print(f"RSS growth after warm-up: {last[1] - first[1]:+.1f} MB over {last[0] - first[0]:.0f} s "
          f"({last[2] - first[2]} results shown; goal < 5 MB over 600 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
