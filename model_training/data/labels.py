"""AffectNet's eight classes and the mapping of label names (folder names, captured labels) onto them."""
from __future__ import annotations

import numpy as np

from desktop_app.core.errors import UserError
from desktop_app.core.expression.expression_names import SYNONYMS as NAME_SYNONYMS
from desktop_app.core.expression.expression_names import normalize
from desktop_app.core.samples.sample_records import AFFECTNET_LABELS

# The class order is the app's capture labels' (one list, in the Qt-free core); indices are class ids.
AFFECTNET_CLASSES = AFFECTNET_LABELS
NUM_CLASSES = len(AFFECTNET_CLASSES)
# The labels written into every exported spec, in output order.
SPEC_LABELS = tuple(name.lower() for name in AFFECTNET_CLASSES)

# every spelling the app's one name table knows → class index (its canonical names are SPEC_LABELS)
SYNONYMS = {spelling: SPEC_LABELS.index(name)
            for spelling, name in NAME_SYNONYMS.items()}


class DataError(UserError, ValueError):
    """Bad input from the user (a path, a label, a dataset); the message is shown as it is."""


def to_affectnet(probs: np.ndarray, columns: list[int]) -> np.ndarray:
    """A model's probabilities (N, its labels) → AffectNet's eight columns: output i adds to class
    ``columns[i]`` (from ``map_label``); a class the model lacks stays 0."""
    out = np.zeros((len(probs), NUM_CLASSES), np.float32)
    np.add.at(out, (slice(None), columns), probs)
    return out


def map_label(name: str) -> int:
    """A label name (any case, common synonyms) → AffectNet class index; DataError when unmappable."""
    key = normalize(name)
    if key in SYNONYMS:
        return SYNONYMS[key]
    raise DataError(f"label {name!r} does not map onto AffectNet's classes "
                    f"({', '.join(SPEC_LABELS)}; synonyms such as angry, surprised, happiness are accepted)")
