"""Auto on a steady video: detect every other frame, predict the boxes in between.

With one face the detector's invoke is most of a frame's cost (1.3–1.6 ms of about 2 ms on the 2-core
machine; docs/detection.md, "One face, every other frame"). At 30 fps a face moves a few pixels a frame, so
when the last two detections found the same faces in nearly the same places, the frame after a
detection may skip the detector: each box and keypoint is extrapolated from those two detections (a
constant velocity; a zoom moves the box's sides too). The frame after that detects again, so a
prediction is never more than one frame from a detection, and a face that leaves or jumps is
wrong for at most one frame. MediaPipe's own video graphs likewise detect rarely and follow faces
between detections.

Never coasted over: a still image, a frame after a seek, a new source or more than one dropped frame
(``MAX_AHEAD``), a frame with no face or more than ``COAST_MAX_FACES``, faces that moved more than
``STEADY_IOU`` allows between the last two detections, auto's probe and rescan frames and a scene
cut (room_scan.py). The named detectors (short, full, group) detect on every frame.
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.detection.blazeface_model import Candidates
from desktop_app.core.detection.box_overlap import overlaps_xyxy

COAST_MAX_FACES = 4  # a few people at a laptop; a class keeps tiling's own schedule
STEADY_IOU = 0.7  # each face's boxes in the last two detections overlap at least this much (a fast move: detect)
MAX_AHEAD = 2  # frames from the last detection to the frame predicted (one dropped frame allowed)
MAX_SPAN = 4  # frames between the last two detections (two dropped frames allowed)


class Coaster:
    """The last two detections of a video and whether the next frame may do without a new one."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """A new source, a seek, a still: nothing to extrapolate from."""
        self._last: tuple[int, Candidates] | None = None
        self._before: tuple[int, Candidates] | None = None
        self._match: np.ndarray | None = None  # each last face's box in ``_before``, when the two agree
        self._predicted_last = False  # the last frame processed was a prediction: the next one detects
        self.coasting = False  # whether one of the last two frames was predicted (the status line)

    def record(self, index: int | None, found: Candidates) -> None:
        """A frame that ran the detector (``index`` None: not part of a video, so forget the past)."""
        if index is None:
            self.reset()
            return
        if self._last is not None and not 0 < index - self._last[0] <= MAX_SPAN:
            self._last = None  # a seek or a long gap: these two detections say nothing about motion
        self._before, self._last = self._last, (index, found)
        self._match = None if self._before is None else steady_match(found, self._before[1])
        self.coasting, self._predicted_last = self._predicted_last, False

    def prediction(self, index: int | None) -> Candidates | None:
        """The faces predicted at frame ``index`` if it may skip the detector, else None."""
        if index is None or self._match is None or self._predicted_last:
            return None
        (i1, last), (i0, before) = self._last, self._before
        ahead, span = index - i1, i1 - i0
        if not (0 < ahead <= MAX_AHEAD and 0 < span <= MAX_SPAN):
            return None
        step = ahead / span
        boxes = last.boxes + (last.boxes - before.boxes[self._match]) * step
        keypoints = last.keypoints + (last.keypoints - before.keypoints[self._match]) * step
        return Candidates(boxes.astype(np.float32), keypoints.astype(np.float32), last.scores.copy())

    def coasted(self) -> None:
        """The frame just predicted used the prediction: the next frame detects (a prediction is never
        made from a prediction)."""
        self._predicted_last = self.coasting = True


def steady_match(last: Candidates, before: Candidates) -> np.ndarray | None:
    """For each face of ``last``, its box in ``before``, when both found the same one to
    ``COAST_MAX_FACES`` faces in nearly the same places (IoU ≥ ``STEADY_IOU``); None otherwise: a face
    appeared, left or jumped, so detect until two detections agree again. Worked out once per detection,
    not on every frame that asks for a prediction."""
    count = len(last.scores)
    if not 0 < count <= COAST_MAX_FACES or len(before.scores) != count:
        return None
    inter, area_last, area_before = overlaps_xyxy(last.boxes, before.boxes)
    overlap = inter / np.maximum(area_last[:, None] + area_before[None, :] - inter, 1e-9)
    match = overlap.argmax(axis=1)
    if len(set(match.tolist())) != count or (overlap[np.arange(count), match] < STEADY_IOU).any():
        return None
    return match
