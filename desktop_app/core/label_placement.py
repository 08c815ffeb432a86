"""Where each face's label goes so that no two labels overlap: tried above the box, below it, then
inside its top edge, on either side; when none of those is free the label is shortened ("#3 happy 87%",
then "#3 happy", then "#3") and tried again. Larger faces are placed first. Pure geometry, image units."""
from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[float, float, float, float]  # x, y, w, h


@dataclass(frozen=True)
class Placement:
    variant: int  # index into that face's texts (0 = the full one)
    x: float  # top-left of the label
    y: float


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _candidates(box: Rect, w: float, h: float) -> list[tuple[float, float]]:
    x, y, bw, bh = box
    return [(x, y - h), (x + bw - w, y - h), (x, y + bh), (x + bw - w, y + bh), (x, y), (x + bw - w, y)]


def _inside(rect: Rect, bounds: tuple[float, float]) -> bool:
    return rect[0] >= 0 and rect[1] >= 0 and rect[0] + rect[2] <= bounds[0] and rect[1] + rect[3] <= bounds[1]


def _clamp(x: float, y: float, w: float, h: float, bounds: tuple[float, float]) -> tuple[float, float]:
    return min(max(x, 0.0), max(bounds[0] - w, 0.0)), min(max(y, 0.0), max(bounds[1] - h, 0.0))


def place_labels(boxes: list[Rect], sizes: list[list[tuple[float, float]]],
                 bounds: tuple[float, float]) -> list[Placement]:
    """``sizes[i]`` lists (w, h) of face i's label texts, longest first; ``bounds`` is (width, height).
    Returns one placement per box. Labels never overlap one another while any variant of any candidate
    position is free; if even the shortest fits nowhere, it goes where it covers the fewest labels."""
    order = sorted(range(len(boxes)), key=lambda i: -boxes[i][2] * boxes[i][3])
    placed: list[Rect] = []
    result: dict[int, Placement] = {}
    for i in order:
        choice = None
        for variant, (w, h) in enumerate(sizes[i]):
            for x, y in _candidates(boxes[i], w, h):
                rect = (x, y, w, h)
                if _inside(rect, bounds) and not any(overlaps(rect, p) for p in placed):
                    choice = Placement(variant, x, y)
                    break
            if choice is not None:
                break
        if choice is None:  # crowded beyond help: the shortest text where it hides the fewest labels
            variant = len(sizes[i]) - 1
            w, h = sizes[i][variant]
            spots = [_clamp(x, y, w, h, bounds) for x, y in _candidates(boxes[i], w, h)]
            x, y = min(spots, key=lambda s: sum(overlaps((*s, w, h), p) for p in placed))
            choice = Placement(variant, x, y)
        w, h = sizes[i][choice.variant]
        placed.append((choice.x, choice.y, w, h))
        result[i] = choice
    return [result[i] for i in range(len(boxes))]
