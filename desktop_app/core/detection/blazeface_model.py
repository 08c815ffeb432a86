"""One BlazeFace ``.tflite`` in LiteRT and the whole-frame view MediaPipe's FaceDetector takes of an image.

The detectors (``face_detection.FaceDetector``, ``tiling.TiledDetector``) are built on these pieces; the
pieces know nothing of either, so the two detectors import this module and not each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from desktop_app.core.detection.blazeface_decoding import (
    BlazeFaceSpec,
    anchor_grids,
    decode,
    ssd_anchor_centres,
    weighted_nms,
)

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
    def concat(parts: list[Candidates]) -> Candidates:
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
    """One BlazeFace ``.tflite`` in LiteRT; runs a batch of views in one invoke.

    Two interpreters of the same model: one for a single view, never resized, and one resized to each
    batch size as it comes. A one-face video alternates one view (most frames) with the whole view plus a
    tile or two (auto's probes); with one interpreter every switch re-allocated its tensors and re-planned
    XNNPACK twice, ~1.5 ms each on this CPU, more than the invoke itself."""

    def __init__(self, model: Path, spec: BlazeFaceSpec, num_threads: int = NUM_THREADS) -> None:
        self.spec = spec
        self.anchors = ssd_anchor_centres(spec)
        self._grid_sizes = [cells * cells * per_cell for cells, per_cell in anchor_grids(spec)]
        self._path, self._threads = str(model), num_threads
        self._single = self._interpreter_for(1)
        self._batched = None  # built on the first batch of more than one view
        self._batch = 0
        self._orders: dict[int, np.ndarray] = {}  # batch size → output rows in view order (``_view_order``)
        self._input = self._single.get_input_details()[0]["index"]
        outputs = self._single.get_output_details()
        # Regressors have 16 values per anchor, the score 1; the tensor names differ between the models.
        self._regressors = next(o["index"] for o in outputs if o["shape"][-1] == 16)
        self._logits = next(o["index"] for o in outputs if o["shape"][-1] == 1)

    def _interpreter_for(self, batch: int):
        """A new interpreter of this model with its tensors allocated for ``batch`` views."""
        from ai_edge_litert.interpreter import Interpreter

        interpreter = Interpreter(model_path=self._path, num_threads=self._threads)
        size = self.spec.input_size
        interpreter.resize_tensor_input(interpreter.get_input_details()[0]["index"], [batch, size, size, 3])
        interpreter.allocate_tensors()
        return interpreter

    def _batched_for(self, batch: int):
        """The batched interpreter, resized (tensors re-allocated) only when the batch size changes."""
        if self._batched is None:
            self._batched, self._batch = self._interpreter_for(batch), batch
        elif batch != self._batch:
            size = self.spec.input_size
            self._batched.resize_tensor_input(self._input, [batch, size, size, 3])
            self._batched.allocate_tensors()
            self._batch = batch
        return self._batched

    def run(self, views: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``views`` (B, S, S, 3) float32 in [-1, 1], RGB → regressors (B, N, 16) and logits (B, N)."""
        if self._single is None:
            raise RuntimeError("the detector model is closed")
        batch = len(views)
        interpreter = self._single if batch == 1 else self._batched_for(batch)
        interpreter.set_tensor(self._input, views)
        interpreter.invoke()
        regressors = interpreter.get_tensor(self._regressors).reshape(-1, 16)
        logits = interpreter.get_tensor(self._logits).reshape(-1)
        if len(self._grid_sizes) > 1 and batch > 1:
            order = self._view_order(batch)
            regressors, logits = regressors[order], logits[order]
        return regressors.reshape(batch, -1, 16), logits.reshape(batch, -1)

    def _view_order(self, batch: int) -> np.ndarray:
        """The model concatenates its grids after flattening each with the batch in front: with B views
        the output is [grid 1 of views 1..B, grid 2 of views 1..B, ...]. These row numbers put each
        view's anchors together (one gather per batch, worked out once per batch size)."""
        order = self._orders.get(batch)
        if order is None:
            starts = np.cumsum([0] + [batch * n for n in self._grid_sizes])[:-1]
            order = np.concatenate([start + view * n + np.arange(n) for view in range(batch)
                                    for start, n in zip(starts, self._grid_sizes)])
            self._orders[batch] = order
        return order

    def close(self) -> None:
        self._single = self._batched = None


# uint8 → the models' [-1, 1]: one table lookup per pixel instead of a cast, a multiply and a subtract on
# the whole batch (25 µs instead of 105 for a 128×128 view), with the same float32 values bit for bit.
_TO_UNIT_RANGE = np.arange(256, dtype=np.float32) * np.float32(1 / 127.5) - np.float32(1.0)


def to_model_input(bgr_views: np.ndarray) -> np.ndarray:
    """uint8 BGR views (B, S, S, 3) → float32 RGB in [-1, 1] (the BlazeFace models' normalisation)."""
    batch, rows = bgr_views.shape[:2]
    stacked = np.ascontiguousarray(bgr_views).reshape(batch * rows, -1, 3)  # one image: one call for the batch
    return cv2.LUT(cv2.cvtColor(stacked, cv2.COLOR_BGR2RGB), _TO_UNIT_RANGE).reshape(bgr_views.shape)


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
