"""PySide6 6.12.0 decremented None's reference count once per call on Python 3.11, where None is not
immortal: a running window lost ~2,000 references a second and the interpreter aborted ("deallocating
None"). This keeps the pinned PySide6 honest."""
from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QLabel

from desktop_app.ui.window.video_view import VideoView


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")
def test_qt_calls_do_not_steal_references_to_none(qtbot, astronaut):
    from desktop_app.core.pipeline import ExpressionPipeline

    label = QLabel()
    qtbot.addWidget(label)
    view = VideoView()
    qtbot.addWidget(view)
    with ExpressionPipeline() as pipeline:
        result = pipeline.process(astronaut)
    view.show_frame(astronaut, result, None)
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("abc")
        view.show_frame(astronaut, result, None)
    assert sys.getrefcount(None) >= before
