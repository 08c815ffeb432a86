"""Where a fine-tune's held-out faces come from, so its before/after numbers mean what they seem to.

Neighbouring frames of one clip are near-copies: a model scored on frames of the clip it trained on is
scored on its training faces, and "1.00 → 1.00" says nothing about new faces. A captured sample records its
source (the clip or camera it was captured from; ``Example.group``). ``source_split`` holds out whole
sources of a label whenever the label has more than one, and falls back to a random split of its faces
otherwise; ``independence`` says which happened, in the words the report and the window's Done line use.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from model_training.data.datasets import Example
from model_training.data.labels import AFFECTNET_CLASSES

OTHER, SAME, UNKNOWN = "other sources", "same source", "unknown"
MEANING = {
    OTHER: "the held-out faces come from other clips or sessions than the training faces of their label",
    SAME: "the held-out faces come from the same clip as the training faces (neighbouring frames, near-copies "
          "of what it trained on), so these numbers say little about new faces: capture another clip or "
          "session of each label to measure that",
    UNKNOWN: "where the faces came from is not recorded, so the held-out faces may be neighbouring frames of "
             "the training faces and these numbers may say little about new faces",
}


def _split_sources(members: list[Example], fraction: float, rng: np.random.Generator) -> set[str] | None:
    """Sources of one label to hold out: whole sources, about ``fraction`` of its faces, never all of
    them; None when the label has fewer than two known sources."""
    by_source: dict[str, int] = defaultdict(int)
    for e in members:
        if e.group is None:
            return None
        by_source[e.group] += 1
    if len(by_source) < 2:
        return None
    order = [sorted(by_source)[i] for i in rng.permutation(len(by_source))]
    held: set[str] = set()
    target = max(1, round(len(members) * fraction))
    for source in order[:-1]:  # the last one always trains
        if sum(by_source[s] for s in held) >= target:
            break
        held.add(source)
    return held


def source_split(examples: list[Example], fraction: float, seed: int,
                 fallback) -> tuple[list[Example], list[Example]]:
    """(train, held out): per label, whole sources when it has two or more known ones; otherwise that
    label's faces go through ``fallback(members, fraction, seed)`` (the stratified random split)."""
    rng = np.random.default_rng(seed)
    labels = sorted({e.label for e in examples})
    members_of = {label: sorted((e for e in examples if e.label == label), key=lambda e: e.path) for label in labels}
    held_sources = {label: _split_sources(members_of[label], fraction, rng) for label in labels}
    if all(sources is None for sources in held_sources.values()):
        return fallback(examples, fraction, seed)  # no label has two sources: the plain split, as before
    train: list[Example] = []
    held: list[Example] = []
    for label in labels:
        members, sources = members_of[label], held_sources[label]
        if sources is None:
            kept, out = fallback(members, fraction, seed)
        else:
            kept = [e for e in members if e.group not in sources]
            out = [e for e in members if e.group in sources]
        train += kept
        held += out
    return train, held


def independence(train: list[Example], held: list[Example]) -> tuple[str, list[str]]:
    """(OTHER, SAME or UNKNOWN, the labels that make it so): SAME when some label's held-out faces share
    a source with its training faces, UNKNOWN when a face's source is not recorded."""
    sources: dict[int, set] = defaultdict(set)
    for e in train:
        sources[e.label].add(e.group)
    same, unknown = set(), set()
    for e in held:
        if e.group is None or None in sources[e.label]:
            unknown.add(e.label)
        elif e.group in sources[e.label]:
            same.add(e.label)
    if same:
        return SAME, [AFFECTNET_CLASSES[k] for k in sorted(same)]
    if unknown:
        return UNKNOWN, [AFFECTNET_CLASSES[k] for k in sorted(unknown)]
    return OTHER, []


def describe(verdict: str, labels: list[str]) -> str:
    """The sentence for the report: what the verdict means, naming the labels it applies to."""
    which = f" ({', '.join(labels)})" if labels else ""
    return MEANING[verdict].replace("the held-out faces", f"the held-out faces{which}", 1)
