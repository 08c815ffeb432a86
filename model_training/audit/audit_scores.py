"""How suspect each label is: three kinds of evidence, each a score in [0, 1], combined by noisy-OR.

- **model**: the classifier disagrees. Probabilities are first calibrated per class as confident
  learning does (Northcutt et al. 2021): each class's probability is divided by its mean over the images
  labelled with it, so a model that is shy of one class (the bundled FER model rarely says "neutral")
  does not make every image of that class look wrong; a dataset of one class is scored uncalibrated.
  Score ``0.5·(1 − q_label) + 0.5·max(0, q_best_other − q_label)`` on the renormalised ``q``. Classes
  the model lacks (FER has no contempt) give no model evidence for their images.
- **geometry**: the face contradicts the label (the seed's "a happy image whose mouth is a frown").
  Features are robust z-scores over the dataset's own faces (median and MAD), so the rules need no
  absolute thresholds; a face the landmark model does not find is reported too.
- **duplicate**: a near-identical image carries another label; one of the two is wrong.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from desktop_app.core.detection.face_geometry import EXPRESSION_FEATURES
from desktop_app.core.detection.face_landmarks import PRESENCE_THRESHOLD
from model_training.data.labels import AFFECTNET_CLASSES, NUM_CLASSES

NEUTRAL, HAPPY, SAD, SURPRISE, FEAR, DISGUST, ANGER, CONTEMPT = range(NUM_CLASSES)
WEIGHTS = {"model": 1.0, "geometry": 0.6, "duplicate": 0.7}
MIN_FACES_FOR_GEOMETRY = 20  # robust z-scores need a few faces to mean anything
_F = {name: i for i, name in enumerate(EXPRESSION_FEATURES)}


@dataclass
class Evidence:
    """One kind of evidence for N images: score, suggested class (-1: none) and a reason per image."""
    score: np.ndarray
    suggested: np.ndarray
    reasons: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, n: int) -> Evidence:
        return cls(np.zeros(n, np.float32), np.full(n, -1, np.int64), [""] * n)


def model_evidence(probs: np.ndarray, labels: np.ndarray, covered: np.ndarray) -> Evidence:
    """``probs`` (N, 8) over AffectNet classes, ``covered`` (8,) bool: the classes the model can say."""
    n = len(labels)
    ev = Evidence.empty(n)
    present = np.zeros(NUM_CLASSES, bool)
    present[np.unique(labels)] = True
    usable = present & covered
    mean_p = np.array([probs[labels == c, c].mean() if usable[c] else 0.0 for c in range(NUM_CLASSES)])
    usable &= mean_p > 0
    if usable.sum() >= 2:
        q = np.where(usable, probs / np.where(usable, mean_p, 1.0), 0.0)
    else:  # one class (a captured "happy" session): nothing to calibrate against, any class may be suggested
        usable = covered.copy()
        q = np.where(covered, probs, 0.0)
    q /= np.maximum(q.sum(1, keepdims=True), 1e-12)
    rows = np.arange(n)
    q_label = q[rows, labels]
    others = q.copy()
    others[rows, labels] = -1.0
    best = others.argmax(1)
    q_best = others[rows, best]
    score = 0.5 * (1.0 - q_label) + 0.5 * np.clip(q_best - q_label, 0.0, None)
    ok = usable[labels]
    ev.score = np.where(ok, score, 0.0).astype(np.float32)
    ev.suggested = np.where(ok & (q_best > q_label), best, -1)
    for i in np.flatnonzero(ok & (q_best > q_label)):
        ev.reasons[i] = (f"{AFFECTNET_CLASSES[best[i]]} {probs[i, best[i]]:.2f} over "
                         f"{AFFECTNET_CLASSES[labels[i]]} {probs[i, labels[i]]:.2f}")
    for i in np.flatnonzero(~covered[labels]):
        ev.reasons[i] = f"model has no {AFFECTNET_CLASSES[labels[i]]}"
    return ev


def robust_z(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(x − median) / (1.4826·MAD) per column, the statistics taken over the rows in ``mask``."""
    ref = values[mask]
    median = np.nanmedian(ref, axis=0)
    mad = np.nanmedian(np.abs(ref - median), axis=0) * 1.4826
    return (values - median) / np.where(mad > 1e-9, mad, 1.0)


