"""Group mode: small faces found by tiling, for a class seen from the front.

BlazeFace short range sees the frame at 128×128, so a 50 px face in a 1080p frame shrinks to 3 px and is
lost. Here the frame is scaled once so that a tile of ``TILE_PX`` frame pixels is one 128×128 view,
cut into overlapping tiles (the overlap is wider than a face, so each face lies whole in some tile),
plus the whole frame letterboxed for faces too large for a tile. All views go through the model in one
batched LiteRT invoke; detections are decoded per view, then merged across views.

Video: 40 tiles of a 1080p frame cost ~55 ms on a 2-core CPU, more than a frame's 33 ms. So each frame
runs the whole-frame view, one of ``ROUNDS`` interleaved subsets of the tiles, and every tile whose
content changed since the previous frame (someone moved); the other tiles keep their faces from their
last run (the classifier still reads every face from the current frame). A new image or a scene cut
changes every tile, so a still photo or a new scene is always scanned whole.
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from desktop_app.core.detection.blazeface_decoding import decode, weighted_nms
from desktop_app.core.detection.blazeface_model import BlazeFaceModel, Candidates, to_model_input
from desktop_app.core.detection.box_overlap import overlaps_xyxy

TILE_PX = 320  # frame pixels per tile: a 50 px face becomes 20 px of the 128 px view
OVERLAP = 0.25  # of a tile: 80 px at 1080p, more than a face of the classroom size
CROSS_VIEW_IOU = 0.3
CROSS_VIEW_COVER = 0.6  # a box mostly inside an accepted box is the same face seen cut by a tile edge
EDGE_PX = 2.0  # in view pixels: a box this close to an inner tile edge is cut by it
ROUNDS = 6  # video: each tile runs at least every ROUNDS-th frame (0.2 s at 30 fps), sooner when it changes
TILE_CHANGE = 6.0  # mean absolute grey difference (0–255, at 1/4 of the tile scale) that reruns a tile


def tile_origins(length: int, tile: int, overlap: float) -> list[int]:
    """Evenly spread tile starts covering ``length`` with at least ``overlap`` of a tile shared."""
    if length <= tile:
        return [0]
    count = math.ceil((length - tile) / (tile * (1.0 - overlap))) + 1
    return [round(i * (length - tile) / (count - 1)) for i in range(count)]


def shrink(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Area-averaged downscale, fast: exact halvings (OpenCV's quick path), then one bilinear step of less
    than 2× (a one-step INTER_AREA by 2.5× costs 7–15 ms on a 1080p frame, this ~1 ms)."""
    while image.shape[1] >= 2 * width and image.shape[0] >= 2 * height:
        image = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_AREA)
    if (image.shape[1], image.shape[0]) != (width, height):
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
    return image


def merge_across_views(found: Candidates, cut: np.ndarray) -> Candidates:
    """Greedy: whole faces before faces cut by a tile edge, then by score; a candidate is dropped when it
    overlaps an accepted face (IoU) or lies mostly inside one."""
    order = np.lexsort((-found.scores, cut))
    inter, areas, _ = overlaps_xyxy(found.boxes[order], found.boxes[order])
    iou = inter / np.maximum(areas[:, None] + areas[None, :] - inter, 1e-6)
    cover = inter / np.maximum(np.minimum(areas[:, None], areas[None, :]), 1e-6)
    same_face = (iou > CROSS_VIEW_IOU) | (cover > CROSS_VIEW_COVER)
    dropped = np.zeros(len(order), bool)
    kept = []
    for i in range(len(order)):
        if not dropped[i]:
            kept.append(i)
            dropped |= same_face[i]
    idx = order[np.array(kept, int)]
    return Candidates(found.boxes[idx], found.keypoints[idx], found.scores[idx])


def batch_of(views: list[np.ndarray], which) -> np.ndarray:
    """The views numbered ``which``, stacked into one (B, S, S, 3) batch."""
    return np.stack([views[v] for v in which])


