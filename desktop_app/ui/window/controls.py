"""The window's controls: two toolbar rows (what a user changes often: source, pause, step, detector; then
the tuning sliders, which wrap to a second row when the window is narrow) and the menus (what is rarely
used: loop, mirror, model, recent files; each item names its key, bound in ``shortcuts.py``).

As a Qt Designer form's ``setupUi`` does, these functions build the widgets onto the window as its
attributes: the shortcuts, presentation mode and the window's own handlers reach them by name."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QLabel, QMainWindow, QPushButton, QSlider, QToolBar

from desktop_app.core.detection.face_detection import DETECTOR_LABELS

SLIDER_WIDTH = 90


def add_toolbars(window: QMainWindow, detector: str) -> None:
    """The controls row (``toolbar``) and the sliders row (``tuning_bar``)."""
    w = window
    w.toolbar = bar = QToolBar("Controls")
    bar.setObjectName("controls")
    w.addToolBar(bar)
    w.source_box = QComboBox()
    w.source_box.setMinimumContentsLength(18)
    w.source_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    w.source_box.activated.connect(w.sources.on_source_chosen)
    bar.addWidget(QLabel(" Source "))
    bar.addWidget(w.source_box)
    w.pause_button = QPushButton("Pause", checkable=True, toggled=w.sources.set_paused)
    w.step_button = QPushButton("Step", clicked=w.step)
    bar.addWidget(w.pause_button)
    bar.addWidget(w.step_button)
    bar.addSeparator()
    bar.addWidget(QLabel(" Detector "))
    w.detector_box = QComboBox()
    for kind, label in DETECTOR_LABELS.items():
        w.detector_box.addItem(label, kind)
    w.detector_box.setCurrentIndex(max(0, w.detector_box.findData(detector)))
    w.detector_box.currentIndexChanged.connect(lambda: w.set_detector(w.detector_box.currentData()))
    bar.addWidget(w.detector_box)
    w.tuning_bar = tuning = QToolBar("Tuning")
    tuning.setObjectName("tuning")
    w.addToolBar(tuning)
    w.smooth_slider = labelled_slider(tuning, "Smoothing", 0, 95, 50, lambda v: w.worker.request(smoothing=v / 100))
    w.score_slider = labelled_slider(tuning, "Min score", 10, 95, 50, lambda v: w.worker.request(min_score=v / 100))


def add_menus(window: QMainWindow) -> None:
    """Source, Model and View; ``recent_menu``, ``loop_action``, ``mirror_action`` and ``view_menu`` stay
    reachable from the window."""
    w = window
    menu = w.menuBar().addMenu("&Source")
    menu.addAction("Demo\tCtrl+Shift+D", lambda: w.set_source("demo"))
    menu.addAction("Open file…\tCtrl+O", w.choose_file)
    w.recent_menu = menu.addMenu("Recent files")
    menu.addSeparator()
    w.loop_action = QAction("Loop files at their end\tL", w, checkable=True)
    w.loop_action.setChecked(w.settings.value("loop", "true") in (True, "true"))
    w.loop_action.toggled.connect(w.sources.on_loop)
    menu.addAction(w.loop_action)
    menu = w.menuBar().addMenu("&Model")
    menu.addAction("Open model…\tCtrl+M", w.choose_model)
    menu.addAction("Fine-tune on the capture dataset…\tCtrl+T", lambda: w.comparison.fine_tune())
    menu = w.menuBar().addMenu("&View")
    w.mirror_action = QAction("Mirror the video\tM", w, checkable=True)
    w.mirror_action.toggled.connect(w.set_mirrored)
    menu.addAction(w.mirror_action)
    menu.addAction("Presentation mode\tF11", w.toggle_presentation)
    menu.addAction("Keyboard shortcuts\tF1", lambda: w.help.toggle())
    w.view_menu = menu


def labelled_slider(bar: QToolBar, name: str, lo: int, hi: int, value: int, apply: Callable[[int], object]) -> QSlider:
    """A slider with a label that shows its value / 100; ``apply`` gets every new value."""
    label = QLabel()
    slider = QSlider(Qt.Orientation.Horizontal, minimum=lo, maximum=hi, value=value)
    slider.setFixedWidth(SLIDER_WIDTH)
    slider.valueChanged.connect(lambda v: (label.setText(f" {name} {v / 100:.2f} "), apply(v)))
    label.setText(f" {name} {value / 100:.2f} ")
    bar.addWidget(label)
    bar.addWidget(slider)
    return slider
