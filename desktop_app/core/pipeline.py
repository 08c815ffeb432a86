"""Frame → per-face expression probabilities, with per-stage timings: the one path the app, the CLI and
the benchmark all run."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .classifier import ExpressionClassifier
from .face_crop import crop_face
from .face_detection import FaceDetector
from .frame_sources import Frame
from .images import to_bgr
from .paths import DEFAULT_MODEL
from .tracking import FaceTracker

STAGES = ("decode", "detect", "crop", "classify", "track")


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


class ExpressionPipeline:
    """Owns one detector, one classifier and one tracker; build once, ``close()`` once."""

    def __init__(self, model_path: Path | str = DEFAULT_MODEL, detector: str = "short",
                 min_score: float = 0.5, smoothing: float = 0.5, keep_crops: bool = False) -> None:
        self.classifier = ExpressionClassifier(model_path)
        self.detector = FaceDetector(detector, min_score)
        self.tracker = FaceTracker(smoothing)
        self.keep_crops = keep_crops
        self.model_path = str(model_path)
        self.tracks_epoch = 0

    def reset_tracks(self, epoch: int | None = None) -> None:
        """Forget every face (a new source): ids restart, results carry the new epoch, and the detector
        forgets what the old source's frames showed."""
        self.tracker.reset()
        self.detector.reset()
        self.tracks_epoch = self.tracks_epoch + 1 if epoch is None else epoch

    @property
    def spec(self):
        return self.classifier.spec

    @property
    def labels(self) -> tuple[str, ...]:
        return self.classifier.labels

    def process(self, frame: Frame | np.ndarray) -> FrameResult:
        if isinstance(frame, np.ndarray):
            frame = Frame(0, 0.0, to_bgr(frame))
        image = frame.image
        spec = self.spec
        t0 = time.perf_counter()
        detections = self.detector.detect(image)
        t1 = time.perf_counter()
        crops = [crop_face(image, d.box, d.keypoints, spec.input_width, spec.crop_margin, spec.align_eyes)
                 for d in detections]
        t2 = time.perf_counter()
        raw = self.classifier.classify(crops)
        t3 = time.perf_counter()
        ids, smoothed = self.tracker.update([d.box for d in detections], raw)
        t4 = time.perf_counter()
        labels = self.labels
        faces = [FaceResult(face_id=fid, box=d.box, score=d.score, keypoints=d.keypoints,
                            probabilities=smoothed[i], raw_probabilities=raw[i],
                            label=labels[int(np.argmax(smoothed[i]))],
                            crop=crops[i] if self.keep_crops else None)
                 for i, (d, fid) in enumerate(zip(detections, ids))]
        timings = {"decode": frame.decode_ms, "detect": (t1 - t0) * 1e3, "crop": (t2 - t1) * 1e3,
                   "classify": (t3 - t2) * 1e3, "track": (t4 - t3) * 1e3}
        return FrameResult(frame.index, frame.time_s, (image.shape[1], image.shape[0]), faces, labels, timings,
                           frame.read_at, self.model_path, spec.name, self.tracks_epoch)

    def close(self) -> None:
        self.detector.close()
        self.classifier.close()

    def __enter__(self) -> "ExpressionPipeline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
