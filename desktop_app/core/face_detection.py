"""Face detection: MediaPipe's BlazeFace models run in LiteRT, decoded with MediaPipe's own parameters.

The app never loads ``libmediapipe.so``: MediaPipe 1.2.2's Tasks runtime does usage logging (a DNS query
for a Google host at start) and offers no switch to turn it off. The ``mediapipe`` package stays a
test oracle only (tests/test_blazeface_oracle.py): boxes, keypoints and scores match its FaceDetector.

Kinds: ``short`` (faces within ~2 m), ``full`` (smaller faces, slower), ``group`` (a class: the short
model over overlapping tiles plus the whole frame, see tiling.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .blazeface_decoding import (FULL_RANGE, SHORT_RANGE, BlazeFaceSpec, anchor_grids, decode, ssd_anchor_centres,
                                 weighted_nms)
from .box_overlap import overlaps_xyxy
from .paths import DETECTOR_MODELS

# BlazeFace short range works on a 128×128 view of the frame and loses faces at 1280×720 full size;
# detecting on a copy at most this wide keeps accuracy and costs less.
MAX_DETECT_WIDTH = 640
DEFAULT_MIN_SCORE = 0.5
# BlazeFace's score alone cannot separate small real faces (0.58 in a class photo) from textures (up to
# 0.80 for a rocket seen through a tile): every candidate must also pass face_landmark.tflite's
# face-presence check. Measured (tests/test_false_faces.py, README "Face detection"): real faces ≥ 0.999,
# candidates on 17 face-free photos ≤ 0.89 (0.56 for those BlazeFace scores ≥ 0.5).
MIN_PRESENCE = 0.95
SAME_CANDIDATE_IOU = 0.5  # a candidate this close to one checked in the previous frame keeps its verdict
RECHECK_AFTER = 30  # frames a carried verdict lasts before it is checked again (a new source, a face left)
RECHECKS_PER_FRAME = 4  # at most this many old verdicts re-checked per frame, oldest first: no spike
DETECTOR_KINDS = ("short", "full", "group")
NUM_THREADS = 2


@dataclass(frozen=True)
class Detection:
    box: tuple[float, float, float, float]  # x, y, w, h in frame pixels
    score: float
    keypoints: np.ndarray  # (6, 2) frame pixels: right eye, left eye, nose, mouth, right ear, left ear


@dataclass
class Candidates:
    """Decoded detections in frame pixels: boxes (N, 4) xmin, ymin, xmax, ymax; keypoints (N, 6, 2)."""

    boxes: np.ndarray
    keypoints: np.ndarray
    scores: np.ndarray

    @staticmethod
    def concat(parts: list["Candidates"]) -> "Candidates":
        if not parts:
            return Candidates(np.zeros((0, 4), np.float32), np.zeros((0, 6, 2), np.float32),
                              np.zeros(0, np.float32))
        return Candidates(np.concatenate([p.boxes for p in parts]), np.concatenate([p.keypoints for p in parts]),
                          np.concatenate([p.scores for p in parts]))

    def to_detections(self) -> list[Detection]:
        return [Detection(box=(float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])),
                          score=float(s), keypoints=k.astype(np.float32))
                for b, k, s in zip(self.boxes, self.keypoints, self.scores)]


class BlazeFaceModel:
    """One BlazeFace ``.tflite`` in a LiteRT interpreter; runs a batch of views in one invoke."""

    def __init__(self, model: Path, spec: BlazeFaceSpec, num_threads: int = NUM_THREADS) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.spec = spec
        self.anchors = ssd_anchor_centres(spec)
        self._grid_sizes = [cells * cells * per_cell for cells, per_cell in anchor_grids(spec)]
        self._interpreter = Interpreter(model_path=str(model), num_threads=num_threads)
        self._input = self._interpreter.get_input_details()[0]["index"]
        outputs = self._interpreter.get_output_details()
        # Regressors have 16 values per anchor, the score 1; the tensor names differ between the models.
        self._regressors = next(o["index"] for o in outputs if o["shape"][-1] == 16)
        self._logits = next(o["index"] for o in outputs if o["shape"][-1] == 1)
        self._batch = 0
        self._resize(1)

    def _resize(self, batch: int) -> None:
        if batch != self._batch:
            size = self.spec.input_size
            self._interpreter.resize_tensor_input(self._input, [batch, size, size, 3])
            self._interpreter.allocate_tensors()
            self._batch = batch

    def run(self, views: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``views`` (B, S, S, 3) float32 in [-1, 1], RGB → regressors (B, N, 16) and logits (B, N)."""
        self._resize(len(views))
        self._interpreter.set_tensor(self._input, views)
        self._interpreter.invoke()
        # The model concatenates its grids after flattening each with the batch in front: with B views
        # the output is [grid 1 of views 1..B, grid 2 of views 1..B, ...]; put each view's anchors together.
        batch = len(views)
        regressors = self._interpreter.get_tensor(self._regressors).reshape(-1, 16)
        logits = self._interpreter.get_tensor(self._logits).reshape(-1)
        if len(self._grid_sizes) > 1 and batch > 1:
            bounds = np.cumsum([0] + [batch * n for n in self._grid_sizes])
            regressors = np.concatenate([regressors[a:b].reshape(batch, -1, 16)
                                         for a, b in zip(bounds[:-1], bounds[1:])], axis=1)
            logits = np.concatenate([logits[a:b].reshape(batch, -1) for a, b in zip(bounds[:-1], bounds[1:])], axis=1)
        return regressors.reshape(batch, -1, 16), logits.reshape(batch, -1)

    def close(self) -> None:
        self._interpreter = None