class TiledDetector:
    """Tiles + whole frame through one short-range model, one invoke per frame."""

    def __init__(self, model: BlazeFaceModel, tile_px: int = TILE_PX, overlap: float = OVERLAP,
                 rounds: int = ROUNDS) -> None:
        self.model = model
        self.tile_px = tile_px
        self.overlap = overlap
        self.rounds = max(1, rounds)
        self.reset()

    def reset(self) -> None:
        """Forget the previous frame: the next one runs every tile."""
        self._thumbnail: np.ndarray | None = None
        self._cache: dict[int, tuple[Candidates, np.ndarray]] = {}  # tile number → its faces, cut flags
        self._round = 0
        self._ticks = 0

    def _changed_tiles(self, small_bgr: np.ndarray, cells: list[tuple[int, int]]) -> set[int] | None:
        """View numbers of the tiles (at ``cells``, their corners in ``small_bgr``) whose content changed
        since the last frame; None when there is no comparable last frame."""
        h, w = small_bgr.shape[:2]
        grey = cv2.cvtColor(cv2.resize(small_bgr, (w // 4, h // 4), interpolation=cv2.INTER_AREA),
                            cv2.COLOR_BGR2GRAY).astype(np.float32)
        previous, self._thumbnail = self._thumbnail, grey
        if previous is None or previous.shape != grey.shape:
            return None
        diff = np.abs(previous - grey)
        size = self.model.spec.input_size
        return {v for v, (tx, ty) in enumerate(cells, start=1)
                if diff[ty // 4:(ty + size) // 4, tx // 4:(tx + size) // 4].mean() > TILE_CHANGE}

    def views(self, frame_bgr: np.ndarray) -> tuple[list[np.ndarray], list[tuple[float, float, float, float]],
                                                    np.ndarray, list[tuple[int, int]]]:
        """uint8 BGR views (S, S, 3) and, per view, its (x0, y0, side, is_tile) in frame pixels: the
        whole frame first (letterboxed), then every tile; the scaled frame the tiles were cut from, and
        each tile's corner in it. The tiles are slices of that frame, not copies: only the views a frame
        runs are copied into the model's batch (``batch_of``), not all forty of a 1080p frame."""
        size = self.model.spec.input_size
        height, width = frame_bgr.shape[:2]
        small = self._scaled(frame_bgr)
        side = float(max(width, height))
        fit_w, fit_h = max(1, round(width * size / side)), max(1, round(height * size / side))
        whole = np.zeros((size, size, 3), np.uint8)
        ox, oy = (size - fit_w) // 2, (size - fit_h) // 2
        whole[oy:oy + fit_h, ox:ox + fit_w] = cv2.resize(small, (fit_w, fit_h), interpolation=cv2.INTER_AREA)
        tiles, places, padded, cells = self._cut(small, width, height)
        return [whole, *tiles], [(-ox * side / size, -oy * side / size, side, 0.0), *places], padded, cells

    def tile_views(self, frame_bgr: np.ndarray) -> tuple[list[np.ndarray], list[tuple[float, float, float, float]]]:
        """The tiles of ``views`` alone, without the whole view (auto's close-up probes make their own)."""
        height, width = frame_bgr.shape[:2]
        tiles, places, _, _ = self._cut(self._scaled(frame_bgr), width, height)
        return tiles, places

    def _scaled(self, frame_bgr: np.ndarray) -> np.ndarray:
        """The frame scaled so that a tile of ``tile_px`` frame pixels is one view; the frame itself when
        it fits in one tile (the whole view then already sees it at tile scale)."""
        height, width = frame_bgr.shape[:2]
        if max(width, height) <= self.tile_px:
            return frame_bgr
        factor = self.model.spec.input_size / self.tile_px
        return shrink(frame_bgr, max(1, round(width * factor)), max(1, round(height * factor)))

    def _cut(self, small: np.ndarray, width: int, height: int) -> tuple[
            list[np.ndarray], list[tuple[float, float, float, float]], np.ndarray, list[tuple[int, int]]]:
        """The tiles of the scaled frame (none for a frame that fits one tile), their places in frame
        pixels, the scaled frame padded to at least one tile, and each tile's corner in it."""
        if max(width, height) <= self.tile_px:
            return [], [], small, []
        size = self.model.spec.input_size
        sy, sx = small.shape[0] / height, small.shape[1] / width
        # A panorama thinner than one tile: pad below/right with black, as the letterbox does.
        small = cv2.copyMakeBorder(small, 0, max(0, size - small.shape[0]), 0, max(0, size - small.shape[1]),
                                   cv2.BORDER_CONSTANT, value=0)
        tiles, places, cells = [], [], []
        for ty in tile_origins(small.shape[0], size, self.overlap):
            for tx in tile_origins(small.shape[1], size, self.overlap):
                tiles.append(small[ty:ty + size, tx:tx + size])
                places.append((tx / sx, ty / sy, size / sx, 1.0))
                cells.append((tx, ty))
        return tiles, places, small, cells

    def detect(self, frame_bgr: np.ndarray, min_score: float) -> Candidates:
        return self.detect_parts(frame_bgr, min_score)[0]

    def detect_parts(self, frame_bgr: np.ndarray, min_score: float, whole: bool = True,
                     empty_every: int = 1) -> tuple[Candidates, Candidates | None, int, int]:
        """The merged faces, the whole view's own faces, and how many of how many tiles ran.
        ``whole=False`` skips the whole view unless every view runs or half the tiles changed (its
        faces are then None);
        ``empty_every``: a tile that found nothing last time takes its turn only on every
        ``empty_every``-th frame (it still runs whenever its content changes)."""
        views, places, small, cells = self.views(frame_bgr)
        tiles = len(views) - 1
        changed = self._changed_tiles(small, cells)
        if changed is None or len(self._cache) != tiles or self.rounds == 1:
            self._cache.clear()
            run = list(range(len(views)))  # everything: a new source or frame size
        else:
            self._round = (self._round + 1) % self.rounds
            self._ticks += 1
            turn = {1 + t for t in range(self._round, tiles, self.rounds)}
            if self._ticks % empty_every:
                turn = {v for v in turn if len(self._cache[v][0].scores)}
            whole = whole or 2 * len(changed) >= tiles  # half the tiles changed: a new scene, maybe a close face
            run = sorted({0, *changed, *turn} - ({0} if not whole else set()))
        height, width = frame_bgr.shape[:2]
        fresh = {}
        if run:  # nothing at all when the whole view and every tile may skip this frame
            regressors, logits = self.model.run(to_model_input(batch_of(views, run)))
            fresh = {v: self.decode_view(regressors[i], logits[i], places[v], width, height, min_score)
                     for i, v in enumerate(run)}
        for v, found in fresh.items():
            if v > 0:
                self._cache[v] = found
        parts = ([fresh[0]] if 0 in fresh else []) + [self._cache[v] for v in range(1, tiles + 1)]
        found = Candidates.concat([p for p, _ in parts])
        merged = merge_across_views(found, np.concatenate([c for _, c in parts]) if parts else np.zeros(0, bool))
        return merged, fresh[0][0] if 0 in fresh else None, len(run) - (0 in fresh), tiles

    def decode_view(self, regressors: np.ndarray, logits: np.ndarray, place: tuple[float, float, float, float],
                width: int, height: int, min_score: float) -> tuple[Candidates, np.ndarray]:
        """One view's faces in frame pixels, and which of them a tile edge cuts."""
        size = self.model.spec.input_size
        x0, y0, side, is_tile = place
        boxes, keypoints, scores = weighted_nms(*decode(regressors, logits, self.model.anchors, size, min_score))
        cut = np.zeros(len(scores), bool)
        if len(scores):
            if is_tile:
                edge = EDGE_PX / size
                inner_left, inner_top = x0 > 0.5, y0 > 0.5
                inner_right, inner_bottom = x0 + side < width - 0.5, y0 + side < height - 0.5
                cut = ((inner_left & (boxes[:, 0] < edge)) | (inner_top & (boxes[:, 1] < edge))
                       | (inner_right & (boxes[:, 2] > 1 - edge)) | (inner_bottom & (boxes[:, 3] > 1 - edge)))
        offset = np.array([x0, y0], np.float32)
        return Candidates((boxes.reshape(-1, 2, 2) * side + offset).reshape(-1, 4), keypoints * side + offset,
                          scores), cut
