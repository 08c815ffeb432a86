"""Real face crops with known labels, for measuring the audit and for the notebook (no download).

``skimage.data.lfw_subset()`` ships 100 real faces from Labeled Faces in the Wild (25×25 gray). They
carry no expression labels, so the labels below were given by eye by the author of this module from
the faces enlarged to 120 px, keeping only clear cases: 20 with a plain smile (Happy) and 20 with a
closed, relaxed mouth (Neutral); the other 60 were left out as unclear. They are one person's
judgement, not ground truth, and they are small and blurry: an honest but modest test set.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

HAPPY_FACES = (1, 18, 19, 21, 31, 36, 37, 38, 52, 53, 69, 74, 75, 79, 81, 85, 91, 93, 94, 96)
NEUTRAL_FACES = (5, 6, 7, 9, 12, 17, 20, 26, 28, 40, 42, 55, 60, 62, 66, 72, 76, 80, 90, 92)
SIDE = 96


def lfw_face(index: int) -> np.ndarray:
    """Face ``index`` of skimage's LFW subset as a ``SIDE``-pixel BGR crop."""
    from skimage.data import lfw_subset

    gray = (lfw_subset()[index] * 255).round().astype(np.uint8)
    return cv2.cvtColor(cv2.resize(gray, (SIDE, SIDE), interpolation=cv2.INTER_CUBIC), cv2.COLOR_GRAY2BGR)


def write_flipped_faces(root: Path, flips_per_class: int = 4, duplicates: int = 1,
                        seed: int = 0) -> set[str]:
    """A plain-folder dataset ``root/<label>/lfw_NN.png`` of the 40 hand-labelled faces in which
    ``flips_per_class`` Happy faces are filed as Neutral and as many Neutral ones as Happy, plus
    ``duplicates`` re-encoded, brightened copies of correctly filed faces under the other label.
    Returns the paths whose label is wrong (the flips and the copies)."""
    rng = np.random.default_rng(seed)
    flipped = {int(i) for i in rng.choice(HAPPY_FACES, flips_per_class, replace=False)}
    flipped |= {int(i) for i in rng.choice(NEUTRAL_FACES, flips_per_class, replace=False)}
    wrong: set[str] = set()
    truth = {i: "happy" for i in HAPPY_FACES} | {i: "neutral" for i in NEUTRAL_FACES}
    other = {"happy": "neutral", "neutral": "happy"}
    for label in other:
        (root / label).mkdir(parents=True, exist_ok=True)
    for index, label in truth.items():
        filed = other[label] if index in flipped else label
        path = root / filed / f"lfw_{index:02d}.png"
        cv2.imwrite(str(path), lfw_face(index))
        if index in flipped:
            wrong.add(str(path))
    kept = [i for i in truth if i not in flipped]
    for index in rng.choice(kept, duplicates, replace=False):
        copy = cv2.convertScaleAbs(cv2.resize(lfw_face(int(index)), (112, 112)), alpha=1.1, beta=8)
        path = root / other[truth[int(index)]] / f"copy_of_lfw_{int(index):02d}.jpg"
        cv2.imwrite(str(path), copy, [cv2.IMWRITE_JPEG_QUALITY, 80])
        wrong.add(str(path))
    return wrong


def precision_at_k(ranked_paths: list[str], wrong: set[str], k: int | None = None) -> float:
    """Share of the first ``k`` (default: as many as are wrong) ranked paths that are wrong."""
    k = k or len(wrong)
    return sum(p in wrong for p in ranked_paths[:k]) / k


def write_split_faces(root: Path) -> tuple[Path, Path]:
    """The 40 hand-labelled faces, correctly filed, split alternately into ``root/train`` and
    ``root/val`` (10 Happy and 10 Neutral each)."""
    for split, start in (("train", 0), ("val", 1)):
        for label, faces in (("happy", HAPPY_FACES), ("neutral", NEUTRAL_FACES)):
            (root / split / label).mkdir(parents=True, exist_ok=True)
            for index in faces[start::2]:
                cv2.imwrite(str(root / split / label / f"lfw_{index:02d}.png"), lfw_face(index))
    return root / "train", root / "val"
