"""``python -m desktop_app bench-window``: drive the real window on a 1280×720 one-face video and print
displayed frame rate, frame-read → result-drawn latency and the longest GUI-thread stall."""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop_app.command_name import command_name

STALL_TICK_MS = 5


def write_clip(path: Path, seconds: float, fps: float = 30.0) -> Path:
    import cv2

    from desktop_app.core.media.frame_sources import DemoSource

    demo = DemoSource(width=1280, height=720, fps=fps, frames=int(seconds * fps))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (1280, 720))
    for frame in demo:
        writer.write(frame.image)
    writer.release()
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog=f"{command_name('desktop_app')} bench-window", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0, help="how long to measure")
    p.add_argument("--warm-up", type=float, default=2.0, help="seconds ignored at the start")
    args = p.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop_app.ui.qt.qt_environment import restore_qt_environment

    restore_qt_environment()
    from PySide6.QtCore import QSettings, QTimer

    from desktop_app.ui.qt.gui_app import gui_application
    from desktop_app.ui.window.main_window import MainWindow

    app = gui_application()
    with tempfile.TemporaryDirectory() as tmp:
        clip = write_clip(Path(tmp) / "clip.avi", args.seconds + args.warm_up + 2)
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(str(clip), None, "short", settings=settings)
        window.resize(1600, 900)
        window.show()
        ticks: list[float] = []
        shown: list[float] = []
        window.worker.result_ready.connect(lambda *_: shown.append(time.monotonic()))
        tick = QTimer(interval=STALL_TICK_MS, timeout=lambda: ticks.append(time.monotonic()))
        state = {}

        def begin() -> None:
            state["t0"] = time.monotonic()
            state["lat0"] = len(window.latency_ms)
            ticks.clear()
            shown.clear()
            tick.start()

        def end() -> None:
            state["t1"] = time.monotonic()
            state["latency"] = list(window.latency_ms)[-len(shown):] if shown else []
            state["dropped"] = window.slot.dropped + window.worker.skipped_results
            tick.stop()
            window.close()
            app.quit()

        QTimer.singleShot(int(args.warm_up * 1000), begin)
        QTimer.singleShot(int((args.warm_up + args.seconds) * 1000), end)
        app.exec()
        window.deleteLater()  # destroy widgets while the QApplication still exists
        app.processEvents()
    duration = state["t1"] - state["t0"]
    gaps = np.diff(ticks) * 1e3 - STALL_TICK_MS if len(ticks) > 1 else np.zeros(1)
    latency = np.array(state["latency"] or [np.nan])
    platform = os.environ.get("QT_QPA_PLATFORM") or "xcb"
    print(f"window bench: 1280x720 video, one face, {duration:.1f} s measured, Qt platform {platform}")
    print(f"  displayed frame rate   {len(shown) / duration:6.1f} fps")
    print(f"  read → drawn latency   median {np.nanmedian(latency):6.1f} ms   "
          f"p95 {np.nanpercentile(latency, 95):6.1f} ms")
    print(f"  longest GUI stall      {max(0.0, gaps.max()):6.1f} ms   (timer every {STALL_TICK_MS} ms)")
    print(f"  frames dropped         {state['dropped']}")
    return 0
