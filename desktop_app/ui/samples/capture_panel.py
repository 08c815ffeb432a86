"""Capture labeled samples from the window: label keys save the selected face (Ctrl: every face),
burst mode saves several frames, 'wrong prediction' marks corrections, and a table counts the
session's misclassifications. Writing goes through the core CaptureQueue and SampleStore: a sample
that cannot be written (full or read-only disk) waits in the queue, shown in the panel, and is
retried; at exit the rest goes to a fallback folder the user is told about."""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, DEFAULT_MIN_SCORE, FaceDetector
from desktop_app.core.error_log import log_exception
from desktop_app.core.samples.capture_queue import CaptureQueue
from desktop_app.core.samples.detected_boxes import detect_again
from desktop_app.core.samples.sample_records import AFFECTNET_LABELS, StoreError
from desktop_app.core.samples.sample_store import SampleStore, make_sample, sample_crop
from desktop_app.core.session import Session

DEFAULT_DATASET = Path.home() / "facial-expression-samples"
RETRY_MS = 2000  # a waiting sample is retried this often
LABEL_KEYS = 10  # digits 0–9: the label keys (as many labels as the chosen label set has, up to ten)


class CapturePanel(QWidget):
    """Reads what is on screen from the ``session``; remembers its choices in ``settings``; reports
    problems through ``show_message`` (the window's banner)."""

    fine_tune_requested = Signal()  # "Fine-tune on this dataset…": the window runs it on ``dataset``
    keys_changed = Signal(int)  # how many labels the digit keys reach now (the help lists as many)

    def __init__(self, session: Session, settings: QSettings, show_message: Callable[[str], None],
                 parent=None, detector_settings: Callable[[], tuple[str, float]] | None = None) -> None:
        super().__init__(parent)
        self.session, self.settings, self.show_message = session, settings, show_message
        # The window's detector kind and min score, for detecting a predicted frame again before saving it.
        self.detector_settings = detector_settings or (lambda: (DEFAULT_DETECTOR, DEFAULT_MIN_SCORE))
        self._detector: FaceDetector | None = None  # built on the first save from a predicted frame
        self.dataset = Path(str(settings.value("dataset", str(DEFAULT_DATASET))))
        self.store: SampleStore | None = None
        self.saved = 0
        self.session_ids: set[str] = set()  # samples saved in this session (the table counts their state)
        self._burst: dict | None = None
        self._burst_timer = QTimer(self, timeout=self._burst_tick)
        self.queue = CaptureQueue()
        self._retry_timer = QTimer(self, interval=RETRY_MS, timeout=self.flush_queue)
        self._banner_waiting = 0  # how many samples the banner last said were waiting
        self._saved_faces: dict[tuple, str] = {}  # (source, frame, box) → label: a face saved twice is flagged

        self.dataset_label = QLabel()
        self.dataset_label.setWordWrap(True)
        choose = QPushButton("Dataset…", clicked=self.choose_dataset)
        self.label_set = QComboBox()
        self.label_set.addItem("AffectNet labels (keys 0–7)", "affectnet")
        self.label_set.addItem("Model labels (keys 0–…)", "model")
        self.label_set.currentIndexChanged.connect(self.describe_keys)
        self.wrong = QPushButton("Wrong prediction (W)", checkable=True)
        self.keep_frames = QCheckBox("Keep the original frames (for review)")
        self.keep_frames.setChecked(settings.value("keep_frames", "false") in (True, "true"))
        self.keep_frames.toggled.connect(lambda on: settings.setValue("keep_frames", on))
        self.burst = QCheckBox("Burst")
        self.burst_count = QSpinBox(minimum=2, maximum=200, value=10, suffix=" frames")
        self.burst_interval = QSpinBox(minimum=50, maximum=5000, value=200, singleStep=50, suffix=" ms")
        self.keys = QLabel()
        self.keys.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["predicted", "corrected to", "n"])
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()  # the count column stays in view however narrow the dock
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.gallery_button = QPushButton("Review dataset…", clicked=self.open_gallery)
        self.fine_tune_button = QPushButton("Fine-tune on this dataset…",
                                            clicked=lambda: self.fine_tune_requested.emit())
        self.fine_tune_button.setToolTip("Train a copy of the loaded model on this dataset (the dataset is only "
                                         "read), then compare old and new on the live faces")

        column = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(self.dataset_label, 1)
        row.addWidget(choose)
        column.addLayout(row)
        column.addWidget(self.label_set)
        column.addWidget(self.keys)
        column.addWidget(self.wrong)
        column.addWidget(self.keep_frames)
        burst = QHBoxLayout()
        for w in (self.burst, self.burst_count, self.burst_interval):
            burst.addWidget(w)
        column.addLayout(burst)
        column.addWidget(QLabel("<b>Misclassifications this session</b>"))
        column.addWidget(self.table, 1)
        column.addWidget(self.status)
        dataset_actions = QHBoxLayout()
        dataset_actions.addWidget(self.gallery_button)
        dataset_actions.addWidget(self.fine_tune_button)
        column.addLayout(dataset_actions)
        self._describe_dataset()
        self.describe_keys()

    # ---- dataset -----------------------------------------------------------------------------------
    def dataset_dialog(self) -> QFileDialog:
        """A folder chooser that can make the folder: Qt's own dialog, whose "Create New Folder" button is
        there on every desktop (a platform dialog may not offer one)."""
        start = self.dataset if self.dataset.is_dir() else self.dataset.parent
        dialog = QFileDialog(self, "Dataset folder: choose one, or make one with the New Folder button", str(start))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOptions(QFileDialog.Option.ShowDirsOnly | QFileDialog.Option.DontUseNativeDialog)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "Use this folder")
        return dialog

    def choose_dataset(self) -> None:
        dialog = self.dataset_dialog()
        if dialog.exec() and dialog.selectedFiles():
            self.set_dataset(Path(dialog.selectedFiles()[0]))

    def set_dataset(self, path: Path) -> None:
        """Samples still waiting (a full or read-only dataset) go to the new dataset."""
        if self.store is not None:
            self.store.close()
            self.store = None
        self.dataset = path
        self.settings.setValue("dataset", str(path))
        self._describe_dataset()
        if len(self.queue):
            self.flush_queue()

    def _store_or_raise(self) -> SampleStore:
        """Opened on first use; its crash-recovery report is shown when it repaired anything."""
        if self.store is None:
            self.store = SampleStore(self.dataset)
            if not self.store.report.clean:
                self.show_message("dataset check: " + "; ".join(self.store.report.lines()))
        return self.store

    def open_store(self) -> SampleStore | None:
        """Opened on first use (None and a banner when it cannot be)."""
        try:
            return self._store_or_raise()
        except StoreError as exc:
            self.show_message(str(exc))
            return None

    def _describe_dataset(self) -> None:
        self.dataset_label.setText(f"Saving to <b>{self.dataset}</b>")

    def labels(self) -> tuple[str, ...]:
        if self.label_set.currentData() == "model" and self.session.labels:
            return tuple(self.session.labels[:LABEL_KEYS])
        return AFFECTNET_LABELS

    def describe_keys(self) -> None:
        """List the label keys (the model's labels change when another model loads)."""
        self.keys.setText("Keys: " + ", ".join(f"{i} {name}" for i, name in enumerate(self.labels()))
                          + ". Ctrl+key saves every face.")
        self.keys_changed.emit(len(self.labels()))

    # ---- saving ------------------------------------------------------------------------------------
    def capture(self, index: int, all_faces: bool = False) -> int:
        """A label key was pressed. Returns how many samples were saved now (a burst continues)."""
        labels = self.labels()
        if index >= len(labels):  # a digit past the label set: say so rather than do nothing
            text = (f"key {index} saves nothing: the {self.label_set.currentText().split(' (')[0]} are on keys "
                    f"0–{len(labels) - 1}")
            self.status.setText(text)
            self.show_message(text)
            return 0
        label = labels[index]
        if self.burst.isChecked():
            self._burst = {"label": label, "all": all_faces, "left": self.burst_count.value(),
                           "wrong": self.wrong.isChecked(), "last_index": None}
            self._burst_timer.start(self.burst_interval.value())
            return self._burst_tick()
        saved = self.save_faces(label, all_faces, self.wrong.isChecked())
        self.wrong.setChecked(False)
        return saved

    def _burst_tick(self) -> int:
        burst = self._burst
        result = self.session.result
        if burst is None or result is None:
            self._burst_timer.stop()
            return 0
        if result.index == burst["last_index"]:  # no new frame yet (paused): wait for one
            return 0
        burst["last_index"] = result.index
        saved = self.save_faces(burst["label"], burst["all"], burst["wrong"])
        burst["left"] -= 1
        if burst["left"] <= 0:
            self._burst_timer.stop()
            self._burst = None
            self.wrong.setChecked(False)
        return saved

    def save_faces(self, label: str, all_faces: bool, wrong: bool) -> int:
        """Queue the faces of the last result under ``label`` and write the queue; returns how many
        samples reached the disk now (the others wait, visibly, and are retried)."""
        session = self.session
        result, frame = session.result, session.frame
        if result is None or not result.faces:
            self.status.setText("no face to save")
            return 0
        faces = result.faces if all_faces else [f for f in result.faces if f.face_id == session.selected_id][:1]
        self._flag_repeats(result.index, faces, label)
        try:
            for face, box, keypoints in self._detected(frame, result.index, faces):
                probabilities = dict(zip(result.labels, map(float, face.probabilities)))
                sample = make_sample(box, keypoints, label, predicted=face.label,
                                     probabilities=probabilities, model=result.model_name,
                                     model_path=result.model_path, source=session.source_spec,
                                     frame=result.index, correction=True if wrong else None)
                self.queue.add(sample, sample_crop(frame, box, keypoints),
                               frame if self.keep_frames.isChecked() else None)
        except ValueError as exc:  # an unsafe label: nothing to keep
            self.show_message(str(exc))
        return self.flush_queue()

    def _detected(self, frame, frame_index: int, faces: list) -> list[tuple]:
        """(face, box, keypoints) to save: as shown when the detector found them on this frame; detected
        again when it predicted them (detected_boxes.py). A face not found again is left out, and said."""
        if not any(face.predicted for face in faces):
            return [(face, face.box, face.keypoints) for face in faces]
        kind, min_score = self.detector_settings()
        try:
            if self._detector is None or (self._detector.kind, self._detector.min_score) != (kind, min_score):
                self._close_detector()
                self._detector = FaceDetector(kind, min_score)
            found = detect_again(self._detector, frame, [face.box for face in faces])
        except (OSError, RuntimeError, ValueError) as exc:  # a model file gone since the window started
            log_exception(exc, "detecting a predicted frame again before saving")
            self.show_message(f"not saved: frame {frame_index} could not be detected again ({exc})")
            return []
        lost = [f"#{face.face_id}" for face, d in zip(faces, found) if d is None]
        if lost:
            self.show_message(f"not saved: face {', '.join(lost)} of frame {frame_index} was not found again (its box "
                              "was predicted between two detections, and the face moved)")
        return [(face, d.box, d.keypoints) for face, d in zip(faces, found) if d is not None]

    def _close_detector(self) -> None:
        if self._detector is not None:
            self._detector.close()
            self._detector = None

    def _flag_repeats(self, frame_index: int, faces: list, label: str) -> None:
        """Saving the same face of the same frame again (a second key press, a paused burst) makes a duplicate
        sample, or two labels for one image: say so in the panel and the banner (the gallery can undo it)."""
        repeats = []
        for face in faces:
            key = (self.session.source_spec, frame_index, tuple(round(float(v)) for v in face.box))
            earlier = self._saved_faces.get(key)
            if earlier is not None:
                repeats.append(f"face #{face.face_id} (saved as {earlier} before)")
            self._saved_faces[key] = label
        if repeats:
            self.show_message(f"already saved from frame {frame_index}: {', '.join(repeats)}; saved again as {label}."
                              " Review dataset… removes a duplicate.")

    def flush_queue(self) -> int:
        """Write what waits, oldest first; keep retrying on a timer while anything is left. The banner
        is updated when the number waiting changes, and says so once nothing waits."""
        flushed = self.queue.flush(self._store_or_raise)
        for sample in flushed.written:
            self.session_ids.add(sample.id)
        for note in flushed.notes:
            self.show_message(note)
        self.saved += len(flushed.written)
        waiting = len(self.queue)
        if waiting:
            text = (f"{waiting} sample{'s' if waiting > 1 else ''} waiting to be written ({flushed.error}); "
                    f"retrying every {RETRY_MS // 1000} s, or choose another dataset")
            self.status.setText(f"<span style='color:#c00000'><b>{text}</b></span>")
            if waiting != self._banner_waiting:
                self.show_message(text)
                self._banner_waiting = waiting
            self._retry_timer.start()
        else:
            self._retry_timer.stop()
            self.status.setText(f"saved {self.saved} this session")
            if self._banner_waiting:  # the banner said samples were waiting: say they are written
                self.show_message(f"the samples that were waiting are written to {self.dataset}")
            self._banner_waiting = 0
        self._fill_table()
        return len(flushed.written)

    @property
    def session_confusions(self) -> Counter[tuple[str, str]]:
        """(predicted, corrected to) → n over this session's samples as the dataset has them now, so a
        relabel, delete or undo in the gallery shows here too."""
        if self.store is None or not self.session_ids:
            return Counter()
        return Counter((s.predicted, s.label) for s in self.store.samples()
                       if s.id in self.session_ids and s.correction and s.predicted)

    def _fill_table(self) -> None:
        rows = self.session_confusions.most_common()
        self.table.setRowCount(len(rows))
        for r, ((predicted, corrected), n) in enumerate(rows):
            for c, text in enumerate((predicted, corrected, str(n))):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def open_gallery(self) -> None:
        from desktop_app.ui.samples.gallery import GalleryDialog

        store = self.open_store()
        if store is not None:
            self._gallery = GalleryDialog(store, self.labels(), self)
            self._gallery.changed.connect(self._fill_table)
            self._gallery.show()

    def finish_pending(self) -> bool:
        """Before the window closes: write what waits, else put it in a fallback folder and say where.
        Returns False only when the samples fit nowhere and the user chose not to quit."""
        self._burst_timer.stop()
        if len(self.queue):
            self.flush_queue()
        self._retry_timer.stop()
        if not len(self.queue):
            return True
        count, reason = len(self.queue), self.queue.last_error
        try:
            folders = self.queue.save_to_fallback()
        except StoreError as exc:
            log_exception(exc, "saving waiting samples at exit")
            answer = QMessageBox.question(self, "Samples not saved",
                                          f"{exc}. Quit anyway and lose them?")
            return answer == QMessageBox.StandardButton.Yes
        text = (f"{count} samples could not be written to {self.dataset} ({reason}). They were saved to "
                f"{' and '.join(map(str, folders))} instead (dataset folders: open one with Dataset… or "
                f"copy its label folders).")
        log_exception(StoreError(text), "samples saved to a fallback folder")
        QMessageBox.information(self, "Samples saved elsewhere", text)
        return True

    def close_store(self) -> None:
        self._burst_timer.stop()
        self._retry_timer.stop()
        self._close_detector()
        if self.store is not None:
            self.store.close()
            self.store = None
