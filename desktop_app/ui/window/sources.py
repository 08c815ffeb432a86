"""Where the frames come from: the source box, Source ▸ Open file… and Recent files, and the pump that
reads the chosen source on its own thread (pause, step, seek, loop).

``SourceControl`` belongs to one window: it reads the window's controls (source box, pause button, loop
action, recent menu), writes the frames into the window's slot and keeps the seek bar in step with the
source the pump opened. Everything here runs on the GUI thread; the pump's thread only reads frames."""
from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow

from desktop_app.core.media.frame_pump import FramePump
from desktop_app.core.media.frame_sources import camera_choices, open_source
from desktop_app.core.session import remember_recent

OPEN_FILE = "__open__"  # the source box's last item: choose a file
FILE_FILTER = ("Videos and images (*.avi *.mp4 *.mkv *.webm *.mov *.png *.jpg *.jpeg *.bmp);;"
               "All files (*)")


class SourceControl:
    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.pump: FramePump | None = None
        self._seek_source = None  # the source the seek bar was set up for

    def set_source(self, spec: str) -> None:
        """Stop the current source, start ``spec`` (opened on the pump's thread, never here)."""
        w = self.window
        if self.pump is not None:
            self.pump.stop()
        w.slot.take(timeout=0)  # a frame of the old source must not start the new epoch
        w.banner.hide()
        epoch = w.session.switch_source(spec)
        w.graph.clear_history()
        w.clock.reset()
        w.worker.request(reset_tracks=epoch)
        self.pump = FramePump(partial(open_source, spec), w.slot, loop=w.loop_action.isChecked(), name=spec)
        self.pump.set_paused(w.pause_button.isChecked())
        self.pump.start()
        w.settings.setValue("source", spec)
        w.settings.setValue("recent_sources", json.dumps(remember_recent(self.recent_sources(), spec)))
        self.fill_source_box()
        self.fill_recent_menu()
        w.step_button.setEnabled(not w.session.is_live)  # files and the demo step; cameras do not

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a video or image", "", FILE_FILTER)
        if path:
            self.set_source(path)
        else:
            self.fill_source_box()

    def on_source_chosen(self, index: int) -> None:
        data = self.window.source_box.itemData(index)
        if data == OPEN_FILE:
            self.choose_file()
        else:
            self.set_source(data)

    def recent_sources(self) -> list[str]:
        try:
            recent = json.loads(str(self.window.settings.value("recent_sources", "[]")))
        except ValueError:
            return []
        return [r for r in recent if isinstance(r, str)] if isinstance(recent, list) else []

    def fill_source_box(self) -> None:
        """Demo, the cameras, the current file and the recent ones, then "Open file…"."""
        box = self.window.source_box
        box.blockSignals(True)
        box.clear()
        box.addItem("Demo", "demo")
        for index in camera_choices():
            box.addItem(f"Camera {index}", index)
        spec = self.window.session.source_spec
        for recent in [spec] + self.recent_sources() if spec not in ("demo", *camera_choices()) else \
                self.recent_sources():
            if box.findData(recent) < 0:
                box.addItem(Path(recent).name, recent)
                box.setItemData(box.count() - 1, recent, Qt.ItemDataRole.ToolTipRole)
        box.addItem("Open file…", OPEN_FILE)
        box.setCurrentIndex(max(0, box.findData(spec)))
        box.blockSignals(False)

    def fill_recent_menu(self) -> None:
        menu = self.window.recent_menu
        menu.clear()
        for spec in self.recent_sources():
            menu.addAction(spec, partial(self.set_source, spec))
        menu.setEnabled(bool(self.recent_sources()))

    def set_paused(self, paused: bool) -> None:
        self.window.pause_button.setText("Resume" if paused else "Pause")
        if self.pump is not None:
            self.pump.set_paused(paused)

    def step(self) -> None:
        if not self.window.pause_button.isChecked():
            self.window.pause_button.setChecked(True)
        if self.pump is not None:
            self.pump.step()

    def seek(self, index: int) -> None:
        """Go to frame ``index`` of a file (paused: show just that frame). Smoothing starts again there."""
        if self.pump is None:
            return
        w = self.window
        w.slot.take(timeout=0)
        # New tracks (ids, smoothing) from the frame sought, in the same epoch: a frame in flight stays valid
        w.worker.request(reset_tracks=w.session.epoch)
        w.graph.clear_history()
        w.clock.reset()
        self.pump.seek(index)

    def on_loop(self, loop: bool) -> None:
        self.window.settings.setValue("loop", loop)
        if self.pump is not None:
            self.pump.loop = loop

    def sync_seek_bar(self) -> None:
        """The pump opens its source on its own thread: set the seek bar up once it is there."""
        source = self.pump.source if self.pump is not None else None
        if source is not self._seek_source:
            self._seek_source = source
            seek_bar = self.window.seek_bar
            seek_bar.set_source(source.frame_count if source is not None else None,
                                source.fps if source is not None else 30.0)
            if self.window.presenting:
                seek_bar.hide()

    def stop(self) -> None:
        """The window is closing: the pump's thread ends (flag, then a bounded wait)."""
        if self.pump is not None:
            self.pump.stop(timeout=0.5)