def to_model_input(bgr_views: np.ndarray) -> np.ndarray:
    """uint8 BGR views → float32 RGB in [-1, 1] (the BlazeFace models' normalisation)."""
    return bgr_views[..., ::-1].astype(np.float32) * np.float32(1 / 127.5) - np.float32(1.0)


def letterbox_matrix(width: int, height: int, size: int) -> tuple[np.ndarray, float, float, float]:
    """Affine that fits the whole frame, centred, into a ``size`` square (MediaPipe's keep_aspect_ratio
    with zero border), mapping corners to corners as its ImageToTensor does; plus the square's side and
    origin in frame pixels, to map detections back."""
    side = float(max(width, height))
    x0, y0 = (width - side) / 2.0, (height - side) / 2.0
    scale = size / side
    matrix = np.array([[scale, 0.0, -x0 * scale], [0.0, scale, -y0 * scale]], np.float64)
    return matrix, side, x0, y0


def detect_view(model: BlazeFaceModel, image_bgr: np.ndarray, min_score: float) -> Candidates:
    """The whole image in one view, exactly as MediaPipe's FaceDetector sees it; frame-pixel results."""
    height, width = image_bgr.shape[:2]
    size = model.spec.input_size
    matrix, side, x0, y0 = letterbox_matrix(width, height, size)
    view = cv2.warpAffine(image_bgr, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    regressors, logits = model.run(to_model_input(view[None]))
    boxes, keypoints, scores = weighted_nms(*decode(regressors[0], logits[0], model.anchors, size, min_score))
    offset = np.array([x0, y0], np.float32)
    return Candidates((boxes.reshape(-1, 2, 2) * side + offset).reshape(-1, 4), keypoints * side + offset, scores)


def downscale(frame_bgr: np.ndarray, max_width: int) -> tuple[np.ndarray, float]:
    height, width = frame_bgr.shape[:2]
    scale = min(1.0, max_width / width)
    if scale == 1.0:
        return frame_bgr, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(frame_bgr, size, interpolation=cv2.INTER_AREA), scale


_NO_CHECKS = (np.zeros((0, 4), np.float32), np.zeros(0, bool), np.zeros(0, int))


class FaceDetector:
    """Built once, closed once (``with`` or ``close()``). ``detect`` returns faces in frame pixels."""

    def __init__(self, kind: str = "short", min_score: float = DEFAULT_MIN_SCORE, verify: bool = True) -> None:
        if kind not in DETECTOR_KINDS:
            raise ValueError(f"unknown detector {kind!r}: choose {', '.join(DETECTOR_KINDS)}")
        model_kind = "full" if kind == "full" else "short"
        model = Path(DETECTOR_MODELS[model_kind])
        if not model.is_file():
            raise FileNotFoundError(f"detector model missing: {model} (run resources/models/build_models.py)")
        self.kind = kind
        self.min_score = float(min_score)
        self._model = BlazeFaceModel(model, FULL_RANGE if model_kind == "full" else SHORT_RANGE)
        self._tiler = None
        self._presence = None
        self._checked = _NO_CHECKS
        if verify:
            from .face_presence import FacePresence

            self._presence = FacePresence()
        if kind == "group":
            from .tiling import TiledDetector

            self._tiler = TiledDetector(self._model)

    def detect(self, frame_bgr: np.ndarray) -> list[Detection]:
        if self._model is None:
            raise RuntimeError("detector is closed")
        if self._tiler is not None:
            found = self._tiler.detect(frame_bgr, self.min_score)
        else:
            small, scale = downscale(frame_bgr, MAX_DETECT_WIDTH)
            found = detect_view(self._model, small, self.min_score)
            found.boxes /= scale
            found.keypoints /= scale
        if self._presence is not None:
            found = self._keep_faces(frame_bgr, found)
        return found.to_detections()

    def _keep_faces(self, frame_bgr: np.ndarray, found: Candidates) -> Candidates:
        """Candidates that pass the face-presence check. A candidate overlapping one checked in the
        previous frame keeps that verdict, so a steady video pays for each face about once a second
        (``RECHECK_AFTER``), not every frame."""
        old_boxes, old_verdicts, old_ages = self._checked
        verdicts = np.zeros(len(found.scores), bool)
        ages = np.zeros(len(found.scores), int)
        unknown = np.arange(len(found.scores))
        if len(old_boxes) and len(found.scores):
            inter, area_new, area_old = overlaps_xyxy(found.boxes, old_boxes)
            overlap = inter / np.maximum(area_new[:, None] + area_old[None, :] - inter, 1e-9)
            best = overlap.argmax(axis=1)
            known = overlap[np.arange(len(best)), best] >= SAME_CANDIDATE_IOU
            verdicts[known] = old_verdicts[best[known]]
            ages[known] = old_ages[best[known]] + 1
            stale = np.flatnonzero(known & (ages >= RECHECK_AFTER))
            stale = stale[np.argsort(-ages[stale], kind="stable")][:RECHECKS_PER_FRAME]
            unknown = np.concatenate([np.flatnonzero(~known), stale])
        if len(unknown):
            xywh = [(b[0], b[1], b[2] - b[0], b[3] - b[1]) for b in found.boxes[unknown]]
            presence = self._presence.scores(frame_bgr, xywh, found.keypoints[unknown])
            verdicts[unknown] = presence >= MIN_PRESENCE
            ages[unknown] = 0
        self._checked = (found.boxes.copy(), verdicts, ages)
        return Candidates(found.boxes[verdicts], found.keypoints[verdicts], found.scores[verdicts])

    def reset(self) -> None:
        """A new source: forget what earlier frames showed (tiles' faces, checked candidates)."""
        self._checked = _NO_CHECKS
        if self._tiler is not None:
            self._tiler.reset()

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
            self._model = None
            self._tiler = None
        if self._presence is not None:
            self._presence.close()
            self._presence = None

    def __enter__(self) -> "FaceDetector":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
