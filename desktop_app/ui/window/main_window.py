"""The main window: video, confidence bars, rolling graph, status line, controls, presentation mode.

``MainWindow`` composes its parts, each in its own module: the toolbars and menus (``controls``), the source
and the pump that reads it (``sources``), the layout and fitting the screen (``layout``), the status line and
the banner (``status_line``), presentation mode, shortcuts, the capture panel and the model comparison. What
stays here is what ties them together: a result arriving from the worker, the model it loaded, and shutdown.
Everything here runs on the GUI thread (the worker's results arrive as queued signals); the worker and the
pump stop with a flag and a bounded wait from ``closeEvent``."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QVBoxLayout, QWidget

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR
from desktop_app.core.expression.model_spec import ModelSpec
from desktop_app.core.expression.valence_arousal import bars_title
from desktop_app.core.media.frame_pump import FramePump, LatestFrameSlot
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import FrameResult
from desktop_app.core.session import MediaClock, Session
from desktop_app.ui.charts.label_bars import LabelBars
from desktop_app.ui.charts.rolling_graph import RollingGraph
from desktop_app.ui.charts.valence_arousal_plane import ValenceArousalPlane
from desktop_app.ui.samples.model_comparison import ModelComparison
from desktop_app.ui.window import layout
from desktop_app.ui.window.controls import add_menus, add_toolbars
from desktop_app.ui.window.error_reporting import ErrorReporter
from desktop_app.ui.window.help_overlay import HelpOverlay
from desktop_app.ui.window.presentation import PresentationMode
from desktop_app.ui.window.seek_bar import SeekBar
from desktop_app.ui.window.shortcuts import help_rows, install_shortcuts
from desktop_app.ui.window.sources import SourceControl
from desktop_app.ui.window.status_line import Banner, StatusLine
from desktop_app.ui.window.worker import InferenceWorker, PipelineSettings

GRAPH_REDRAW_MS = 100  # rolling graph and room chart redraw at most 10 times a second
STATUS_MS = 250
SELECTED_TITLE = "Selected face"


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
        self.sources = SourceControl(self)
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
        self._restore_window()
        self.set_source(self.session.source_spec)

    # ---- layout -------------------------------------------------------------------------------------
    def _build_widgets(self, detector: str) -> None:
        from desktop_app.ui.window.video_view import VideoView

        self.video = VideoView()
        self.video.face_clicked.connect(self.select_face)
        self.video.setMinimumSize(200, 150)
        self.bars = LabelBars(SELECTED_TITLE)
        self.comparison = ModelComparison(self)  # fine-tune, then old and new side by side
        self.compare_bars = self.comparison.bars
        bars_row = layout.side_by_side((self.bars, self.compare_bars))
        bars_row.setMinimumWidth(180)
        self.graph = RollingGraph()
        self.graph.setMinimumSize(200, 120)
        self.room = LabelBars("Room: share of faces")
        self.room.setVisible(False)
        self.va_plane = ValenceArousalPlane()  # shown for a model with valence/arousal (on_model_loaded)
        self.va_plane.setVisible(False)
        self.seek_bar = SeekBar()
        self.seek_bar.seek_requested.connect(self.sources.seek)
        self.splitter, self.side = layout.video_and_charts(self.video, self.seek_bar,
                                                           (bars_row, self.graph, self.room, self.va_plane))
        state = self.settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)
        self.banner = Banner(lambda: self.set_source("demo"), lambda: self.set_source(self.session.source_spec))
        self.banner_text, self.demo_button = self.banner.text, self.banner.demo_button

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.banner)
        column.addWidget(self.comparison.bar)
        column.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.status = StatusLine()
        self.statusBar().addWidget(self.status, 1)

        add_toolbars(self, detector)
        add_menus(self)
        self.help = HelpOverlay(help_rows(), self)
        self._add_capture_panel()
        self.inspector = None

    def _add_capture_panel(self) -> None:
        from desktop_app.ui.samples.capture_panel import CapturePanel

        self.capture = CapturePanel(self.session, self.settings, self.show_message, self,
                                    self._detector_settings)
        self.capture.fine_tune_requested.connect(self.comparison.fine_tune)
        self.capture.keys_changed.connect(lambda count: self.help.set_rows(help_rows(count)))
        self.help.set_rows(help_rows(len(self.capture.labels())))
        dock = QDockWidget("Capture samples", self)
        dock.setObjectName("capture")
        dock.setWidget(self.capture)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.capture_dock = dock
        self.view_menu.addAction(dock.toggleViewAction())  # closed, it comes back from View ▸ Capture samples

    def _restore_window(self) -> None:
        """Toolbars, dock and geometry as the user left them; a first window fits the screen."""
        window_state = self.settings.value("window_state")
        if window_state is not None:
            self.restoreState(window_state)
        geometry = self.settings.value("geometry")
        self._first_run = geometry is None
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.setGeometry(layout.first_geometry(self.screen().availableGeometry()))

    # ---- sources (sources.py): what the shortcuts, menus and banner call -----------------------------
    @property
    def pump(self) -> FramePump | None:
        return self.sources.pump

    def set_source(self, spec: str) -> None:
        self.sources.set_source(spec)

    def choose_file(self) -> None:
        self.sources.choose_file()

    def step(self) -> None:
        self.sources.step()

    def set_mirrored(self, mirror: bool) -> None:
        self.video.mirror = mirror
        self.redraw_frame()

    def redraw_frame(self) -> None:
        """Draw the last frame again (a style changed while paused)."""
        if self.session.result is not None:
            self.video.show_frame(self.session.frame, self.session.result, self.session.selected_id)

    # ---- model and detector -------------------------------------------------------------------------
    def _detector_settings(self) -> tuple[str, float]:
        """The detector kind and min score the worker runs now (one read: the worker replaces the object)."""
        settings = self.worker.settings
        return settings.detector, settings.min_score

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
            self.status.dropped_before = self.slot.dropped + self.worker.skipped_results
        if changed:  # the selected face left: the largest one is selected
            self.graph.clear_history()
        self.video.show_frame(frame, result, session.selected_id)
        self.sources.sync_seek_bar()
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
        self.status.result_shown()
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
        self.sources.sync_seek_bar()
        self.status.refresh(pump, self.session.result, self.slot.dropped + self.worker.skipped_results)

    def show_message(self, text: str, offer_sources: bool = False) -> None:
        """A non-modal banner; the app keeps running."""
        self.banner.show_message(text, offer_sources)

    # ---- fitting the screen (layout.py) -------------------------------------------------------------
    def arrange(self, stacked: bool | None = None) -> None:
        layout.arrange(self, stacked)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if not self.presenting:
            layout.wrap_toolbars(self)
            self.arrange()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._first_run:  # the window manager's frame is known now: keep the whole window on the screen
            self._first_run = False
            QTimer.singleShot(0, self.fit_to_screen)

    def fit_to_screen(self) -> None:
        if not (self.presenting or self.isFullScreen() or self.isMaximized()):
            layout.fit_to_screen(self)

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
        self.sources.stop()
        self.worker.stop(timeout_ms=1000)
        self.capture.close_store()
        self.errors.uninstall()
        super().closeEvent(event)
