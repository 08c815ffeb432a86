"""Face detection: MediaPipe's BlazeFace models run in LiteRT, decoded with MediaPipe's own parameters.

The app never loads ``libmediapipe.so``: MediaPipe 1.2.2's Tasks runtime does usage logging (a DNS query
for a Google host at start) and offers no switch to turn it off. The ``mediapipe`` package stays a
test oracle only (tests/core/detection/test_blazeface_oracle.py): boxes, keypoints and scores match its FaceDetector.

Kinds: ``auto``, the default (the short model on the whole frame, and on overlapping tiles as often as
the scene needs them: a close face, a table, a class; see room_scan.py for how it decides; on a steady
video of a few faces, every other frame predicted, coasting.py), ``short``
(faces within ~2 m), ``full`` (smaller faces, slower), ``group`` (a class: the short model over every
overlapping tile plus the whole frame on every frame, see tiling.py).
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from desktop_app.core.detection.blazeface_decoding import FULL_RANGE, SHORT_RANGE
from desktop_app.core.detection.blazeface_model import BlazeFaceModel, Candidates, Detection, detect_view
from desktop_app.core.detection.box_overlap import overlaps_xyxy
from desktop_app.core.detection.coasting import Coaster
from desktop_app.core.detection.face_presence import FacePresence
from desktop_app.core.detection.room_scan import RoomScanner
from desktop_app.core.detection.tiling import TiledDetector
from desktop_app.core.paths import DETECTOR_MODELS

# BlazeFace short range works on a 128×128 view of the frame and loses faces at 1280×720 full size;
# detecting on a copy at most this wide keeps accuracy and costs less.
MAX_DETECT_WIDTH = 640
DEFAULT_MIN_SCORE = 0.5
# BlazeFace's score alone cannot separate small real faces (0.58 in a class photo) from textures (up to
# 0.80 for a rocket seen through a tile): every candidate must also pass face_landmark.tflite's
# face-presence check. Measured (tests/core/detection/test_false_faces.py; docs/detection.md, "No false
# faces"): real faces ≥ 0.999, candidates on 17 face-free photos ≤ 0.89 (0.56 for those BlazeFace scores ≥ 0.5).
MIN_PRESENCE = 0.95
# A face that only a tile saw (auto mode) must pass a stricter check: a tile saw the astronaut's suit
# patch, dimmed and turned 15°, as a face of presence 0.989, while every real face of the class, table
# and tiled group frames scored ≥ 0.9999 (2026-12). Faces the whole view sees keep MIN_PRESENCE (the
# cameraman's half profile scores below 0.995).
MIN_TILE_PRESENCE = 0.995
SAME_CANDIDATE_IOU = 0.5  # a candidate this close to one checked in the previous frame keeps its verdict
RECHECK_AFTER = 30  # frames a carried verdict lasts before it is checked again (a new source, a face left)
RECHECKS_PER_FRAME = 4  # at most this many old presences re-checked per frame, oldest first: no spike
DETECTOR_KINDS = ("auto", "short", "full", "group")
DEFAULT_DETECTOR = "auto"  # the one default of the window, analyze, capture and bench
# What each kind is called where a user picks one (the window's menu, the CLIs' --help).
DETECTOR_LABELS = {"auto": "auto (one face or a whole room)", "short": "short range (faces within ~2 m)",
                   "full": "full range (small or distant faces)", "group": "group (every tile, every frame)"}


def downscale(frame_bgr: np.ndarray, max_width: int) -> tuple[np.ndarray, float]:
    height, width = frame_bgr.shape[:2]
    scale = min(1.0, max_width / width)
    if scale == 1.0:
        return frame_bgr, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(frame_bgr, size, interpolation=cv2.INTER_AREA), scale


_NO_CHECKS = (np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, int))


class FaceDetector:
    """Built once, closed once (``with`` or ``close()``). ``detect`` returns faces in frame pixels."""

    def __init__(self, kind: str = DEFAULT_DETECTOR, min_score: float = DEFAULT_MIN_SCORE, verify: bool = True) -> None:
        if kind not in DETECTOR_KINDS:
            raise ValueError(f"unknown detector {kind!r}: choose {', '.join(DETECTOR_KINDS)}")
        model_kind = "full" if kind == "full" else "short"
        model = Path(DETECTOR_MODELS[model_kind])
        if not model.is_file():
            raise FileNotFoundError(f"detector model missing: {model} (run python -m model_training build-models)")
        self.kind = kind
        self.min_score = float(min_score)
        self._model = BlazeFaceModel(model, FULL_RANGE if model_kind == "full" else SHORT_RANGE)
        self._tiler = None
        self._room = None
        self._presence = None
        self._checked = _NO_CHECKS
        self._coaster = Coaster()
        self.predicted = False  # whether the last frame's faces were predicted, not detected (auto only)
        self.coast = True  # auto on a video may predict between detections; False: detect every frame (a reference)
        if verify:
            self._presence = FacePresence()
        if kind == "group":
            self._tiler = TiledDetector(self._model)
        elif kind == "auto":
            self._room = RoomScanner(self._model)

    @property
    def activity(self) -> str:
        """What the detector is doing now, in a few words (the status line)."""
        if self._room is None:
            return self.kind
        return self._room.describe() + (", every 2nd frame" if self._coaster.coasting else "")

    def detect(self, frame_bgr: np.ndarray, frame_index: int | None = None) -> list[Detection]:
        """Faces in ``frame_bgr``. ``frame_index``: its number in a video (None for a still image); auto
        may then skip the detector on a steady video's every other frame (coasting.py)."""
        if self._model is None:
            raise RuntimeError("detector is closed")
        if self._room is not None:
            return self._detect_auto(frame_bgr, frame_index)
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

    def _detect_auto(self, frame_bgr: np.ndarray, frame_index: int | None) -> list[Detection]:
        if frame_index is None:  # a still image: every tile, whatever the frames before it showed
            self._room.rescan()
        predicted = self._coaster.prediction(frame_index) if self.coast else None
        self.predicted = predicted is not None and self._room.coast(frame_bgr)
        if self.predicted:
            self._coaster.coasted()
            return predicted.to_detections()
        found, tile_only = self._room.detect(frame_bgr, self.min_score)
        if self._presence is not None:
            kept = self._presences(frame_bgr, found) >= np.where(tile_only, MIN_TILE_PRESENCE, MIN_PRESENCE)
            found, tile_only = Candidates(found.boxes[kept], found.keypoints[kept], found.scores[kept]), tile_only[kept]
        self._room.saw_room(bool(tile_only.any()))
        self._coaster.record(frame_index, found)
        return found.to_detections()

    def _keep_faces(self, frame_bgr: np.ndarray, found: Candidates) -> Candidates:
        kept = self._presences(frame_bgr, found) >= MIN_PRESENCE
        return Candidates(found.boxes[kept], found.keypoints[kept], found.scores[kept])

    def _presences(self, frame_bgr: np.ndarray, found: Candidates) -> np.ndarray:
        """Each candidate's face-presence probability. A candidate overlapping one checked in the
        previous frame keeps that verdict, so a steady video pays for each face about once a second
        (``RECHECK_AFTER``), not every frame."""
        old_boxes, old_presences, old_ages = self._checked
        presences = np.zeros(len(found.scores), np.float32)
        ages = np.zeros(len(found.scores), int)
        unknown = np.arange(len(found.scores))
        if len(old_boxes) and len(found.scores):
            inter, area_new, area_old = overlaps_xyxy(found.boxes, old_boxes)
            overlap = inter / np.maximum(area_new[:, None] + area_old[None, :] - inter, 1e-9)
            best = overlap.argmax(axis=1)
            known = overlap[np.arange(len(best)), best] >= SAME_CANDIDATE_IOU
            presences[known] = old_presences[best[known]]
            ages[known] = old_ages[best[known]] + 1
            stale = np.flatnonzero(known & (ages >= RECHECK_AFTER))
            stale = stale[np.argsort(-ages[stale], kind="stable")][:RECHECKS_PER_FRAME]
            unknown = np.concatenate([np.flatnonzero(~known), stale])
        if len(unknown):
            xywh = [(b[0], b[1], b[2] - b[0], b[3] - b[1]) for b in found.boxes[unknown]]
            presence = self._presence.scores(frame_bgr, xywh, found.keypoints[unknown])
            presences[unknown] = presence
            ages[unknown] = 0
        self._checked = (found.boxes.copy(), presences, ages)
        return presences

    def reset(self) -> None:
        """A new source: forget what earlier frames showed (tiles' faces, checked candidates)."""
        self._checked = _NO_CHECKS
        self._coaster.reset()
        if self._tiler is not None:
            self._tiler.reset()
        if self._room is not None:
            self._room.reset()

    def close(self) -> None:
        if self._model is not None:
            self._model.close()
            self._model = None
            self._tiler = None
            self._room = None
        if self._presence is not None:
            self._presence.close()
            self._presence = None

    def __enter__(self) -> FaceDetector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