def _ramp(x: np.ndarray, start: float, full: float) -> np.ndarray:
    """0 at ``start``, 1 at ``full`` (either direction), linear between."""
    return np.clip((x - start) / (full - start), 0.0, 1.0)


def geometry_evidence(features: np.ndarray, presence: np.ndarray, labels: np.ndarray) -> Evidence:
    """``features`` (N, len(EXPRESSION_FEATURES)), NaN rows where landmarks were not computed."""
    n = len(labels)
    ev = Evidence.empty(n)
    measured = ~np.isnan(features).any(1)
    face = measured & (presence >= PRESENCE_THRESHOLD)
    for i in np.flatnonzero(measured & ~face):
        ev.score[i] = 0.5
        ev.reasons[i] = f"landmark model finds no face (presence {presence[i]:.2f})"
    if face.sum() < MIN_FACES_FOR_GEOMETRY:
        return ev
    z = robust_z(features, face)
    smile = (z[:, _F["mouth_corner_lift"]] + z[:, _F["mouth_width"]]) / 2.0
    mouth_open = z[:, _F["mouth_open"]]
    eyes_open = (z[:, _F["eye_open_right"]] + z[:, _F["eye_open_left"]]) / 2.0
    brows_up = (z[:, _F["brow_raise_right"]] + z[:, _F["brow_raise_left"]]) / 2.0
    rules = [  # (applies to, strength, suggested, reason)
        (labels == HAPPY, _ramp(-smile, 1.0, 2.5), NEUTRAL, "mouth does not smile (smile z {:.1f})", smile),
        (np.isin(labels, (NEUTRAL, SAD, FEAR, DISGUST, ANGER)), _ramp(smile, 1.5, 3.0), HAPPY,
         "mouth corners up and wide (smile z {:.1f})", smile),
        (labels == SURPRISE, _ramp(-(mouth_open + eyes_open + brows_up) / 3.0, 0.5, 1.5), NEUTRAL,
         "mouth closed, eyes and brows not raised (z {:.1f})", (mouth_open + eyes_open + brows_up) / 3.0),
        (labels == NEUTRAL, _ramp(mouth_open, 2.0, 4.0), SURPRISE, "mouth open (z {:.1f})", mouth_open),
    ]
    for applies, strength, suggest, text, value in rules:
        hit = applies & face & (strength > ev.score)
        ev.score[hit] = strength[hit]
        ev.suggested[hit] = suggest
        for i in np.flatnonzero(hit):
            ev.reasons[i] = text.format(value[i])
    return ev


def duplicate_evidence(pairs: list[tuple[int, int, int]], labels: np.ndarray, names: list[str]) -> Evidence:
    """Pairs (i, j, bits) of near-duplicate images: those whose labels differ are both suspect. The
    reason names the closest such duplicate and counts the others."""
    ev = Evidence.empty(len(labels))
    closest: dict[int, tuple[int, int]] = {}
    count: dict[int, int] = {}
    for i, j, bits in pairs:
        if labels[i] == labels[j]:
            continue
        for a, b in ((i, j), (j, i)):
            count[a] = count.get(a, 0) + 1
            if a not in closest or bits < closest[a][1]:
                closest[a] = (b, bits)
    for a, (b, bits) in closest.items():
        ev.score[a] = 1.0
        ev.suggested[a] = labels[b]
        more = f" and {count[a] - 1} more" if count[a] > 1 else ""
        ev.reasons[a] = f"near-duplicate of {names[b]} labelled {AFFECTNET_CLASSES[labels[b]]} ({bits} bits){more}"
    return ev


def combine(evidence: dict[str, Evidence]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Noisy-OR of the weighted scores; the suggestion comes from the strongest evidence offering one."""
    kinds = list(evidence)
    weighted = np.stack([WEIGHTS[k] * evidence[k].score for k in kinds])
    score = 1.0 - np.prod(1.0 - weighted, axis=0)
    offers = np.stack([np.where(evidence[k].suggested >= 0, weighted[i], -1.0) for i, k in enumerate(kinds)])
    pick = offers.argmax(0)
    n = weighted.shape[1]
    suggested = np.array([evidence[kinds[pick[i]]].suggested[i] for i in range(n)])
    reasons = ["; ".join(f"{k}: {evidence[k].reasons[i]}" for k in kinds if evidence[k].reasons[i])
               for i in range(n)]
    return score.astype(np.float32), suggested, reasons
