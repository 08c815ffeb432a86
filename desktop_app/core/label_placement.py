"""Where each face's label goes, so that a room can read whose label is whose (issue 19).

The rules, for the window, presentation mode and ``analyze --annotated`` alike:

- no two labels overlap; a gap of ``LABEL_GAP`` label heights keeps two labels from reading as one;
- a label touches its own face's box (above it, below it, beside it, or on it) and covers no other face's
  box, and every other face's box is ``OWNER_MARGIN`` label heights farther: the nearest face is its owner;
- a face with no such spot gets a shorter label ("#3 happy 87%", then "#3 happy", then "happy"); with no
  spot even for that, none: its box keeps its expression's colour and a note ("+12 faces unlabelled")
  says how many: in the caller's spare band outside the picture, else on the picture's edge where it
  covers no face (shortened until it does not), the labels placed around it;
- the selected face is placed first, then larger faces.

Pure geometry in image units; the callers measure their own text (Qt's font or OpenCV's).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Rect = tuple[float, float, float, float]  # x, y, w, h
HIDDEN = -1
LABEL_GAP = 0.2  # the least space between two labels, in label heights
OWNER_MARGIN = 0.2  # every other face is at least this many label heights farther from a label than its own
CANDIDATES = 10  # spots tried per text (see _candidates)
NOTE_STEPS = 9  # places along an edge tried for the note, corners included


@dataclass(frozen=True)
class Placement:
    variant: int  # index into that face's texts (0 = the full one); HIDDEN when there was no room
    x: float  # top-left of the label
    y: float


@dataclass(frozen=True)
class LabelLayout:
    placements: list[Placement]  # one per face, in the faces' order
    note: str | None  # "+N faces unlabelled" when some face has no label, else None
    note_rect: Rect | None

    @property
    def unlabelled(self) -> int:
        return sum(p.variant == HIDDEN for p in self.placements)


def label_texts(face_id: int, label: str, confidence: float) -> list[str]:
    """A face's label, then the shorter versions tried when the frame is crowded."""
    return [f"#{face_id} {label} {confidence:.0%}", f"#{face_id} {label}", label]


def comparison_label_texts(face_id: int, label: str, confidence: float, other_label: str,
                           other_confidence: float, other_name: str = "new") -> list[str]:
    """A face's label under two models ("#1 happy 87% | new: sad 60%"), then shorter versions; the
    comparison is dropped first, so a crowded frame still shows the expression."""
    return [f"#{face_id} {label} {confidence:.0%} | {other_name}: {other_label} {other_confidence:.0%}",
            f"#{face_id} {label} | {other_name}: {other_label}", f"#{face_id} {label}", label]


def note_texts(unlabelled: int) -> list[str]:
    """The note for faces left without a label (their boxes still show the expression's colour)."""
    return [f"+{unlabelled} faces unlabelled: box colour = expression", f"+{unlabelled} faces unlabelled",
            f"+{unlabelled}"]


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def rect_gap(a: Rect, b: Rect) -> float:
    """The distance between two rectangles' nearest points (0 when they touch or overlap)."""
    dx = max(0.0, b[0] - (a[0] + a[2]), a[0] - (b[0] + b[2]))
    dy = max(0.0, b[1] - (a[1] + a[3]), a[1] - (b[1] + b[3]))
    return float(np.hypot(dx, dy))


