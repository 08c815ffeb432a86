"""The inference thread: takes the newest frame from the slot, runs the pipeline, emits plain data.

Settings changes (model, detector, smoothing, min score, a comparison model) are requested from the GUI
thread and applied here between frames, so the pipeline is only ever touched by this thread. No exception ends
the thread: a model that fails to load leaves the previous one in use, a frame that fails is skipped;
both reach the user through ``failed`` and the error log (``core/error_log.py``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QThread, Signal

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR
from desktop_app.core.error_log import describe
from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.model_spec import ModelSpecError
from desktop_app.core.media.frame_pump import LatestFrameSlot
from desktop_app.core.pipeline import ExpressionPipeline, FrameResult


@dataclass
class PipelineSettings:
    model_path: str
    detector: str = DEFAULT_DETECTOR
    min_score: float = 0.5
    smoothing: float = 0.5


class InferenceWorker(QThread):
    result_ready = Signal(object, object)  # (frame BGR ndarray, FrameResult)
    model_loaded = Signal(object, str)  # (ModelSpec, .tflite path) of the model now in use
    failed = Signal(str)  # a message for the user; the previous model stays loaded
    # (ModelSpec, .tflite path) of the comparison model now run beside the model; (None, "") when it ended
    comparison_loaded = Signal(object, str)

    def __init__(self, slot: LatestFrameSlot, settings: PipelineSettings, parent=None) -> None:
        super().__init__(parent)
        self.slot = slot
        self.settings = settings
        self._lock = threading.Lock()
        self._pending: dict[str, object] = {}
        self._stop = False
        self._gui_busy = threading.Event()  # set while the GUI has not painted the last result
        self.skipped_results = 0
        self.failed_frames = 0
        self._reported: set[str] = set()  # each distinct frame error is shown and logged once
        self._tracks_epoch = 0

    def request(self, **changes) -> None:
        """Ask for settings changes; applied by the worker before its next frame."""
        with self._lock:
            self._pending.update(changes)

    def result_shown(self) -> None:
        self._gui_busy.clear()

    @property
    def stopping(self) -> bool:
        return self._stop

    def stop(self, timeout_ms: int = 1000) -> bool:
        self._stop = True
        self.slot.close()
        return self.wait(timeout_ms)

    def _apply_pending(self, pipeline: ExpressionPipeline | None) -> ExpressionPipeline | None:
        with self._lock:
            changes, self._pending = self._pending, {}
        epoch = changes.pop("reset_tracks", None)  # a source switch: ids restart in a new epoch
        if epoch is not None:
            self._tracks_epoch = int(epoch)
            if pipeline is not None:
                pipeline.reset_tracks(self._tracks_epoch)
        compare = changes.pop("compare_path", False)  # False: unchanged; None: end the comparison
        if changes or pipeline is None:
            pipeline = self._apply_settings(pipeline, changes)
        if compare is not False and pipeline is not None:
            self._set_comparison(pipeline, compare)
        return pipeline

    def _set_comparison(self, pipeline: ExpressionPipeline, path: str | None) -> None:
        """Load (or drop) the second model; one that fails to load leaves things as they were."""
        if path is None:
            pipeline.take_comparison(None)
            self.comparison_loaded.emit(None, "")
            return
        try:
            classifier = ExpressionClassifier(path)
        except (ModelSpecError, ValueError, FileNotFoundError, RuntimeError) as exc:
            self.failed.emit(f"could not load the model to compare: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 - anything else: no comparison, frames keep flowing
            self.failed.emit(describe(exc, f"could not load the model to compare {path}"))
            return
        pipeline.take_comparison(classifier)
        self.comparison_loaded.emit(classifier.spec, str(path))

    def _apply_settings(self, pipeline: ExpressionPipeline | None, changes: dict) -> ExpressionPipeline | None:
        new = PipelineSettings(**{**self.settings.__dict__, **changes})
        old = self.settings
        rebuild = pipeline is None or new.model_path != old.model_path or new.detector != old.detector
        if rebuild:
            try:
                built = ExpressionPipeline(new.model_path, new.detector, new.min_score, new.smoothing,
                                           keep_crops=True)  # the inspector shows what the model saw
            except (ModelSpecError, ValueError, FileNotFoundError, RuntimeError) as exc:
                self.failed.emit(f"could not load model: {exc}")
                return pipeline
            except Exception as exc:  # noqa: BLE001 - anything else: the previous model stays
                self.failed.emit(describe(exc, f"could not load model {new.model_path}"))
                return pipeline
            if pipeline is not None:
                built.take_comparison(pipeline.release_comparison())  # a comparison outlives a detector switch
                pipeline.close()
            pipeline = built
            pipeline.tracks_epoch = self._tracks_epoch
        else:
            pipeline.detector.min_score = new.min_score
            pipeline.tracker.smoothing = new.smoothing
        self.settings = new  # stored before anyone hears of the new model
        if rebuild:
            self.model_loaded.emit(pipeline.spec, new.model_path)
        return pipeline

    def _frame_failed(self, exc: Exception, index: int) -> None:
        self.failed_frames += 1
        key = f"{type(exc).__name__}: {exc}"
        if key not in self._reported:
            self._reported.add(key)
            self.failed.emit(describe(exc, f"frame {index} could not be processed (skipped)"))

    def run(self) -> None:
        pipeline = self._apply_pending(None)  # built here, off the GUI thread
        if pipeline is None:
            return
        try:
            while not self._stop:
                try:  # before taking: a frame is never older than a reset
                    pipeline = self._apply_pending(pipeline)
                except Exception as exc:  # noqa: BLE001 - a settings change must not end the thread
                    self.failed.emit(describe(exc, "could not apply the new settings"))
                frame = self.slot.take(timeout=0.1)
                if frame is None:
                    continue
                try:
                    result: FrameResult = pipeline.process(frame)
                except Exception as exc:  # noqa: BLE001 - skip the frame, keep the thread alive
                    self._frame_failed(exc, frame.index)
                    continue
                if self._gui_busy.is_set():  # the GUI is behind: never queue results on it
                    self.skipped_results += 1
                    continue
                self._gui_busy.set()
                self.result_ready.emit(np.ascontiguousarray(frame.image), result)
        finally:
            pipeline.close()
