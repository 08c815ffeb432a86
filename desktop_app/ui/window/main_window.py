"""The main window: video, confidence bars, rolling graph, status line, controls, presentation mode.

It fits the screen it opens on (a laptop's area between title bar and taskbar) and stays legible when narrow:
charts keep minimum sizes, the charts go under the video when the window is narrower than ``STACK_WIDTH``,
the tuning sliders wrap to a second toolbar row, and rarely used controls (loop, mirror, model, recent files)
live in the menus."""
from __future__ import annotations

import json
import time
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, DETECTOR_LABELS
from desktop_app.core.expression.model_spec import ModelSpec
from desktop_app.core.expression.valence_arousal import bars_title
from desktop_app.core.media.frame_pump import FramePump, LatestFrameSlot
from desktop_app.core.media.frame_sources import camera_choices, open_source
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import FRAME_STAGES, FrameResult
from desktop_app.core.session import MediaClock, Session, remember_recent
from desktop_app.ui.charts.label_bars import LabelBars
from desktop_app.ui.charts.rolling_graph import RollingGraph
from desktop_app.ui.charts.valence_arousal_plane import ValenceArousalPlane
from desktop_app.ui.samples.model_comparison import ModelComparison
from desktop_app.ui.window.error_reporting import ErrorReporter
from desktop_app.ui.window.help_overlay import HelpOverlay
from desktop_app.ui.window.presentation import PresentationMode
from desktop_app.ui.window.seek_bar import SeekBar
from desktop_app.ui.window.shortcuts import help_rows, install_shortcuts
from desktop_app.ui.window.worker import InferenceWorker, PipelineSettings

GRAPH_REDRAW_MS = 100  # rolling graph and room chart redraw at most 10 times a second
STATUS_MS = 250
SELECTED_TITLE = "Selected face"
FIRST_SIZE = QSize(1280, 760)  # a first window, where the screen has room for it
FRAME_ALLOWANCE = QSize(16, 40)  # a window manager's borders, title bar included, until the real ones are known
TITLE_ALLOWANCE = 30  # of which the title bar, above the window's client area
STACK_WIDTH = 560  # a central area narrower than this puts the charts under the video


