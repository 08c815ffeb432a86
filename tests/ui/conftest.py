"""Fixtures of the window tests."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.ui.window.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("dataset", str(tmp_path / "dataset"))
    win = MainWindow("demo", str(DEFAULT_MODEL), "short", settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.session.result is not None and bool(win.session.result.faces), timeout=20000)
    win.pause_button.setChecked(True)
    qtbot.wait(200)
    yield win
    win.close()
