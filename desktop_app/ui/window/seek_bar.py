"""The seek bar under the video for files (a video or a folder of images): a slider over the frames with the
frame number and its time, so "why is frame 188 fear?" is one drag away. Cameras and the demo have none."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget


def frame_text(index: int, count: int, fps: float) -> str:
    """'frame 188 / 299   0:06.27': numbers as the analyze CSV and the saved samples write them (from 0)."""
    seconds = index / fps if fps > 0 else 0.0
    return f"frame {index} / {count - 1}   {int(seconds // 60)}:{seconds % 60:05.2f}"


class SeekBar(QWidget):
    seek_requested = Signal(int)  # a frame index the user dragged or clicked to

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.count, self.fps = 0, 30.0
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setPageStep(10)
        self.label = QLabel()
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("frame 88888 / 88888   88:88.88"))
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_value)
        self.hide()

    def set_source(self, count: int | None, fps: float) -> None:
        """A new source: shown for files with more than one frame, hidden otherwise."""
        self.count, self.fps = count or 0, fps
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(self.count - 1, 0))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self.label.setText(frame_text(0, self.count, fps) if self.count else "")
        self.setVisible(self.count > 1)

    def show_frame(self, index: int) -> None:
        """The frame on screen (a result arrived): moves the slider unless the user holds it."""
        if self.count and not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
            self.label.setText(frame_text(index, self.count, self.fps))

    def _on_value(self, index: int) -> None:
        self.label.setText(frame_text(index, self.count, self.fps))
        self.seek_requested.emit(index)