def _gaps(rects: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Distances between each of ``rects`` (n, 4) and each of ``others`` (m, 4): (n, m)."""
    r, o = rects[:, None, :], others[None, :, :]
    dx = np.maximum(0.0, np.maximum(o[..., 0] - (r[..., 0] + r[..., 2]), r[..., 0] - (o[..., 0] + o[..., 2])))
    dy = np.maximum(0.0, np.maximum(o[..., 1] - (r[..., 1] + r[..., 3]), r[..., 1] - (o[..., 1] + o[..., 3])))
    return np.hypot(dx, dy)


def _intersects(rects: np.ndarray, others: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Whether each of ``rects`` comes closer than ``margin`` to any of ``others`` (overlap when 0)."""
    if len(others) == 0:
        return np.zeros(len(rects), bool)
    r, o = rects[:, None, :], others[None, :, :]
    hit = ((r[..., 0] < o[..., 0] + o[..., 2] + margin) & (o[..., 0] < r[..., 0] + r[..., 2] + margin)
           & (r[..., 1] < o[..., 1] + o[..., 3] + margin) & (o[..., 1] < r[..., 1] + r[..., 3] + margin))
    return hit.any(axis=1)


def _candidates(boxes: np.ndarray, sizes: np.ndarray, width: float) -> np.ndarray:
    """Spots touching each box (n, 4) for each of its label sizes (n, v, 2), best first within a size: above
    and below (centred, then flush left and right), beside it, then on it; spots above or below that would
    pass the left or right edge slide in, still touching the box. Returns (n, v * CANDIDATES, 4)."""
    x, y, bw, bh = (boxes[:, None, k:k + 1] for k in range(4))  # (n, 1, 1): broadcast over sizes and spots
    w, h = sizes[..., :1], sizes[..., 1:]  # (n, v, 1)
    cx, cy, one = x + bw / 2, y + bh / 2, np.ones_like(w)
    xs = np.clip(np.concatenate([cx - w / 2, x * one, x + bw - w], axis=2), 0.0, np.maximum(0.0, width - w))
    sx = np.concatenate([xs, xs, (x + bw) * one, x - w, cx - w / 2, cx - w / 2], axis=2)
    sy = np.concatenate([np.repeat(y - h, 3, axis=2), np.repeat((y + bh) * one, 3, axis=2), cy - h / 2,
                         cy - h / 2, y * one, y + bh - h], axis=2)
    spots = np.stack([sx, sy, np.broadcast_to(w, sx.shape), np.broadcast_to(h, sx.shape)], axis=-1)
    return spots.reshape(len(boxes), -1, 4)


def _allowed(boxes: np.ndarray, candidates: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Which candidates (n, k, 4) obey the rules that do not depend on other labels: inside the bounds, and
    every other face clearly farther than its own (every candidate touches its own face, gap 0). (n, k)"""
    x, y, w, h = np.moveaxis(candidates, -1, 0)
    ok = (x >= 0) & (y >= 0) & (x + w <= bounds[0]) & (y + h <= bounds[1])
    if len(boxes) > 1:
        gaps = _gaps(candidates.reshape(-1, 4), boxes).reshape(len(boxes), -1, len(boxes))
        gaps[np.arange(len(boxes)), :, np.arange(len(boxes))] = np.inf  # its own face does not count
        ok &= gaps.min(axis=2) > OWNER_MARGIN * h
    return ok


def place_labels(boxes: Sequence[Rect], sizes: Sequence[Sequence[tuple[float, float]]], bounds: tuple[float, float],
                 first: int | None = None, reserved: Sequence[Rect] = ()) -> list[Placement]:
    """``sizes[i]`` lists (w, h) of face i's label texts, longest first; ``bounds`` is (width, height);
    ``first`` is the index of the face placed before all others (the selected one); ``reserved`` are
    rectangles no label may cover (the note). One placement per box, by the module's rules."""
    if not boxes:
        return []
    box_array = np.asarray(boxes, float).reshape(-1, 4)
    order = sorted(range(len(boxes)), key=lambda i: (i != first, -boxes[i][2] * boxes[i][3]))
    placed = np.zeros((len(reserved) + len(boxes), 4))
    placed[:len(reserved)] = np.asarray(reserved, float).reshape(-1, 4)
    count = len(reserved)
    result = [Placement(HIDDEN, 0.0, 0.0)] * len(boxes)
    # a face with fewer texts repeats its shortest: the copy's spots come after the same spots of the
    # original, so the copy is never the first that fits
    variants = max(len(v) for v in sizes)
    size_array = np.array([list(v) + [v[-1]] * (variants - len(v)) for v in sizes], float)
    candidates = _candidates(box_array, size_array, bounds[0])
    allowed = _allowed(box_array, candidates, bounds)
    for i in order:
        index = np.flatnonzero(allowed[i])
        if len(index) and count:  # and keeps clear of every label placed so far
            spots = candidates[i, index]
            index = index[~_intersects(spots, placed[:count], LABEL_GAP * spots[:, 3:])]
        if len(index):
            best = int(index[0])
            result[i] = Placement(best // CANDIDATES, float(candidates[i, best, 0]), float(candidates[i, best, 1]))
            placed[count] = candidates[i, best]
            count += 1
    return result


def _note_spot(size: tuple[float, float], boxes: np.ndarray, bounds: tuple[float, float]) -> tuple[Rect, float]:
    """A place on the picture's edge for the note, and the face area it covers: the corners first (top
    left, top right, bottom left, bottom right), then along the top and bottom edges; the first that covers
    no face, else the one that covers the least."""
    w, h = size
    right, bottom = max(0.0, bounds[0] - w), max(0.0, bounds[1] - h)
    xs = np.linspace(0.0, right, NOTE_STEPS)[1:-1]
    spots = np.array([(0, 0), (right, 0), (0, bottom), (right, bottom)] + [(x, 0) for x in xs]
                     + [(x, bottom) for x in xs], float)
    if len(boxes) == 0:
        return (0.0, 0.0, w, h), 0.0
    ix = np.clip(np.minimum(spots[:, None, 0] + w, boxes[None, :, 0] + boxes[None, :, 2])
                 - np.maximum(spots[:, None, 0], boxes[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(spots[:, None, 1] + h, boxes[None, :, 1] + boxes[None, :, 3])
                 - np.maximum(spots[:, None, 1], boxes[None, :, 1]), 0, None)
    covered = (ix * iy).sum(axis=1)
    best = int(np.argmin(covered))  # argmin: the first of the least
    return (float(spots[best, 0]), float(spots[best, 1]), w, h), float(covered[best])


def _label_rect(place: Placement, sizes: Sequence[tuple[float, float]]) -> Rect:
    return (place.x, place.y, *sizes[place.variant])


def layout_labels(boxes: Sequence[Rect], texts: Sequence[Sequence[str]], measure: Callable[[str], tuple[float, float]],
                  bounds: tuple[float, float], first: int | None = None,
                  spare: Rect | None = None) -> LabelLayout:
    """Every face's label and, when some face has none, the note, by the module's rules. ``measure``
    gives a text's (w, h) in image units, as the caller draws it (Qt or OpenCV). ``spare`` is room for the
    note outside the frame (the black band of a letterboxed view), used when the note fits it."""
    sizes = [[measure(t) for t in variants] for variants in texts]
    placements = place_labels(boxes, sizes, bounds, first)
    hidden = sum(p.variant == HIDDEN for p in placements)
    if not hidden:
        return LabelLayout(placements, None, None)
    notes = note_texts(len(boxes))  # sized for every face unlabelled: the count can only grow below
    if spare is not None:
        fits = [i for i, t in enumerate(notes) if measure(t)[0] <= spare[2] and measure(t)[1] <= spare[3]]
        if fits:
            return LabelLayout(placements, note_texts(hidden)[fits[0]], (spare[0], spare[1], *measure(notes[fits[0]])))
    box_array = np.asarray(boxes, float).reshape(-1, 4)
    spots = [_note_spot(measure(text), box_array, bounds) for text in notes]
    # the longest that fits the width and covers no face, else the shortest
    variant = next((i for i, (rect, covered) in enumerate(spots) if covered == 0 and rect[2] <= bounds[0]),
                   len(notes) - 1)
    rect = spots[variant][0]
    margin = LABEL_GAP * rect[3]
    if any(overlaps(_label_rect(p, sizes[i]), (rect[0] - margin, rect[1] - margin, rect[2] + 2 * margin,
                                               rect[3] + 2 * margin))
           for i, p in enumerate(placements) if p.variant != HIDDEN):
        placements = place_labels(boxes, sizes, bounds, first, reserved=[rect])  # around the note
    return LabelLayout(placements, note_texts(sum(p.variant == HIDDEN for p in placements))[variant], rect)
