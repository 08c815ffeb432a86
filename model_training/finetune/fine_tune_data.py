"""The crops a fine-tune trains and is judged on, decided before TensorFlow loads.

Framing: the app's captured samples (and AffectNet-style folders) are crops at ``STORED_MARGIN`` (0.25),
but the bundled base was trained at 0.15. ``crop_face`` centres the square on the face box with side
``box · (1 + 2·margin)``, so the 0.15 crop is exactly the central ``1.3 / 1.5`` of the 0.25 one: the
stored crops are cut down to the base's margin once (cached in ``RUN_DIR/face_crops``) and the
fine-tuned model keeps the base's margin in its spec, which is what it saw. A base with a wider margin
than the stored crops cannot be re-framed from them; those crops are used as they are and the run's
spec records the stored margin instead. ``:crop`` sources (whole photos) are cropped at the base's
margin directly.

Held-out crops: ``--val-split F`` keeps a stratified fraction of every class (seeded, in a stable order)
for validation and the before/after report when no ``--val`` is given: whole sources (clips, sessions) of
a label that has more than one, a random share of its crops otherwise (``held_out_sources``).
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from desktop_app.core.samples.sample_records import CROP_MARGIN as STORED_MARGIN
from model_training.data.datasets import Example, Source
from model_training.data.image_reading import decode_image
from model_training.data.labels import AFFECTNET_CLASSES, DataError
from model_training.data.run_files import sweep_partials, write_png
from model_training.finetune.held_out_sources import source_split
from model_training.train.run_plan import Prepared, prepare_examples

CACHE = "face_crops"
MIN_CLASSES = 2


def framing(base_margin: float) -> tuple[float, float]:
    """(central fraction of a stored crop to keep, the margin the model then sees)."""
    if base_margin >= STORED_MARGIN:
        return 1.0, STORED_MARGIN
    return (1 + 2 * base_margin) / (1 + 2 * STORED_MARGIN), base_margin


def recrop(examples: list[Example], fraction: float, cache: Path, skipped: Counter) -> list[Example]:
    """Each crop's central ``fraction`` as ``cache/<hash>.png``; files that cannot be decoded or are too
    small to crop are counted in ``skipped`` and left out."""
    cache.mkdir(parents=True, exist_ok=True)
    sweep_partials(cache)  # crops a killed run was writing
    out = []
    for e in examples:
        key = hashlib.sha1(f"{Path(e.path).resolve()}:{fraction:.6f}".encode()).hexdigest()[:20]
        target = cache / f"recrop_{key}.png"
        if not target.is_file():
            image, reason = decode_image(e.path)
            if image is None:
                skipped[reason] += 1
                continue
            h, w = image.shape[:2]
            side = int(round(min(h, w) * fraction))
            if side < 8:
                skipped["too small to crop"] += 1
                continue
            y, x = (h - side) // 2, (w - side) // 2
            write_png(target, image[y:y + side, x:x + side])  # whole or not at all
        out.append(replace(e, path=str(target)))  # label, weight and group kept
    return out


def stratified_split(examples: list[Example], fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(train, held out): ``round(n·fraction)`` of each class's n examples, at least one when n ≥ 2,
    never all of them; chosen by a generator seeded with ``seed``, so a run can be rebuilt exactly."""
    rng = np.random.default_rng(seed)
    train: list[Example] = []
    held: list[Example] = []
    for label in sorted({e.label for e in examples}):
        members = sorted((e for e in examples if e.label == label), key=lambda e: e.path)
        n = len(members)
        k = min(n - 1, max(1 if n >= 2 else 0, round(n * fraction)))
        chosen = set(rng.permutation(n)[:k].tolist())
        for i, e in enumerate(members):
            (held if i in chosen else train).append(e)
    return train, held


def fine_tune_examples(train_specs: list[str], val_specs: list[str], val_split: float | None,
                       base_margin: float, run_dir: Path, seed: int,
                       exclusions: bool = True) -> tuple[Prepared, Prepared, float]:
    """(training crops, held-out crops, margin the model sees), framed for the base. DataError when there
    is nothing to learn from: no usable image, one class only, or no held-out crop of some class."""
    fraction, margin = framing(base_margin)
    cache = Path(run_dir) / CACHE

    def prepared(specs: list[str], flag: str) -> Prepared:
        whole = [s for s in specs if Source.parse(s).crop]
        crops = [s for s in specs if not Source.parse(s).crop]
        out = Prepared([], Counter(), [])
        for group, cut in ((crops, fraction), (whole, 1.0)):
            if not group:
                continue
            try:
                found = prepare_examples(group, cache, margin, exclusions)
            except DataError as exc:
                raise DataError(f"{flag}: {exc}") from None
            examples = recrop(found.examples, cut, cache, found.skipped) if cut < 1.0 else found.examples
            out.examples.extend(examples)
            out.skipped.update(found.skipped)
            out.unreadable.extend(found.unreadable)
        if not out.examples:
            reasons = "; ".join(f"{k}: {v}" for k, v in sorted(out.skipped.items()))
            raise DataError(f"no image in {', '.join(specs)} could be cropped" + (f" ({reasons})" if reasons else ""))
        return out

    train = prepared(train_specs, "--train")
    check_classes(train.examples, ", ".join(train_specs))
    if val_specs:
        val = prepared(val_specs, "--val")
    elif val_split:  # whole clips held out where a label has several (held_out_sources)
        kept, held = source_split(train.examples, val_split, seed, stratified_split)
        val = Prepared(held, Counter(), [])
        train = Prepared(kept, train.skipped, train.unreadable)
    else:
        raise DataError("give --val DATA or --val-split FRACTION for the held-out crops")
    return train, val, margin


def check_classes(examples: list[Example], where: str) -> None:
    counts = Counter(e.label for e in examples)
    if len(counts) < MIN_CLASSES:
        have = ", ".join(f"{AFFECTNET_CLASSES[k]} {n}" for k, n in sorted(counts.items()))
        raise DataError(f"--train {where}: only one label has samples ({have}); fine-tuning needs at least "
                        f"{MIN_CLASSES} labels")
    thin = [AFFECTNET_CLASSES[k] for k, n in sorted(counts.items()) if n < 2]
    if thin:
        raise DataError(f"--train {where}: {', '.join(thin)} has a single sample; each label needs at least "
                        "2 (one to train on, one to check)")


def describe_split(train: Prepared, val: Prepared) -> str:
    def per_class(examples):
        counts = Counter(e.label for e in examples)
        return ", ".join(f"{AFFECTNET_CLASSES[k]} {n}" for k, n in sorted(counts.items()))
    return f"fine-tune on {len(train.examples)} crops ({per_class(train.examples)}), held out " \
           f"{len(val.examples)} ({per_class(val.examples)})"
