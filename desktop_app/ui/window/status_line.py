"""What the window tells the user: the status line at the bottom (rates, stage times, faces, what the
detector does, dropped frames) and the banner above the video (an error, with "Use the demo" and
"Retry" when a source failed). Both change only on the GUI thread: a worker's message arrives as a
queued signal, the status line from a timer."""
from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.core.media.frame_pump import FramePump
from desktop_app.core.pipeline import FRAME_STAGES, FrameResult

BANNER_STYLE = "background:#5a3b00; color:white;"


class StatusLine(QLabel):
    """The status bar's text; counts the results shown in the last second and the frames dropped since
    the current source started."""

    def __init__(self) -> None:
        super().__init__()
        self._result_times: list[float] = []
        self.dropped_before = 0  # dropped-frame count when the source started: the status counts per source

    def result_shown(self) -> None:
        now = time.monotonic()
        self._result_times = [t for t in self._result_times if now - t < 1.0] + [now]

    def refresh(self, pump: FramePump | None, result: FrameResult | None, dropped: int) -> None:
        self.setText("   ".join(status_parts(pump, result, len(self._result_times), dropped - self.dropped_before)))


def status_parts(pump: FramePump | None, result: FrameResult | None, fps: int, dropped: int) -> list[str]:
    parts = []
    if pump is not None:
        parts.append(source_rate_text(pump))
    parts.append(f"processed {fps} fps")
    if result is not None:
        t = result.timings_ms
        parts.append("ms " + " ".join(f"{k} {t[k]:.1f}" for k in FRAME_STAGES if k in t))
        parts.append(f"faces {len(result.faces)}")
        if result.detector_activity:
            parts.append(f"detector {result.detector_activity}")
    parts.append(f"dropped {dropped}")
    if pump is not None and pump.state.finished:
        parts.append("end of file")
    if pump is not None and pump.paused:
        parts.append("paused")
    if result is not None and result.hint:
        parts.append(result.hint)
    return parts


def source_rate_text(pump: FramePump) -> str:
    """'source 30 fps' for video; a still image or a folder says what it is instead of '1 fps'."""
    source = pump.source
    count = source.frame_count if source is not None else None
    if source is not None and count is not None and source.fps <= 1.0:
        return "still image" if count == 1 else f"{count} images"
    return f"source {pump.state.read_fps:.0f} fps"


class Banner(QWidget):
    """A non-modal one-line message; the app keeps running. ``use_demo`` and ``retry`` are offered when a
    source failed."""

    def __init__(self, use_demo: Callable[[], None], retry: Callable[[], None]) -> None:
        super().__init__()
        self.setStyleSheet(BANNER_STYLE)
        row = QHBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.demo_button = QPushButton("Use the demo", clicked=use_demo)
        self.retry_button = QPushButton("Retry", clicked=retry)
        close = QPushButton("Dismiss", clicked=self.hide)
        for w in (self.text, self.demo_button, self.retry_button, close):
            row.addWidget(w, 1 if w is self.text else 0)
        self.hide()

    def show_message(self, text: str, offer_sources: bool = False) -> None:
        self.text.setText(text)
        self.demo_button.setVisible(offer_sources)
        self.retry_button.setVisible(offer_sources)
        self.show()
