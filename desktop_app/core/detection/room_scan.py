"""Auto mode, the default: one detector for a face at arm's length, a table of six and a class of fifty.

BlazeFace short range sees the whole frame at 128×128: enough for a face filling a good part of it, not
for a room. Group mode's tiles (tiling.py) see small faces but cost ~40 views a 1080p frame. Auto runs
the whole-frame view on every frame and decides, from what the tiles have found, how much tiling a
frame needs:

- **close-up** (the whole view accounts for every face): each frame runs the whole view (what ``short``
  runs); every ``PROBE_EVERY``-th frame also runs the next few tiles in the same invoke, so all tiles
  are looked at in about ``PROBE_ROUNDS × PROBE_EVERY`` frames (~1 s at 30 fps). A one-face video pays
  for the whole view on most frames and one or a few tile views on every fourth.
- **room** (a tile found a real face that the whole view missed): each frame runs as group mode does
  (the whole view, a rotating share of the tiles, and every tile whose content changed), except that
  the whole view, and a tile that found nothing, take their turns only every ``PROBE_EVERY``-th frame
  while they find nothing (a tile still runs when its content changes): one small face far from the
  camera then costs about what the whole view alone costs, and a class about what group mode costs.
- Back to **close-up** after ``ROOM_LINGER`` frames (~3 s at 30 fps) in which no tile found a face the
  whole view missed.
- **Rescan**: a new source (``reset``), a new frame size, a still image (``rescan``: each photo is looked
  at whole), or a scene cut (the whole view's mean grey level changes by more than ``SCENE_CUT``) runs
  every tile at once, so a photo of a group is found in its first frame, and a room is found at once
  when the camera turns to it.

A face found by a tile counts as room evidence only after the face-presence check (face_detection.py):
textures that BlazeFace mistakes for faces do not switch the state.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from desktop_app.core.detection.blazeface_decoding import decode, weighted_nms
from desktop_app.core.detection.blazeface_model import BlazeFaceModel, Candidates, letterbox_matrix, to_model_input
from desktop_app.core.detection.box_overlap import overlaps_xyxy
from desktop_app.core.detection.tiling import (
    CROSS_VIEW_COVER,
    CROSS_VIEW_IOU,
    TiledDetector,
    merge_across_views,
    shrink,
)

PROBE_EVERY = 4  # close-up: every this-many-th frame also runs a share of the tiles
PROBE_ROUNDS = 8  # ... a sweep of all tiles takes this many probe frames (32 frames, ~1 s at 30 fps)
ROOM_LINGER = 90  # frames without a tile-only face before room scanning stops (3 s at 30 fps)
SCENE_CUT = 25.0  # mean absolute grey change (0–255) of the 128×128 whole view that means a new scene
MAX_WHOLE_WIDTH = 640  # the whole view is made from a copy at most this wide (as ``short`` does)

CLOSE_UP, ROOM = "close-up", "room"


def seen_only_by_tiles(found: Candidates, whole: Candidates) -> np.ndarray:
    """Which of ``found`` no whole-view candidate accounts for (the same overlap rules as the merge)."""
    if len(found.scores) == 0 or len(whole.scores) == 0:
        return np.ones(len(found.scores), bool)
    inter, area_f, area_w = overlaps_xyxy(found.boxes, whole.boxes)
    iou = inter / np.maximum(area_f[:, None] + area_w[None, :] - inter, 1e-6)
    cover = inter / np.maximum(np.minimum(area_f[:, None], area_w[None, :]), 1e-6)
    return ~((iou > CROSS_VIEW_IOU) | (cover > CROSS_VIEW_COVER)).any(axis=1)


class RoomScanner:
    """The ``auto`` detector's views and state; ``FaceDetector`` verifies what it returns and reports
    back (``saw_room``) whether a real face came from the tiles alone."""

    def __init__(self, model: BlazeFaceModel) -> None:
        self.model = model
        self.tiler = TiledDetector(model)
        self.reset()

    def reset(self) -> None:
        self.state = CLOSE_UP
        self._frames = 0
        self._last_room_face = -ROOM_LINGER - 1
        self._probe = 0
        self._last_view: tuple[np.ndarray, tuple[int, ...]] | None = None
        self._rescan = True
        self._whole_found = True  # room state: whether the whole view found anything when it last ran
        self.tiles_run = 0  # tiles run on the last frame (the status line's "tiles 5/40")
        self.tiles_total = 0
        self.tiler.reset()

    def rescan(self) -> None:
        """Run every tile on the next frame (a still image: each photo is looked at whole, whatever came
        before it)."""
        self._rescan = True

    def describe(self) -> str:
        """What the detector is doing, for the status line."""
        if self.state == ROOM:
            return f"auto: room, tiles {self.tiles_run}/{self.tiles_total}"
        return "auto: close-up" + (f", tiles {self.tiles_run}/{self.tiles_total}" if self.tiles_run else "")

    def detect(self, frame_bgr: np.ndarray, min_score: float) -> tuple[Candidates, np.ndarray]:
        """Candidates in frame pixels and, per candidate, whether only a tile saw it."""
        self._frames += 1
        if self.state == ROOM:
            return self._room(frame_bgr, min_score)
        view, scale, side, x0, y0 = self._whole_view(frame_bgr)
        size = self.model.spec.input_size
        if self._scene_cut(view, frame_bgr.shape):
            self._rescan = True
        views, tiles, places = view[None], [], []
        if self._rescan or self._frames % PROBE_EVERY == 0:
            tile_views, tile_places = self.tiler.tile_views(frame_bgr)
            count = len(tile_views)
            self.tiles_total = count
            if self._rescan or count == 0:  # a frame of at most one tile has none: the whole view sees it
                tiles = list(range(count))
            else:
                share = math.ceil(count / PROBE_ROUNDS)
                self._probe = (self._probe + 1) % math.ceil(count / share)
                tiles = list(range(self._probe * share, min(count, (self._probe + 1) * share)))
            if tiles:
                views = np.stack([view, *(tile_views[t] for t in tiles)])
                places = [tile_places[t] for t in tiles]
        self._rescan = False
        self.tiles_run = len(tiles)
        regressors, logits = self.model.run(to_model_input(views))
        boxes, keypoints, scores = weighted_nms(*decode(regressors[0], logits[0], self.model.anchors, size,
                                                        min_score))
        offset = np.array([x0, y0], np.float32)
        whole = Candidates(((boxes.reshape(-1, 2, 2) * side + offset).reshape(-1, 4)) / scale,
                           (keypoints * side + offset) / scale, scores)
        if not tiles:
            return whole, np.zeros(len(whole.scores), bool)
        full_h, full_w = frame_bgr.shape[:2]
        parts = [(whole, np.zeros(len(whole.scores), bool))]
        parts += [self.tiler.decode_view(regressors[i + 1], logits[i + 1], place, full_w, full_h, min_score)
                  for i, place in enumerate(places)]
        found = merge_across_views(Candidates.concat([p for p, _ in parts]), np.concatenate([c for _, c in parts]))
        return found, seen_only_by_tiles(found, whole)

    def coast(self, frame_bgr: np.ndarray) -> bool:
        """Whether this frame may skip the detector (coasting.py): not a rescan, not a probe frame, no
        scene cut. A skipped frame still counts, so probes and the room's linger keep their pace."""
        upcoming = self._frames + 1
        if self._rescan or upcoming % PROBE_EVERY == 0:
            return False
        if self._scene_cut(self._whole_view(frame_bgr)[0], frame_bgr.shape):
            self._rescan = True
            return False
        self._frames = upcoming
        self.tiles_run = 0
        return True

    def _whole_view(self, frame_bgr: np.ndarray) -> tuple[np.ndarray, float, float, float, float]:
        """The whole frame letterboxed into one view (from a copy at most ``MAX_WHOLE_WIDTH`` wide), the
        copy's scale, and the square's side and origin in the copy's pixels."""
        small, scale = _fit_width(frame_bgr, MAX_WHOLE_WIDTH)
        height, width = small.shape[:2]
        size = self.model.spec.input_size
        matrix, side, x0, y0 = letterbox_matrix(width, height, size)
        view = cv2.warpAffine(small, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                              borderValue=0)
        return view, scale, side, x0, y0

    def _room(self, frame_bgr: np.ndarray, min_score: float) -> tuple[Candidates, np.ndarray]:
        with_whole = self._whole_found or self._frames % PROBE_EVERY == 0
        found, whole, run, total = self.tiler.detect_parts(frame_bgr, min_score, whole=with_whole,
                                                           empty_every=PROBE_EVERY)
        self.tiles_run, self.tiles_total = run, total
        if whole is None:
            return found, np.ones(len(found.scores), bool)
        self._whole_found = len(whole.scores) > 0
        return found, seen_only_by_tiles(found, whole)

    def _scene_cut(self, view: np.ndarray, shape: tuple[int, ...]) -> bool:
        grey = cv2.cvtColor(view, cv2.COLOR_BGR2GRAY)
        previous, self._last_view = self._last_view, (grey, shape)
        if previous is None or previous[1] != shape:
            return True
        return cv2.mean(cv2.absdiff(grey, previous[0]))[0] > SCENE_CUT  # exact |a − b| in uint8, one pass each

    def saw_room(self, room_face: bool) -> None:
        """After verification: whether a real face on this frame came from the tiles alone."""
        if room_face:
            self._last_room_face = self._frames
            if self.state != ROOM:
                self.state = ROOM
                self._whole_found = True
                self.tiler.reset()  # the first room frame runs every tile
        elif self.state == ROOM and self._frames - self._last_room_face > ROOM_LINGER:
            self.state = CLOSE_UP
            self._probe = 0


def _fit_width(frame_bgr: np.ndarray, max_width: int) -> tuple[np.ndarray, float]:
    """A copy at most ``max_width`` wide (fast area-averaged shrink) and its scale."""
    height, width = frame_bgr.shape[:2]
    if width <= max_width:
        return frame_bgr, 1.0
    scale = max_width / width
    return shrink(frame_bgr, max_width, max(1, round(height * scale))), scale
