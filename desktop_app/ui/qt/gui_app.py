"""The one ``QApplication`` of a process, with Python's cyclic garbage collection moved to its thread.

Python's collector runs on whichever thread happens to allocate. When that is the inference worker and
the garbage holds a Qt object (a closed dialog, a menu), Qt destroys it off the GUI thread, which can
deadlock: the test suite once hung with the worker inside ``gc.collect`` → ``~QMenu`` waiting for the
GIL while the GUI thread, holding the GIL, waited in ``~QObject`` for the mutex the worker held. So
automatic collection is turned off and the GUI thread collects on a timer, the recipe pyqtgraph gives
for threaded Qt programs (``pyqtgraph.util.garbage_collector``).
"""
from __future__ import annotations

import gc
import sys

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtWidgets import QApplication

GC_INTERVAL_S = 1.0  # generation 0 fills in well under a second of video; a collection takes ~1 ms
_collector: GarbageCollector | None = None


def gui_application() -> QApplication:
    """The running ``QApplication`` (made if needed), collecting garbage on its thread only."""
    global _collector
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if _collector is None:
        _collector = GarbageCollector(interval=GC_INTERVAL_S)
    gc.disable()  # (again, should anything have turned it back on)
    return app
