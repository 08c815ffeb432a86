"""Every keyboard shortcut of the window, in one table that the actions and the F1 overlay share."""
from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

SHORTCUTS = [  # (key, what it does): one list for the actions and the help overlay
    ("Space", "pause / resume (freeze the frame)"), ("Right", "step one frame while paused"),
    ("Ctrl+O", "open a video or image file"), ("Ctrl+Shift+D", "bundled demo source"),
    ("Ctrl+M", "open another model (.tflite + .json)"), ("D", "detector: short / full range"),
    ("M", "mirror the video"), ("L", "loop files at their end"),
    ("+ / -", "more / less smoothing"), ("] / [", "higher / lower minimum face score"),
    ("F11", "presentation mode"), ("F1", "this help"),
    ("I or click (paused)", "inspect the selected face"), ("0 … 7", "save the selected face with that label"),
    ("Ctrl+0 … 7", "save every face with that label"), ("W", "mark: wrong prediction (next save)"),
    ("G", "review the dataset (gallery)"),
]


def install_shortcuts(window) -> None:
    """Application-wide shortcuts on ``window`` (a MainWindow); keep SHORTCUTS in step with these."""

    def add(key: str, handler) -> None:
        # triggered passes `checked`; the handlers take their own arguments (Ctrl+digit was a TypeError)
        action = QAction(window, shortcut=QKeySequence(key), triggered=lambda _checked=False: handler())
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        window.addAction(action)

    add("Space", window.pause_button.toggle)
    add("Right", window.step)
    add("Ctrl+O", window.choose_file)
    add("Ctrl+Shift+D", lambda: window.set_source("demo"))
    add("Ctrl+M", window.choose_model)
    add("D", lambda: window.detector_box.setCurrentIndex(1 - window.detector_box.currentIndex()))
    add("M", window.mirror_box.toggle)
    add("L", window.loop_box.toggle)
    add("+", lambda: window.smooth_slider.setValue(window.smooth_slider.value() + 5))
    add("=", lambda: window.smooth_slider.setValue(window.smooth_slider.value() + 5))
    add("-", lambda: window.smooth_slider.setValue(window.smooth_slider.value() - 5))
    add("]", lambda: window.score_slider.setValue(window.score_slider.value() + 5))
    add("[", lambda: window.score_slider.setValue(window.score_slider.value() - 5))
    add("F11", window.toggle_presentation)
    add("Escape", lambda: window.presenting and window.toggle_presentation())
    add("F1", window.help.toggle)
    add("I", window.inspect_selected)
    add("W", window.capture.wrong.toggle)
    add("G", window.capture.open_gallery)
    for digit in range(10):
        add(str(digit), partial(window.capture.capture, digit))
        add(f"Ctrl+{digit}", partial(window.capture.capture, digit, True))
