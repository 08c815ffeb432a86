"""The main window: video, confidence bars, rolling graph, status line, controls, presentation mode."""
from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
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
from desktop_app.core.media.frame_pump import FramePump, LatestFrameSlot
from desktop_app.core.media.frame_sources import camera_choices, open_source
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import FRAME_STAGES, FrameResult
from desktop_app.core.session import MediaClock, Session
from desktop_app.ui.charts import LabelBars, RollingGraph
from desktop_app.ui.error_reporting import ErrorReporter
from desktop_app.ui.help_overlay import HelpOverlay
from desktop_app.ui.model_comparison import ModelComparison
from desktop_app.ui.presentation import PresentationMode
from desktop_app.ui.shortcuts import help_rows, install_shortcuts
from desktop_app.ui.worker import InferenceWorker, PipelineSettings

GRAPH_REDRAW_MS = 100  # rolling graph and room chart redraw at most 10 times a second
STATUS_MS = 250


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
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 760)
        self.set_source(self.session.source_spec)

    # ---- layout -------------------------------------------------------------------------------------
    def _build_widgets(self, detector: str) -> None:
        from desktop_app.ui.video_view import VideoView

        self.video = VideoView()
        self.video.face_clicked.connect(self.select_face)
        self.bars = LabelBars("Selected face")
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
        self.side = side = QSplitter(Qt.Orientation.Vertical)
        for w in (bars_row, self.graph, self.room):
            side.addWidget(w)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.video)
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

        self.toolbar = bar = QToolBar("Controls")
        bar.setObjectName("controls")
        self.addToolBar(bar)
        self.source_box = QComboBox()
        self.source_box.setMinimumContentsLength(18)
        self.source_box.activated.connect(self._on_source_chosen)
        bar.addWidget(QLabel(" Source "))
        bar.addWidget(self.source_box)
        self.pause_button = QPushButton("Pause", checkable=True, toggled=self.set_paused)
        self.step_button = QPushButton("Step", clicked=self.step)
        bar.addWidget(self.pause_button)
        bar.addWidget(self.step_button)
        self.loop_box = QCheckBox("Loop", toggled=self._on_loop)
        self.loop_box.setChecked(self.settings.value("loop", "true") in (True, "true"))
        bar.addWidget(self.loop_box)
        bar.addSeparator()
        bar.addWidget(QLabel(" Detector "))
        self.detector_box = QComboBox()
        for kind, label in DETECTOR_LABELS.items():
            self.detector_box.addItem(label, kind)
        self.detector_box.setCurrentIndex(max(0, self.detector_box.findData(detector)))
        self.detector_box.currentIndexChanged.connect(
            lambda: self.set_detector(self.detector_box.currentData()))
        bar.addWidget(self.detector_box)
        self.model_button = QPushButton("Model…", clicked=self.choose_model)
        bar.addWidget(self.model_button)
        self.mirror_box = QCheckBox("Mirror", toggled=self._on_mirror)
        bar.addWidget(self.mirror_box)
        bar.addSeparator()
        self.smooth_slider = self._slider(bar, "Smoothing", 0, 95, 50, lambda v: self.worker.request(smoothing=v / 100))
        self.score_slider = self._slider(bar, "Min score", 10, 95, 50, lambda v: self.worker.request(min_score=v / 100))
        self.help = HelpOverlay(help_rows(), self)
        from desktop_app.ui.capture_panel import CapturePanel

        self.capture = CapturePanel(self.session, self.settings, self.show_message, self)
        self.capture.fine_tune_requested.connect(self.comparison.fine_tune)
        dock = QDockWidget("Capture samples", self)
        dock.setObjectName("capture")
        dock.setWidget(self.capture)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.capture_dock = dock
        self.inspector = None

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
        if spec not in ("demo", *camera_choices()):
            self.source_box.addItem(Path(spec).name, spec)
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
        self.pump = FramePump(partial(open_source, spec), self.slot, loop=self.loop_box.isChecked(), name=spec)
        self.pump.set_paused(self.pause_button.isChecked())
        self.pump.start()
        self.settings.setValue("source", spec)
        self._fill_source_box()
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
        from desktop_app.ui.inspector import InspectorDialog

        if self.inspector is None:
            self.inspector = InspectorDialog(self)
        try:
            result = session.result  # comparing two models live: the inspector shows both, until it ends
            live = result.compare_model_path if result.comparing else None
            if self.inspector.compare_model_path != live and (live or self.inspector.follows_live_comparison):
                self.inspector.set_compare_model(live, show=False)
            self.inspector.follows_live_comparison = live is not None
            self.inspector.inspect(session.frame, face, result.model_path)
        except Exception as exc:  # noqa: BLE001 - a failed inspection must not take the window down
            self.show_message(f"inspector: {exc}")

    def on_result(self, frame: np.ndarray, result: FrameResult) -> None:
        session = self.session
        changed = session.take_result(frame, result)
        if changed is None:  # made before the last source switch
            self.worker.result_shown()
            return
        if changed:  # the selected face left: the largest one is selected
            self.graph.clear_history()
        self.video.show_frame(frame, result, session.selected_id)
        face = session.selected_face()
        if session.current_labels_match():
            self.bars.set_values(face.probabilities if face else None)
            self.comparison.show_result(result, face)
            if face is not None:  # media time for files: a pause or a step draws no ramp
                self.graph.append(self.clock.time_of(result.time_s), face.probabilities)
            self._graph_dirty = True
        now = time.monotonic()
        self._result_times = [t for t in self._result_times if now - t < 1.0] + [now]
        self.worker.result_shown()
        if result.read_at:
            self.latency_ms.append((time.monotonic() - result.read_at) * 1e3)
            del self.latency_ms[:-1000]

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
        parts = []
        if pump is not None:
            parts.append(f"source {pump.state.read_fps:.0f} fps")
        parts.append(f"processed {len(self._result_times)} fps")
        result = self.session.result
        if result is not None:
            t = result.timings_ms
            parts.append("ms " + " ".join(f"{k} {t[k]:.1f}" for k in FRAME_STAGES if k in t))
            parts.append(f"faces {len(result.faces)}")
            if result.detector_activity:
                parts.append(f"detector {result.detector_activity}")
        parts.append(f"dropped {self.slot.dropped + self.worker.skipped_results}")
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

    # ---- presentation and shutdown ------------------------------------------------------------------
    @property
    def presenting(self) -> bool:
        return self.presentation.active

    def toggle_presentation(self) -> None:
        self.presentation.toggle()

    def closeEvent(self, event) -> None:
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
