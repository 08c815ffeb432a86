"""Stable face ids across frames and per-track smoothing of probabilities.

A face keeps its id when it moves, grows or shrinks between frames, and when the detector misses it for
a moment (up to ``max_missing`` frames, about a second): a lost track coasts at its last velocity, and a
new box joins it when the boxes overlap (IoU) or when its centre lies near the predicted centre at a
similar size. Matching is greedy, best pairs first, over all tracks × boxes at once (a class is 50 faces).

A track also carries its face's last probabilities, so a caller need not classify every face on every
frame (``assign``, then ``record`` the faces it classified): the pipeline classifies a class of fifty in
turns and shows the carried probabilities in between.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from desktop_app.core.detection.box_overlap import iou_matrix_xywh

Box = tuple[float, float, float, float]

MAX_MISSING = 30  # frames a lost face keeps its id (1 s at 30 fps)
NEAR = 0.75  # a box whose centre is within this many face sizes of the prediction may continue a track
SIZE_RATIO = 2.0  # ... if its size is within this factor of the track's
VELOCITY_WEIGHT = 0.5  # how much of each frame's motion enters the track's velocity
FEW_PAIRS = 16  # up to this many track × box pairs, plain Python beats numpy's per-call overhead (one face)


def iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _Track:
    id: int
    box: Box
    probs: np.ndarray | None  # smoothed; None until first classified
    missing: int = 0
    age: int = 0  # frames since last classified
    raw: np.ndarray | None = None  # the last classification alone
    velocity: tuple[float, float] = (0.0, 0.0)  # centre pixels per frame (floats: one face, few µs)

    def predicted(self) -> Box:
        """Where the box should be now: coasting at its velocity for the frames it has been missing."""
        x, y, w, h = self.box
        frames = self.missing + 1
        return (x + self.velocity[0] * frames, y + self.velocity[1] * frames, w, h)


class FaceTracker:
    """``smoothing`` is the weight of the past: 0 = off, 0.8 = heavy; new = a·old + (1−a)·current."""

    def __init__(self, smoothing: float = 0.5, iou_threshold: float = 0.3, max_missing: int = MAX_MISSING) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ValueError("smoothing must be in [0, 1)")
        self.smoothing = smoothing
        self.iou_threshold = iou_threshold
        self.max_missing = max_missing
        self._tracks: list[_Track] = []
        self._current: list[_Track] = []  # the tracks of the last ``assign``'s boxes, in their order
        self._next_id = 1

    def reset(self) -> None:
        self._tracks.clear()
        self._current = []
        self._next_id = 1

    def _pairs(self, boxes: list[Box]) -> list[tuple[int, int]]:
        """(track, box) pairs that may be the same face, best first: by IoU, then by nearness."""
        if not self._tracks or not boxes:
            return []
        if len(self._tracks) * len(boxes) <= FEW_PAIRS:
            return self._few_pairs(boxes)
        return self._many_pairs(boxes)

    def _many_pairs(self, boxes: list[Box]) -> list[tuple[int, int]]:
        """``_pairs`` for a class: every track × box at once."""
        predicted = np.array([t.predicted() for t in self._tracks], np.float64)
        new = np.array(boxes, np.float64).reshape(-1, 4)
        overlap = iou_matrix_xywh(predicted, new)
        size_t = np.sqrt(predicted[:, 2] * predicted[:, 3])[:, None]
        size_b = np.sqrt(new[:, 2] * new[:, 3])[None, :]
        centre_t = predicted[:, :2] + predicted[:, 2:] / 2
        centre_b = new[:, :2] + new[:, 2:] / 2
        distance = np.linalg.norm(centre_t[:, None, :] - centre_b[None, :, :], axis=2)
        # The gate widens a little for each missed frame: the longer a face is gone, the less sure where.
        missing = np.array([t.missing for t in self._tracks], np.float64)[:, None]
        gate = NEAR * np.maximum(size_t, size_b) * (1.0 + 0.1 * missing)
        ratio = np.maximum(size_t, size_b) / np.maximum(np.minimum(size_t, size_b), 1e-9)
        near = (distance <= gate) & (ratio <= SIZE_RATIO)
        allowed = (overlap >= self.iou_threshold) | near
        ti, bi = np.nonzero(allowed)
        order = np.lexsort((distance[ti, bi] / np.maximum(size_t[ti, 0], 1e-9), -overlap[ti, bi]))
        return [(int(ti[k]), int(bi[k])) for k in order]

    def _few_pairs(self, boxes: list[Box]) -> list[tuple[int, int]]:
        """``_pairs`` for a few faces, pair by pair: the same rules, the same order."""
        found = []
        for ti, track in enumerate(self._tracks):
            p = track.predicted()
            size_t = math.sqrt(p[2] * p[3])
            for bi, b in enumerate(boxes):
                size_b = math.sqrt(b[2] * b[3])
                distance = math.hypot(p[0] + p[2] / 2 - b[0] - b[2] / 2, p[1] + p[3] / 2 - b[1] - b[3] / 2)
                gate = NEAR * max(size_t, size_b) * (1.0 + 0.1 * track.missing)
                near = distance <= gate and max(size_t, size_b) / max(min(size_t, size_b), 1e-9) <= SIZE_RATIO
                overlap = iou(p, b)
                if overlap >= self.iou_threshold or near:
                    found.append((-overlap, distance / max(size_t, 1e-9), ti, bi))
        found.sort(key=lambda f: (f[0], f[1]))
        return [(ti, bi) for _, _, ti, bi in found]

    def update(self, boxes: list[Box], probs: np.ndarray) -> tuple[list[int], np.ndarray]:
        """Match this frame's boxes to tracks; return their ids and smoothed probabilities (every face
        classified this frame)."""
        ids, _ = self.assign(boxes)
        return ids, self.record(np.arange(len(boxes)), probs)

    def assign(self, boxes: list[Box]) -> tuple[list[int], np.ndarray]:
        """Match this frame's boxes to tracks (new faces get new ids). Returns the ids and, per box, the
        frames since its face was last classified (``inf`` for a face never classified), so a caller
        can classify only the faces that are due; then ``record`` what it classified."""
        track_for: dict[int, _Track] = {}
        used: set[int] = set()
        for ti, bi in self._pairs(boxes):
            if ti in used or bi in track_for:
                continue
            used.add(ti)
            track_for[bi] = self._tracks[ti]
        current: list[_Track] = []
        for bi, box in enumerate(boxes):
            track = track_for.get(bi)
            if track is None:
                track = _Track(self._next_id, tuple(box), None)
                self._next_id += 1
                self._tracks.append(track)
            else:
                (ox, oy, ow, oh), (x, y, w, h) = track.box, box
                frames = track.missing + 1
                step_x = float(x + w / 2 - ox - ow / 2) / frames  # float64, as before, for numpy boxes too
                step_y = float(y + h / 2 - oy - oh / 2) / frames
                vx, vy = track.velocity
                track.velocity = (VELOCITY_WEIGHT * vx + (1.0 - VELOCITY_WEIGHT) * step_x,
                                  VELOCITY_WEIGHT * vy + (1.0 - VELOCITY_WEIGHT) * step_y)
                track.box, track.missing = tuple(box), 0
                track.age += 1
            current.append(track)
        matched = {id(t) for t in current}
        for track in self._tracks:
            if id(track) not in matched:
                track.missing += 1
        self._tracks = [t for t in self._tracks if t.missing <= self.max_missing]
        self._current = current
        due = np.array([np.inf if t.probs is None else t.age for t in current], np.float64)
        return [t.id for t in current], due

    def record(self, which: np.ndarray, probs: np.ndarray) -> np.ndarray:
        """This frame's probabilities for the boxes ``which`` (indices into the last ``assign``), one row
        each: blended into their tracks. Returns every box's smoothed probabilities; a face not
        classified now carries its track's last ones."""
        a = self.smoothing
        for row, bi in zip(np.asarray(probs, np.float32), np.asarray(which, int)):
            track = self._current[bi]
            track.probs = row.copy() if track.probs is None else a * track.probs + (1.0 - a) * row
            track.raw, track.age = row.copy(), 0
        if not self._current:
            return np.zeros((0, probs.shape[1] if np.ndim(probs) == 2 else 0), np.float32)
        return np.stack([t.probs for t in self._current]).astype(np.float32)

    def raw(self) -> np.ndarray:
        """The last classification of each box of the last ``assign`` (as ``record`` returns rows)."""
        return np.stack([t.raw for t in self._current]).astype(np.float32)
