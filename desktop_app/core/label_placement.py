"""Where each face's label goes so that no two labels overlap: tried above the box, below it, then
inside it, on either side, preferring a spot that covers no other face's box; when no spot is free the
label is shortened ("#3 happy 87%", then "#3 happy", then "#3") and tried again; a face with no free
spot even then shows no label rather than cover another's. The selected face goes first, then larger
faces. Pure geometry, image units."""
from __future__ import annotations

from dataclasses import dataclass

Rect = tuple[float, float, float, float]  # x, y, w, h
HIDDEN = -1


@dataclass(frozen=True)
class Placement:
    variant: int  # index into that face's texts (0 = the full one); HIDDEN when there was no room
    x: float  # top-left of the label
    y: float


def label_texts(face_id: int, label: str, confidence: float) -> list[str]:
    """A face's label, then the shorter versions tried when the frame is crowded."""
    return [f"#{face_id} {label} {confidence:.0%}", f"#{face_id} {label}", f"#{face_id}"]


def comparison_label_texts(face_id: int, label: str, confidence: float, other_label: str,
                           other_confidence: float, other_name: str = "new") -> list[str]:
    """A face's label under two models ("#1 happy 87% | new: sad 60%"), then shorter versions; the
    comparison goes last, so a crowded frame still shows the id."""
    return [f"#{face_id} {label} {confidence:.0%} | {other_name}: {other_label} {other_confidence:.0%}",
            f"#{face_id} {label} | {other_name}: {other_label}", f"#{face_id} {label}", f"#{face_id}"]


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _candidates(box: Rect, w: float, h: float) -> list[tuple[float, float]]:
    x, y, bw, bh = box
    return [(x, y - h), (x + bw - w, y - h), (x, y + bh), (x + bw - w, y + bh), (x, y), (x + bw - w, y),
            (x, y + bh - h), (x + bw - w, y + bh - h)]


def _inside(rect: Rect, bounds: tuple[float, float]) -> bool:
    return rect[0] >= 0 and rect[1] >= 0 and rect[0] + rect[2] <= bounds[0] and rect[1] + rect[3] <= bounds[1]


def place_labels(boxes: list[Rect], sizes: list[list[tuple[float, float]]], bounds: tuple[float, float],
                 first: int | None = None) -> list[Placement]:
    """``sizes[i]`` lists (w, h) of face i's label texts, longest first; ``bounds`` is (width, height);
    ``first`` is the index of the face placed before all others (the selected one). One placement per
    box; no two placed labels overlap and each lies inside the bounds."""
    order = sorted(range(len(boxes)), key=lambda i: (i != first, -boxes[i][2] * boxes[i][3]))
    placed: list[Rect] = []
    result: dict[int, Placement] = {}
    for i in order:
        result[i] = Placement(HIDDEN, 0.0, 0.0)
        others = [b for j, b in enumerate(boxes) if j != i]
        for variant, (w, h) in enumerate(sizes[i]):
            free = [(x, y) for x, y in _candidates(boxes[i], w, h)
                    if _inside((x, y, w, h), bounds) and not any(overlaps((x, y, w, h), p) for p in placed)]
            clear = [spot for spot in free if not any(overlaps((*spot, w, h), b) for b in others)]
            spot = (clear or free or [None])[0]  # rather beside no other face's box, never on a label
            if spot is not None:
                result[i] = Placement(variant, *spot)
                placed.append((*spot, w, h))
                break
    return [result[i] for i in range(len(boxes))]