class MainWindow(QMainWindow):
    def __init__(self, source: str | None = None, model: str | None = None, detector: str | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Facial expressions")
        self.settings = settings or QSettings()
        self.session = Session(source or str(self.settings.value("source", "demo")))
        self.clock = MediaClock()
        model = model or str(self.settings.value("model", str(DEFAULT_MODEL)))
        if not Path(model).is_file():
            model = str(DEFAULT_MODEL)
        detector = detector or str(self.settings.value("detector", DEFAULT_DETECTOR))
        self.slot = LatestFrameSlot()
        self.pump: FramePump | None = None
        self._result_times: list[float] = []
        self._graph_dirty = False
        self.latency_ms: list[float] = []  # frame read → its result drawn, last 1000 results

        self._build_widgets(detector)
        self.presentation = PresentationMode(self)
        install_shortcuts(self)
        self.errors = ErrorReporter(self.show_message, self)  # an exception in any slot: logged, a banner
        self.worker = InferenceWorker(self.slot, PipelineSettings(model, detector,
                                                                  self.score_slider.value() / 100,
                                                                  self.smooth_slider.value() / 100))
        self.worker.result_ready.connect(self.on_result)
        self.worker.model_loaded.connect(self.on_model_loaded)
        self.worker.failed.connect(self.show_message)
        self.worker.comparison_loaded.connect(self.comparison.on_comparison_loaded)
        self.worker.finished.connect(self._on_worker_finished)
        self.worker.start()
        self._graph_timer = QTimer(self, interval=GRAPH_REDRAW_MS, timeout=self._redraw_graphs)
        self._graph_timer.start()
        self._status_timer = QTimer(self, interval=STATUS_MS, timeout=self._update_status)
        self._status_timer.start()
        window_state = self.settings.value("window_state")
        if window_state is not None:
            self.restoreState(window_state)
        geometry = self.settings.value("geometry")
        self._first_run = geometry is None
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.setGeometry(first_geometry(self.screen().availableGeometry()))
        self._dropped_before = 0  # dropped-frame count when the source started: the status counts per source
        self._saved_keys: dict = {}
        self.set_source(self.session.source_spec)

    # ---- layout -------------------------------------------------------------------------------------
    def _build_widgets(self, detector: str) -> None:
        from desktop_app.ui.window.video_view import VideoView

        self.video = VideoView()
        self.video.face_clicked.connect(self.select_face)
        self.bars = LabelBars(SELECTED_TITLE)
        self.comparison = ModelComparison(self)  # fine-tune, then old and new side by side
        self.compare_bars = self.comparison.bars
        bars_row = QWidget()
        row = QHBoxLayout(bars_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        for bars in (self.bars, self.compare_bars):  # two columns share the width, never clipped
            bars.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            row.addWidget(bars)
        self.graph = RollingGraph()
        self.room = LabelBars("Room: share of faces")
        self.room.setVisible(False)
        bars_row.setMinimumWidth(180)
        self.graph.setMinimumSize(200, 120)
        self.side = side = QSplitter(Qt.Orientation.Vertical)
        side.setChildrenCollapsible(False)
        self.va_plane = ValenceArousalPlane()  # shown for a model with valence/arousal (on_model_loaded)
        self.va_plane.setVisible(False)
        for w in (bars_row, self.graph, self.room, self.va_plane):
            side.addWidget(w)
        self.seek_bar = SeekBar()
        self.seek_bar.seek_requested.connect(self.seek)
        self._seek_source = None  # the source the seek bar was set up for
        video_column = QWidget()
        column = QVBoxLayout(video_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.video, 1)
        column.addWidget(self.seek_bar)
        self.video.setMinimumSize(200, 150)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(video_column)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        state = self.settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)

        self.banner = QWidget()
        self.banner.setStyleSheet("background:#5a3b00; color:white;")
        row = QHBoxLayout(self.banner)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.demo_button = QPushButton("Use the demo", clicked=lambda: self.set_source("demo"))
        self.retry_button = QPushButton("Retry", clicked=lambda: self.set_source(self.session.source_spec))
        close = QPushButton("Dismiss", clicked=self.banner.hide)
        for w in (self.banner_text, self.demo_button, self.retry_button, close):
            row.addWidget(w, 1 if w is self.banner_text else 0)
        self.banner.hide()

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        column.addWidget(self.comparison.bar)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)

        self._build_toolbars(detector)
        self._build_menus()
        self.help = HelpOverlay(help_rows(), self)
        from desktop_app.ui.samples.capture_panel import CapturePanel

        self.capture = CapturePanel(self.session, self.settings, self.show_message, self)
        self.capture.fine_tune_requested.connect(self.comparison.fine_tune)
        self.capture.keys_changed.connect(lambda count: self.help.set_rows(help_rows(count)))
        self.help.set_rows(help_rows(len(self.capture.labels())))
        dock = QDockWidget("Capture samples", self)
        dock.setObjectName("capture")
        dock.setWidget(self.capture)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.capture_dock = dock
        self.view_menu.addAction(dock.toggleViewAction())  # closed, it comes back from View ▸ Capture samples
        self.inspector = None

    def _build_toolbars(self, detector: str) -> None:
        """Two rows' worth: what a user changes often (source, pause, step, detector), then the tuning
        sliders, which wrap to a second row when the window is too narrow for one."""
        self.toolbar = bar = QToolBar("Controls")
        bar.setObjectName("controls")
        self.addToolBar(bar)
        self.source_box = QComboBox()
        self.source_box.setMinimumContentsLength(18)
        self.source_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.source_box.activated.connect(self._on_source_chosen)
        bar.addWidget(QLabel(" Source "))
        bar.addWidget(self.source_box)
        self.pause_button = QPushButton("Pause", checkable=True, toggled=self.set_paused)
        self.step_button = QPushButton("Step", clicked=self.step)
        bar.addWidget(self.pause_button)
        bar.addWidget(self.step_button)
        bar.addSeparator()
        bar.addWidget(QLabel(" Detector "))
        self.detector_box = QComboBox()
        for kind, label in DETECTOR_LABELS.items():
            self.detector_box.addItem(label, kind)
        self.detector_box.setCurrentIndex(max(0, self.detector_box.findData(detector)))
        self.detector_box.currentIndexChanged.connect(
            lambda: self.set_detector(self.detector_box.currentData()))
        bar.addWidget(self.detector_box)
        self.tuning_bar = tuning = QToolBar("Tuning")
        tuning.setObjectName("tuning")
        self.addToolBar(tuning)
        self.smooth_slider = self._slider(tuning, "Smoothing", 0, 95, 50,
                                          lambda v: self.worker.request(smoothing=v / 100))
        self.score_slider = self._slider(tuning, "Min score", 10, 95, 50,
                                         lambda v: self.worker.request(min_score=v / 100))

    def _build_menus(self) -> None:
        """Rarely used controls; each item names its key (the keys themselves are bound in shortcuts.py)."""
        menu = self.menuBar().addMenu("&Source")
        menu.addAction("Demo\tCtrl+Shift+D", lambda: self.set_source("demo"))
        menu.addAction("Open file…\tCtrl+O", self.choose_file)
        self.recent_menu = menu.addMenu("Recent files")
        menu.addSeparator()
        self.loop_action = QAction("Loop files at their end\tL", self, checkable=True)
        self.loop_action.setChecked(self.settings.value("loop", "true") in (True, "true"))
        self.loop_action.toggled.connect(self._on_loop)
        menu.addAction(self.loop_action)
        menu = self.menuBar().addMenu("&Model")
        menu.addAction("Open model…\tCtrl+M", self.choose_model)
        menu.addAction("Fine-tune on the capture dataset…\tCtrl+T", lambda: self.comparison.fine_tune())
        menu = self.menuBar().addMenu("&View")
        self.mirror_action = QAction("Mirror the video\tM", self, checkable=True)
        self.mirror_action.toggled.connect(self._on_mirror)
        menu.addAction(self.mirror_action)
        menu.addAction("Presentation mode\tF11", self.toggle_presentation)
        menu.addAction("Keyboard shortcuts\tF1", lambda: self.help.toggle())
        self.view_menu = menu

    def recent_sources(self) -> list[str]:
        try:
            recent = json.loads(str(self.settings.value("recent_sources", "[]")))
        except ValueError:
            return []
        return [r for r in recent if isinstance(r, str)] if isinstance(recent, list) else []

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for spec in self.recent_sources():
            self.recent_menu.addAction(spec, partial(self.set_source, spec))
        self.recent_menu.setEnabled(bool(self.recent_sources()))

    def _slider(self, bar: QToolBar, name: str, lo: int, hi: int, value: int, apply) -> QSlider:
        label = QLabel()
        slider = QSlider(Qt.Orientation.Horizontal, minimum=lo, maximum=hi, value=value)
        slider.setFixedWidth(90)
        slider.valueChanged.connect(lambda v: (label.setText(f" {name} {v / 100:.2f} "), apply(v)))
        label.setText(f" {name} {value / 100:.2f} ")
        bar.addWidget(label)
        bar.addWidget(slider)
        return slider

    # ---- sources ------------------------------------------------------------------------------------
    def _fill_source_box(self) -> None:
        self.source_box.blockSignals(True)
        self.source_box.clear()
        self.source_box.addItem("Demo", "demo")
        for index in camera_choices():
            self.source_box.addItem(f"Camera {index}", index)
        spec = self.session.source_spec
        for recent in [spec] + self.recent_sources() if spec not in ("demo", *camera_choices()) else \
                self.recent_sources():
            if self.source_box.findData(recent) < 0:
                self.source_box.addItem(Path(recent).name, recent)
                self.source_box.setItemData(self.source_box.count() - 1, recent, Qt.ItemDataRole.ToolTipRole)
        self.source_box.addItem("Open file…", "__open__")
        self.source_box.setCurrentIndex(max(0, self.source_box.findData(spec)))
        self.source_box.blockSignals(False)

    def _on_source_chosen(self, index: int) -> None:
        data = self.source_box.itemData(index)
        if data == "__open__":
            self.choose_file()
        else:
            self.set_source(data)

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a video or image", "",
                                              "Videos and images (*.avi *.mp4 *.mkv *.webm *.mov *.png *.jpg "
                                              "*.jpeg *.bmp);;All files (*)")
        if path:
            self.set_source(path)
        else:
            self._fill_source_box()

    def set_source(self, spec: str) -> None:
        """Stop the current source, start ``spec`` (opened on the pump's thread, never here)."""
        if self.pump is not None:
            self.pump.stop()
        self.slot.take(timeout=0)  # a frame of the old source must not start the new epoch
        self.banner.hide()
        epoch = self.session.switch_source(spec)
        self.graph.clear_history()
        self.clock.reset()
        self.worker.request(reset_tracks=epoch)
        self.pump = FramePump(partial(open_source, spec), self.slot, loop=self.loop_action.isChecked(), name=spec)
        self.pump.set_paused(self.pause_button.isChecked())
        self.pump.start()
        self.settings.setValue("source", spec)
        self.settings.setValue("recent_sources", json.dumps(remember_recent(self.recent_sources(), spec)))
        self._fill_source_box()
        self._fill_recent_menu()
        self.step_button.setEnabled(not self.session.is_live)  # files and the demo step; cameras do not

    def set_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        if self.pump is not None:
            self.pump.set_paused(paused)

    def step(self) -> None:
        if not self.pause_button.isChecked():
            self.pause_button.setChecked(True)
        if self.pump is not None:
            self.pump.step()

    def seek(self, index: int) -> None:
        """Go to frame ``index`` of a file (paused: show just that frame). Smoothing starts again there."""
        if self.pump is None:
            return
        self.slot.take(timeout=0)
        # New tracks (ids, smoothing) from the frame sought, in the same epoch: a frame in flight stays valid
        self.worker.request(reset_tracks=self.session.epoch)
        self.graph.clear_history()
        self.clock.reset()
        self.pump.seek(index)

    def _sync_seek_bar(self) -> None:
        """The pump opens its source on its own thread: set the seek bar up once it is there."""
        source = self.pump.source if self.pump is not None else None
        if source is not self._seek_source:
            self._seek_source = source
            self.seek_bar.set_source(source.frame_count if source is not None else None,
                                     source.fps if source is not None else 30.0)
            if self.presenting:
                self.seek_bar.hide()

    def _on_loop(self, loop: bool) -> None:
        self.settings.setValue("loop", loop)
        if self.pump is not None:
            self.pump.loop = loop

    def _on_mirror(self, mirror: bool) -> None:
        self.video.mirror = mirror
        self.redraw_frame()

    def redraw_frame(self) -> None:
        """Draw the last frame again (a style changed while paused)."""
        if self.session.result is not None:
            self.video.show_frame(self.session.frame, self.session.result, self.session.selected_id)

    # ---- model and detector -------------------------------------------------------------------------
    def set_detector(self, kind: str) -> None:
        self.settings.setValue("detector", kind)
        self.worker.request(detector=kind)

    def choose_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an expression model", str(DEFAULT_MODEL.parent),
                                              "TFLite models (*.tflite)")
        if path:
            self.load_model(path)

    def load_model(self, path: str) -> None:
        """Asks the worker to switch; a bad model leaves the current one loaded and says why."""
        self.worker.request(model_path=path)

    def on_model_loaded(self, spec: ModelSpec, path: str) -> None:
        self.session.set_model(path, spec.name, spec.labels)
        self.capture.describe_keys()
        self.bars.set_labels(spec.labels)
        self.room.set_labels(spec.labels)
        self.graph.set_labels(spec.labels)
        self.va_plane.set_labels(spec.labels)
        self.va_plane.setVisible(spec.has_valence_arousal)
        self.settings.setValue("model", path)
        self.setWindowTitle(f"Facial expressions: {spec.name}")

    def _on_worker_finished(self) -> None:
        if self.session.model is None and not self.worker.stopping:  # the remembered model would not load
            self.settings.setValue("model", str(DEFAULT_MODEL))
            self.worker.settings.model_path = str(DEFAULT_MODEL)
            self.worker.start()

    # ---- results ------------------------------------------------------------------------------------
    def select_face(self, face_id: int) -> None:
        if self.session.select(face_id):
            self.graph.clear_history()
        self.redraw_frame()
        if self.pause_button.isChecked():  # frozen: a click opens the inspector
            self.inspect_selected()

    def inspect_selected(self) -> None:
        session = self.session
        face = session.selected_face()
        if face is None:
            return
        from desktop_app.ui.inspect.inspector import InspectorDialog

        if self.inspector is None:
            self.inspector = InspectorDialog(self)
        if self.banner_text.text().startswith("inspector:"):  # an earlier attempt's error is history now
            self.banner.hide()
        try:
            result = session.result  # comparing two models live: the inspector shows both, until it ends
            live = result.compare_model_path if result.comparing else None
            if self.inspector.compare_model_path != live and (live or self.inspector.follows_live_comparison):
                self.inspector.set_compare_model(live, show=False)
            self.inspector.follows_live_comparison = live is not None
            self.inspector.inspect(session.frame, face, result.model_path, result.index)
        except Exception as exc:  # noqa: BLE001 - a failed inspection must not take the window down
            self.show_message(f"inspector: {exc}")

    def on_result(self, frame: np.ndarray, result: FrameResult) -> None:
        session = self.session
        first = session.result is None
        changed = session.take_result(frame, result)
        if changed is None:  # made before the last source switch
            self.worker.result_shown()
            return
        if first:  # the new source's first result: what was dropped until now belongs to the old source
            self._dropped_before = self.slot.dropped + self.worker.skipped_results
        if changed:  # the selected face left: the largest one is selected
            self.graph.clear_history()
        self.video.show_frame(frame, result, session.selected_id)
        self._sync_seek_bar()
        self.seek_bar.show_frame(result.index)
        face = session.selected_face()
        if session.current_labels_match():
            self.bars.set_values(face.probabilities if face else None)
            self.bars.set_title(bars_title(SELECTED_TITLE, face.valence_arousal if face else None))
            self.va_plane.set_faces(result.faces, session.selected_id)
            self.comparison.show_result(result, face)
            if face is not None:  # media time for files: a pause or a step draws no ramp
                self.graph.append(self.clock.time_of(result.time_s), face.probabilities)
            self._graph_dirty = True
        if self.inspector is not None and self.inspector.isVisible() and self.pause_button.isChecked():
            self._follow_inspector(result)  # Step and seek: the inspector shows the frame the window shows
        now = time.monotonic()
        self._result_times = [t for t in self._result_times if now - t < 1.0] + [now]
        self.worker.result_shown()
        if result.read_at:
            self.latency_ms.append((time.monotonic() - result.read_at) * 1e3)
            del self.latency_ms[:-1000]

    def _follow_inspector(self, result: FrameResult) -> None:
        if self.session.selected_face() is not None:
            self.inspect_selected()
        else:
            self.inspector.show_missing(result.index, self.session.selected_id)

    def _redraw_graphs(self) -> None:
        if not self._graph_dirty:
            return
        self._graph_dirty = False
        self.graph.redraw()
        if self.room.isVisible():
            self.room.set_values(self.session.room_shares())

    def _update_status(self) -> None:
        pump = self.pump
        if pump is not None and pump.state.error:
            self.show_message(pump.state.error, offer_sources=True)
            pump.state.error = None
        self._sync_seek_bar()
        parts = []
        if pump is not None:
            parts.append(source_rate_text(pump))
        parts.append(f"processed {len(self._result_times)} fps")
        result = self.session.result
        if result is not None:
            t = result.timings_ms
            parts.append("ms " + " ".join(f"{k} {t[k]:.1f}" for k in FRAME_STAGES if k in t))
            parts.append(f"faces {len(result.faces)}")
            if result.detector_activity:
                parts.append(f"detector {result.detector_activity}")
        parts.append(f"dropped {self.slot.dropped + self.worker.skipped_results - self._dropped_before}")
        if pump is not None and pump.state.finished:
            parts.append("end of file")
        if pump is not None and pump.paused:
            parts.append("paused")
        if result is not None and result.hint:
            parts.append(result.hint)
        self.status.setText("   ".join(parts))

    def show_message(self, text: str, offer_sources: bool = False) -> None:
        """A non-modal banner; the app keeps running."""
        self.banner_text.setText(text)
        self.demo_button.setVisible(offer_sources)
        self.retry_button.setVisible(offer_sources)
        self.banner.show()

    # ---- fitting the screen ---------------------------------------------------------------------------
    def arrange(self, stacked: bool | None = None) -> None:
        """Charts beside the video, or under it when the window is narrow (``stacked`` None: decide by width)."""
        if stacked is None:
            stacked = self.centralWidget().width() < STACK_WIDTH
        if stacked == (self.splitter.orientation() == Qt.Orientation.Vertical):
            return  # as it is (a restored layout keeps its sizes)
        self.splitter.setOrientation(Qt.Orientation.Vertical if stacked else Qt.Orientation.Horizontal)
        self.side.setOrientation(Qt.Orientation.Horizontal if stacked else Qt.Orientation.Vertical)
        shown = [not w.isHidden() for w in (self.side.widget(i) for i in range(self.side.count()))]
        self.side.setSizes([1000 if visible else 0 for visible in shown])  # the charts share the new direction
        total = max(sum(self.splitter.sizes()), 2)
        self.splitter.setSizes([int(total * 0.55), int(total * 0.45)] if stacked else [total * 3 // 5, total * 2 // 5])

    def _wrap_toolbars(self) -> None:
        """One toolbar row when both fit the width, else the tuning sliders on a second row."""
        needed = self.toolbar.sizeHint().width() + self.tuning_bar.sizeHint().width() + 8
        wrap = needed > self.width()
        if wrap != self.toolBarBreak(self.tuning_bar):
            if wrap:
                self.insertToolBarBreak(self.tuning_bar)
            else:
                self.removeToolBarBreak(self.tuning_bar)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.presenting:
            self._wrap_toolbars()
            self.arrange()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._first_run:  # the window manager's frame is known now: keep the whole window on the screen
            self._first_run = False
            QTimer.singleShot(0, self.fit_to_screen)

    def fit_to_screen(self) -> None:
        """Shrink and move the window so its frame (title bar included) lies within the screen's available
        area (a taskbar excluded)."""
        if self.presenting or self.isFullScreen() or self.isMaximized():
            return
        available, frame = self.screen().availableGeometry(), self.frameGeometry()
        extra_w, extra_h = frame.width() - self.width(), frame.height() - self.height()
        width = min(self.width(), available.width() - extra_w)
        height = min(self.height(), available.height() - extra_h)
        self.resize(width, height)
        x = min(max(frame.x(), available.x()), available.right() + 1 - (width + extra_w))
        y = min(max(frame.y(), available.y()), available.bottom() + 1 - (height + extra_h))
        self.move(x, y)

    # ---- presentation and shutdown ------------------------------------------------------------------
    @property
    def presenting(self) -> bool:
        return self.presentation.active

    def toggle_presentation(self) -> None:
        self.presentation.toggle()

    def closeEvent(self, event) -> None:
        if not self.comparison.confirm_close():  # a fine-tune runs and the user keeps it
            event.ignore()
            return
        if not self.capture.finish_pending():  # samples fit nowhere and the user chose to stay
            event.ignore()
            return
        presenting = self.presenting
        if presenting:  # remember the window as the user arranged it: toolbar, panel and splitters back
            self.presentation.leave()
        if not presenting and not self.isFullScreen():  # never come back full screen by surprise
            self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("window_state", self.saveState())
        self._graph_timer.stop()
        self._status_timer.stop()
        self.comparison.close()
        if self.pump is not None:
            self.pump.stop(timeout=0.5)
        self.worker.stop(timeout_ms=1000)
        self.capture.close_store()
        self.errors.uninstall()
        super().closeEvent(event)


def first_geometry(available: QRect) -> QRect:
    """A first window: ``FIRST_SIZE`` where it fits, else the available area less a window manager's frame,
    centred horizontally at the top of the area."""
    width = min(FIRST_SIZE.width(), available.width() - FRAME_ALLOWANCE.width())
    height = min(FIRST_SIZE.height(), available.height() - FRAME_ALLOWANCE.height())
    x = available.x() + (available.width() - width) // 2
    return QRect(x, available.y() + TITLE_ALLOWANCE, width, height)


def source_rate_text(pump: FramePump) -> str:
    """'source 30 fps' for video; a still image or a folder says what it is instead of '1 fps'."""
    source = pump.source
    count = source.frame_count if source is not None else None
    if source is not None and count is not None and source.fps <= 1.0:
        return "still image" if count == 1 else f"{count} images"
    return f"source {pump.state.read_fps:.0f} fps"
