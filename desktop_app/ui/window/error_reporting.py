"""Unexpected exceptions in the window's slots reach the user: PySide6 hands an exception raised in a
slot to ``sys.excepthook`` and carries on, so the hook logs the traceback (``core/error_log.py``)
and shows one line in the banner. A signal carries the line, so a hook called on another thread
still touches widgets only on the GUI thread."""
from __future__ import annotations

import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from desktop_app.core.error_log import describe


class ErrorReporter(QObject):
    reported = Signal(str)  # the banner's line; queued onto the GUI thread when emitted elsewhere

    def __init__(self, show_message: Callable[[str], None], parent=None) -> None:
        super().__init__(parent)
        self.reported.connect(show_message)
        self._previous = sys.excepthook
        sys.excepthook = self._hook

    def _hook(self, kind, exc, tb) -> None:
        if exc.__traceback__ is None:
            exc.__traceback__ = tb
        self.reported.emit(describe(exc, "unexpected error"))
        self._previous(kind, exc, tb)  # still printed on stderr (and seen by pytest-qt)

    def uninstall(self) -> None:
        if sys.excepthook == self._hook:
            sys.excepthook = self._previous
