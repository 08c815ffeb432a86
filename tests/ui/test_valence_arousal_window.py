"""The window with a model that gives valence and arousal: the selected face's bars name both, the room's
valence–arousal plane shows each face as a dot in its expression's colour (larger text in presentation
mode), the inspector says them; after switching to the bundled model (no such output) none of it shows."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.ui.window.main_window import SELECTED_TITLE, MainWindow
from support.models import valence_arousal_model


@pytest.fixture(scope="module")
def va_model(tmp_path_factory) -> Path:
    return valence_arousal_model(tmp_path_factory.mktemp("va"))


def test_valence_arousal_show_for_such_a_model_and_vanish_for_the_bundled_one(qtbot, tmp_path, va_model):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("dataset", str(tmp_path / "dataset"))
    win = MainWindow("demo", str(va_model), "short", settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.session.result is not None and bool(win.session.result.faces), timeout=20000)
    win.pause_button.setChecked(True)
    qtbot.wait(200)
    result = win.session.result
    face = win.session.selected_face()
    assert win.va_plane.isVisible() and face.valence_arousal is not None
    assert win.bars.title.startswith(f"{SELECTED_TITLE}: valence ") and "arousal" in win.bars.title
    spots = win.va_plane.dots.points()
    assert len(spots) == len(result.faces)
    colors = dict(zip(win.va_plane.labels, expression_colors(win.va_plane.labels)))
    assert {spot.brush().color().getRgb()[:3] for spot in spots} == {colors[f.label] for f in result.faces}

    before = win.va_plane.point_size
    win.toggle_presentation()
    qtbot.waitUntil(lambda: win.va_plane.point_size > before * 1.5, timeout=3000)
    assert win.va_plane.height() > 0
    win.toggle_presentation()
    assert win.va_plane.point_size == pytest.approx(before)

    win.inspect_selected()
    qtbot.waitUntil(lambda: win.inspector is not None and "valence" in win.inspector.details.text(), timeout=10000)

    with qtbot.waitSignal(win.worker.model_loaded, timeout=10000):
        win.load_model(str(DEFAULT_MODEL))
    win.pause_button.setChecked(False)
    qtbot.waitUntil(lambda: win.session.result.model_path == str(DEFAULT_MODEL) and bool(win.session.result.faces),
                    timeout=10000)
    qtbot.wait(200)
    assert not win.va_plane.isVisible() and win.bars.title == SELECTED_TITLE
    win.close()
