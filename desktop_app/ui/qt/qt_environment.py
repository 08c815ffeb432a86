"""Undo what importing cv2 does to Qt's environment, and tell whether a screen exists.

opencv-contrib-python ships its own Qt plugins and, on import, points QT_QPA_PLATFORM_PLUGIN_PATH and
QT_QPA_FONTDIR at them. PySide6 then tries cv2's xcb plugin first. Call ``restore_qt_environment``
before the QApplication is created. (No PySide6 import here, so tests can call it early.)
"""
from __future__ import annotations

import os
import sys


def restore_qt_environment() -> None:
    for key in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        value = os.environ.get(key, "")
        if f"{os.sep}cv2{os.sep}" in value:
            del os.environ[key]


def has_screen() -> bool:
    """False on a Linux machine with no X or Wayland display and no platform chosen by hand."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
