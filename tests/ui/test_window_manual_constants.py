"""The window's numbers the manual (README.md, docs/) states, read from its sentences and compared with the
constants the window uses (the Qt-free ones: tests/project/test_manual_constants.py)."""
from __future__ import annotations

import inspect

from desktop_app.ui.charts.rolling_graph import RollingGraph
from desktop_app.ui.samples.capture_panel import RETRY_MS
from desktop_app.ui.samples.fine_tune_dialog import GRACE_MS, TRAIN_SHARE
from desktop_app.ui.window.presentation import DETAIL, EM_SHARE
from support.manual import promise


def test_window_timings_and_sizes():
    assert int(promise(r"is retried every (\d+) s, in order").group(1)) * 1000 == RETRY_MS
    assert int(promise(r"kills it after (\d+) s").group(1)) * 1000 == GRACE_MS
    assert int(promise(r"training fills (\d+)% of it").group(1)) / 100 == TRAIN_SHARE
    assert float(promise(r"the font's em is ([\d.]+)% of it").group(1)) / 100 == EM_SHARE
    assert promise(r"front-row text,\s+about half that size") and 0.4 <= DETAIL <= 0.6
    seconds = inspect.signature(RollingGraph).parameters["seconds"].default
    assert float(promise(r"each label's probability over the last (\d+) seconds").group(1)) == seconds
