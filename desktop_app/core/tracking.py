"""Stable face ids across frames (greedy IoU matching) and per-track smoothing of probabilities."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]


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
    probs: np.ndarray
    missing: int = 0


class FaceTracker:
    """``smoothing`` is the weight of the past: 0 = off, 0.8 = heavy; new = a·old + (1−a)·current."""

    def __init__(self, smoothing: float = 0.5, iou_threshold: float = 0.3, max_missing: int = 10) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise ValueError("smoothing must be in [0, 1)")
        self.smoothing = smoothing
        self.iou_threshold = iou_threshold
        self.max_missing = max_missing
        self._tracks: list[_Track] = []
        self._next_id = 1

    def reset(self) -> None:
        self._tracks.clear()
        self._next_id = 1

    def update(self, boxes: list[Box], probs: np.ndarray) -> tuple[list[int], np.ndarray]:
        """Match this frame's boxes to tracks; return their ids and smoothed probabilities."""
        pairs = sorted(((iou(t.box, b), ti, bi) for ti, t in enumerate(self._tracks)
                        for bi, b in enumerate(boxes)), reverse=True)
        track_for: dict[int, _Track] = {}
        used: set[int] = set()
        for overlap, ti, bi in pairs:
            if overlap < self.iou_threshold:
                break
            if ti in used or bi in track_for:
                continue
            used.add(ti)
            track_for[bi] = self._tracks[ti]
        ids: list[int] = []
        smoothed = np.array(probs, np.float32, copy=True)
        for bi, box in enumerate(boxes):
            track = track_for.get(bi)
            if track is None:
                track = _Track(self._next_id, box, smoothed[bi].copy())
                self._next_id += 1
                self._tracks.append(track)
            else:
                a = self.smoothing
                track.probs = a * track.probs + (1.0 - a) * smoothed[bi]
                track.box, track.missing = box, 0
                smoothed[bi] = track.probs
            ids.append(track.id)
        matched = set(map(id, track_for.values()))
        for track in self._tracks:
            if id(track) not in matched and track.id not in ids:
                track.missing += 1
        self._tracks = [t for t in self._tracks if t.missing <= self.max_missing]
        return ids, smoothed
