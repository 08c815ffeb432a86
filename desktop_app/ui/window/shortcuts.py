"""Every keyboard shortcut of the window in one table of (keys, description, handler): the actions and
the F1 overlay are both built from it, so the help cannot drift from what the keys do.

Shortcuts belong to the main window (Qt's window context): they never fire while a dialog (gallery,
inspector, a file chooser) has the keyboard, and text fields in the window keep the keys typed in them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from desktop_app.ui.samples.capture_panel import LABEL_KEYS  # the panel saves them; the keys bind them


@dataclass(frozen=True)
class Shortcut:
    keys: tuple[str, ...]  # QKeySequence strings bound to the handler
    shown: str  # how the help writes the keys
    description: str
    handler: Callable  # called with the window (and nothing else)


def _nudge(slider_name: str, step: int) -> Callable:
    return lambda w: getattr(w, slider_name).setValue(getattr(w, slider_name).value() + step)


def _escape(window) -> None:
    if window.help.isVisible():
        window.help.toggle()
    elif window.presenting:
        window.toggle_presentation()


SHORTCUTS: list[Shortcut] = [
    Shortcut(("Space",), "Space", "pause / resume (freeze the frame)", lambda w: w.pause_button.toggle()),
    Shortcut(("Right",), "Right", "step one frame while paused", lambda w: w.step()),
    Shortcut(("Ctrl+O",), "Ctrl+O", "open a video or image file", lambda w: w.choose_file()),
    Shortcut(("Ctrl+Shift+D",), "Ctrl+Shift+D", "bundled demo source", lambda w: w.set_source("demo")),
    Shortcut(("Ctrl+M",), "Ctrl+M", "open another model (.tflite + .json)", lambda w: w.choose_model()),
    Shortcut(("D",), "D", "detector: short range / full range / group (classroom)",
             lambda w: w.detector_box.setCurrentIndex((w.detector_box.currentIndex() + 1) % w.detector_box.count())),
    Shortcut(("M",), "M", "mirror the video", lambda w: w.mirror_action.toggle()),
    Shortcut(("L",), "L", "loop files at their end", lambda w: w.loop_action.toggle()),
    Shortcut(("+", "="), "+", "more smoothing", _nudge("smooth_slider", 5)),
    Shortcut(("-",), "-", "less smoothing", _nudge("smooth_slider", -5)),
    Shortcut(("]",), "]", "higher minimum face score", _nudge("score_slider", 5)),
    Shortcut(("[",), "[", "lower minimum face score", _nudge("score_slider", -5)),
    Shortcut(("F11",), "F11", "presentation mode (Escape leaves it)", lambda w: w.toggle_presentation()),
    Shortcut(("Escape",), "Escape", "close this help / leave presentation mode", _escape),
    Shortcut(("F1",), "F1", "this help", lambda w: w.help.toggle()),
    Shortcut(("I",), "I or click (paused)", "inspect the selected face", lambda w: w.inspect_selected()),
    Shortcut(tuple(str(d) for d in range(LABEL_KEYS)), f"0 … {LABEL_KEYS - 1}",
             "save the selected face with that label (the capture panel lists them)", None),
    Shortcut(tuple(f"Ctrl+{d}" for d in range(LABEL_KEYS)), f"Ctrl+0 … {LABEL_KEYS - 1}",
             "save every face with that label", None),
    Shortcut(("W",), "W", "mark: wrong prediction (next save)", lambda w: w.capture.wrong.toggle()),
    Shortcut(("G",), "G", "review the dataset (gallery)", lambda w: w.capture.open_gallery()),
    Shortcut(("Ctrl+T",), "Ctrl+T", "fine-tune the model on the capture panel's dataset, then compare old and new",
             lambda w: w.comparison.fine_tune()),
]


def help_rows(label_keys: int = LABEL_KEYS) -> list[tuple[str, str]]:
    """(keys as written, description) for the help overlay; the label keys as far as ``label_keys`` labels
    reach (eight AffectNet labels: 0 … 7), so the help never lists a digit that saves nothing."""
    last = max(min(label_keys, LABEL_KEYS), 1) - 1
    shown = {f"0 … {LABEL_KEYS - 1}": f"0 … {last}", f"Ctrl+0 … {LABEL_KEYS - 1}": f"Ctrl+0 … {last}"}
    return [(shown.get(s.shown, s.shown), s.description) for s in SHORTCUTS]


def install_shortcuts(window) -> list[QAction]:
    """One QAction per key on ``window`` (a MainWindow), active only while that window has the keyboard."""
    actions = []
    for shortcut in SHORTCUTS:
        for key in shortcut.keys:
            if shortcut.handler is not None:
                handler = partial(shortcut.handler, window)
            else:  # the label keys: digit, with Ctrl for every face
                digit = int(key[-1])
                handler = partial(window.capture.capture, digit, key.startswith("Ctrl+"))
            action = QAction(window, shortcut=QKeySequence(key))
            action.triggered.connect(lambda _checked=False, h=handler: h())
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            window.addAction(action)
            actions.append(action)
    return actions
