"""Frame → per-face expression probabilities, with per-stage timings: the one path the app, the CLI and
the benchmark all run.

A class of fifty is not classified whole on every frame (classifying is most of a class frame's cost):
up to ``CLASSIFY_ALL_UP_TO`` faces are classified every frame; beyond that a new face at once and the
others in turns, the longest-waiting first, each at least every ``CLASSIFY_EVERY`` frames, while the
tracker carries each face's last probabilities. A face that changes expression shows it after two of
its turns at most (smoothing 0.5): 2 × 5 frames, 0.33 s at 30 fps (tests/core/test_face_pipeline.py).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_app.core.detection.face_crop import crop_face
from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, FaceDetector
from desktop_app.core.detection.no_face_hint import NoFaceWatch
from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.model_comparison import classify_faces, load_comparison
from desktop_app.core.expression.model_spec import VALENCE_AROUSAL
from desktop_app.core.media.frame_sources import Frame
from desktop_app.core.media.images import to_bgr
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.tracking import FaceTracker

CLASSIFY_ALL_UP_TO = 12  # faces classified on every frame; more take turns
CLASSIFY_EVERY = 5  # ... each face at least every this many frames
STAGES = ("decode", "detect", "crop", "classify", "compare", "track")  # "compare": only with a second model
FRAME_STAGES = STAGES[1:]  # the cost of processing a decoded frame (the benchmark's total, the status line)


@dataclass
class FaceResult:
    face_id: int
    box: tuple[float, float, float, float]
    score: float
    keypoints: np.ndarray
    probabilities: np.ndarray  # smoothed over the track
    raw_probabilities: np.ndarray  # this frame alone
    label: str
    crop: np.ndarray | None = None  # the BGR crop the classifier was given (kept for inspection)
    valence_arousal: tuple[float, float] | None = None  # this frame's; None when the model has no such output
    # the comparison model's view of the same face (see ExpressionPipeline.set_comparison), in its own labels
    compare_probabilities: np.ndarray | None = None  # smoothed over the track like ``probabilities``
    compare_label: str | None = None
    classified: bool = True  # False: this frame did not classify the face, its probabilities are carried
    predicted: bool = False  # True: the detector skipped this frame, the box was predicted (coasting.py)

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())


@dataclass
class FrameResult:
    index: int
    time_s: float
    frame_size: tuple[int, int]  # width, height
    faces: list[FaceResult]
    labels: tuple[str, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)
    read_at: float = 0.0  # copied from the Frame: time.monotonic() when it was read
    model_path: str = ""  # the .tflite that made ``faces`` (a result knows its model)
    model_name: str = ""  # that model's spec name
    tracks_epoch: int = 0  # the tracker's id space: a reset starts a new one (see core.session)
    compare_labels: tuple[str, ...] = ()  # the comparison model's labels; () when none is set
    compare_model_path: str = ""
    compare_model_name: str = ""
    detector_activity: str = ""  # what the detector did, in a few words (the status line)
    hint: str = ""  # what to try when no face has been found for a while; "" otherwise

    @property
    def comparing(self) -> bool:
        return bool(self.compare_model_path)


class ExpressionPipeline:
    """Owns one detector, one classifier and one tracker; build once, ``close()`` once.

    A second classifier can be set to compare two models on the same faces (``set_comparison``): it
    classifies each face's crop made to its own spec, its probabilities are smoothed per face id like
    the first model's, and the result carries both. Without one, ``process`` does exactly what it did
    before (one ``is None`` test more)."""

    def __init__(self, model_path: Path | str = DEFAULT_MODEL, detector: str = DEFAULT_DETECTOR,
                 min_score: float = 0.5, smoothing: float = 0.5, keep_crops: bool = False) -> None:
        self.classifier = ExpressionClassifier(model_path)
        self.detector = FaceDetector(detector, min_score)
        self.tracker = FaceTracker(smoothing)
        self.no_face = NoFaceWatch(detector)
        self.keep_crops = keep_crops
        self.model_path = str(model_path)
        self.tracks_epoch = 0
        self.comparison: ExpressionClassifier | None = None
        self._compare_tracks: dict[int, np.ndarray] = {}  # face id → the comparison's smoothed probabilities
        self._va_tracks: dict[int, tuple[float, float]] = {}  # face id → its last valence and arousal

    def set_comparison(self, model_path: Path | str | None) -> None:
        """Run a second model on the same faces (None: stop). A model that fails to load raises and
        leaves the comparison as it was."""
        built = load_comparison(model_path) if model_path is not None else None
        self.take_comparison(built)

    def take_comparison(self, classifier: ExpressionClassifier | None) -> ExpressionClassifier | None:
        """Put an already loaded comparison classifier in place (closing the one it replaces); returns it."""
        if self.comparison is not None and self.comparison is not classifier:
            self.comparison.close()
        self.comparison = classifier
        self._compare_tracks = {}
        self._va_tracks = {}
        return classifier

    def release_comparison(self) -> ExpressionClassifier | None:
        """Hand the comparison classifier over (to the pipeline that replaces this one) without closing it."""
        classifier, self.comparison = self.comparison, None
        return classifier

    def reset_tracks(self, epoch: int | None = None) -> None:
        """Forget every face (a new source): ids restart, results carry the new epoch, and the detector
        forgets what the old source's frames showed."""
        self.tracker.reset()
        self.detector.reset()
        self.no_face.reset()
        self._compare_tracks = {}
        self._va_tracks = {}
        self.tracks_epoch = self.tracks_epoch + 1 if epoch is None else epoch

    @property
    def spec(self):
        return self.classifier.spec

    @property
    def labels(self) -> tuple[str, ...]:
        return self.classifier.labels

    def process(self, frame: Frame | np.ndarray) -> FrameResult:
        """One frame's faces and expressions. A bare array is a still image; a video's ``Frame`` lets
        the default detector follow its faces between detections (coasting.py)."""
        if isinstance(frame, np.ndarray):
            frame = Frame(0, 0.0, to_bgr(frame), still=True)
        image = frame.image
        spec = self.spec
        t0 = time.perf_counter()
        detections = self.detector.detect(image, None if frame.still else frame.index)
        t1 = time.perf_counter()
        ids, due = self.tracker.assign([d.box for d in detections])
        todo = self._due_for_classification(due)
        crop_all = self.keep_crops or self.comparison is not None
        crops = [crop_face(image, detections[i].box, detections[i].keypoints, spec.input_width, spec.crop_margin,
                           spec.align_eyes) for i in (range(len(detections)) if crop_all else todo)]
        t2 = time.perf_counter()
        raw, extras = self.classifier.classify_all([crops[i] for i in todo] if crop_all else crops)
        va = extras.get(VALENCE_AROUSAL)
        if va is not None:  # a face classified now gets new values; the others keep their last ones
            self._va_tracks = {fid: self._va_tracks[fid] for fid in ids if fid in self._va_tracks}
            self._va_tracks.update({ids[i]: (float(row[0]), float(row[1])) for i, row in zip(todo, va)})
        t3 = time.perf_counter()
        smoothed = self.tracker.record(todo, raw)
        raw_all = self.tracker.raw() if len(detections) else raw
        t4 = time.perf_counter()
        labels = self.labels
        fresh = np.zeros(len(detections), bool)
        fresh[todo] = True
        faces = [FaceResult(face_id=fid, box=d.box, score=d.score, keypoints=d.keypoints,
                            probabilities=smoothed[i], raw_probabilities=raw_all[i],
                            label=labels[int(np.argmax(smoothed[i]))],
                            crop=crops[i] if self.keep_crops else None, classified=bool(fresh[i]),
                            predicted=self.detector.predicted,
                            valence_arousal=self._va_tracks.get(fid) if spec.has_valence_arousal else None)
                 for i, (d, fid) in enumerate(zip(detections, ids))]
        timings = {"decode": frame.decode_ms, "detect": (t1 - t0) * 1e3, "crop": (t2 - t1) * 1e3,
                   "classify": (t3 - t2) * 1e3, "track": (t4 - t3) * 1e3}
        result = FrameResult(frame.index, frame.time_s, (image.shape[1], image.shape[0]), faces, labels, timings,
                             frame.read_at, self.model_path, spec.name, self.tracks_epoch,
                             detector_activity=self.detector.activity, hint=self.no_face.update(frame, len(faces)))
        if self.comparison is not None:
            self._compare(image, detections, crops, result)
        return result

    def _due_for_classification(self, due: np.ndarray) -> np.ndarray:
        """Indices of the faces to classify now: all of a few; of many, the new ones and the
        longest-waiting, enough that each waits at most ``CLASSIFY_EVERY`` frames."""
        if len(due) <= CLASSIFY_ALL_UP_TO or self.comparison is not None:
            return np.arange(len(due))
        turn = -(-len(due) // CLASSIFY_EVERY)
        order = np.argsort(-due, kind="stable")
        count = min(len(due), turn + int(np.isinf(due).sum()))
        return np.sort(order[:count])

    def _compare(self, image: np.ndarray, detections, crops: list[np.ndarray], result: FrameResult) -> None:
        """Add the comparison model's smoothed probabilities and label to each face of ``result``."""
        t0 = time.perf_counter()
        classifier = self.comparison
        raw = classify_faces(classifier, image, detections, self.spec, crops)  # each model's own crop
        a = self.tracker.smoothing
        tracks: dict[int, np.ndarray] = {}
        for face, p in zip(result.faces, raw):
            previous = self._compare_tracks.get(face.face_id)
            smoothed = p if previous is None else a * previous + (1.0 - a) * p
            tracks[face.face_id] = smoothed
            face.compare_probabilities = smoothed.astype(np.float32)
            face.compare_label = classifier.labels[int(np.argmax(smoothed))]
        self._compare_tracks = tracks  # a face out of view for a frame restarts its smoothing
        result.compare_labels = classifier.labels
        result.compare_model_path = str(classifier.model_path)
        result.compare_model_name = classifier.spec.name
        result.timings_ms["compare"] = (time.perf_counter() - t0) * 1e3

    def close(self) -> None:
        self.detector.close()
        self.classifier.close()
        if self.comparison is not None:
            self.comparison.close()
            self.comparison = None

    def __enter__(self) -> ExpressionPipeline:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
