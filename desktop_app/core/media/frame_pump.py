"""Real-time plumbing without Qt: a one-frame slot and a thread that fills it from a source.

The reader never waits for inference: a new frame overwrites the unprocessed one, which is counted as
dropped. Inference takes the newest frame when it is ready for one. Nothing ever queues up.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.core.media.frame_sources import Frame, FrameSource, SourceError


class LatestFrameSlot:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._closed = False
        self.dropped = 0

    def put(self, frame: Frame) -> None:
        with self._cond:
            if self._frame is not None:
                self.dropped += 1
            self._frame = frame
            self._cond.notify_all()

    def take(self, timeout: float | None = None) -> Frame | None:
        """The newest frame, waiting up to ``timeout``; None on time-out or once closed."""
        with self._cond:
            self._cond.wait_for(lambda: self._frame is not None or self._closed, timeout)
            frame, self._frame = self._frame, None
            return frame

    def close(self) -> None:
        """Wake every waiter for good (shutdown)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@dataclass
class PumpState:
    frames_read: int = 0
    finished: bool = False  # a file reached its end (and is not looping)
    error: str | None = None  # why the source stopped, for the user
    read_fps: float = 0.0


class FramePump:
    """Opens a source and reads it on its own thread into ``slot``: at the file's frame rate for files,
    as fast as the camera delivers for live sources. Opening happens on that thread too, so a slow or
    missing camera never stalls the caller. Supports pause, single step, seek, looping and a clean stop.

    A seekable file that reaches its end (not looping) keeps the thread waiting for a seek or a stop, so a
    student can still drag back to any frame; requests to seek collapse into the newest one."""

    def __init__(self, open_source: Callable[[], FrameSource], slot: LatestFrameSlot, loop: bool = False,
                 name: str = "source") -> None:
        self._open_source, self.slot, self.loop, self.name = open_source, slot, loop, name
        self.source: FrameSource | None = None
        self.state = PumpState()
        self._paused = False
        self._steps = 0
        self._seek_to: int | None = None
        self._wake = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=f"pump {name}", daemon=True)
        self._fps_window: list[float] = []

    def start(self) -> FramePump:
        self._thread.start()
        return self

    @property
    def paused(self) -> bool:
        return self._paused

    def set_paused(self, paused: bool) -> None:
        with self._wake:
            self._paused = paused
            self._wake.notify_all()

    def step(self) -> None:
        """Deliver exactly one more frame while paused."""
        with self._wake:
            self._steps += 1
            self._wake.notify_all()

    def seek(self, index: int) -> None:
        """Deliver frame ``index`` next, paused or not (a source without ``frame_count`` ignores it)."""
        with self._wake:
            self._seek_to = int(index)
            self._wake.notify_all()

    def stop(self, timeout: float = 1.0) -> bool:
        """Set the flag, wake the thread, wait; True when it has ended."""
        with self._wake:
            self._stop = True
            self._wake.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _wait_turn(self, due: float) -> bool:
        """Sleep until ``due`` or until allowed while paused; False when asked to stop."""
        with self._wake:
            while not self._stop:
                if self._seek_to is not None:
                    return True
                if self.state.finished and not self.loop:  # at the end of a seekable file: a seek moves on
                    self._wake.wait()
                    continue
                if self._paused:
                    if self._steps > 0:
                        self._steps -= 1
                        return True
                    self._wake.wait()
                    continue
                delay = due - time.monotonic()
                if delay <= 0:
                    return True
                self._wake.wait(delay)
            return False

    def _run(self) -> None:
        try:
            self.source = self._open_source()
        except SourceError as exc:
            self.state.error = str(exc)
            return
        period = 0.0 if self.source.is_live else 1.0 / max(self.source.fps, 1e-3)
        due = time.monotonic()
        try:
            while self._wait_turn(due):
                self._apply_seek()
                frame = self.source.read()
                if frame is None:
                    if self.loop and not self.source.is_live:
                        self.source.rewind()
                        self.state.finished = False
                        continue
                    self.state.finished = True
                    if self.source.frame_count is None:
                        return
                    continue
                now = time.monotonic()
                frame.read_at = now
                self._fps_window = [t for t in self._fps_window if now - t < 1.0] + [now]
                self.state.read_fps = float(len(self._fps_window))
                self.state.frames_read += 1
                self.slot.put(frame)
                due = max(due + period, now) if period else now
        except SourceError as exc:
            self.state.error = str(exc)
        finally:
            self.source.close()

    def _apply_seek(self) -> None:
        with self._wake:
            target, self._seek_to = self._seek_to, None
        if target is not None and self.source.frame_count is not None:
            self.source.seek(target)
            self.state.finished = False
