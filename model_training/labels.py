"""AffectNet's eight classes and the mapping of label names (folder names, captured labels) onto them."""
from __future__ import annotations

from desktop_app.core.sample_records import AFFECTNET_LABELS

# The class order is the app's capture labels' (one list, in the Qt-free core); indices are class ids.
AFFECTNET_CLASSES = AFFECTNET_LABELS
NUM_CLASSES = len(AFFECTNET_CLASSES)
# The labels written into every exported spec, in output order.
SPEC_LABELS = tuple(name.lower() for name in AFFECTNET_CLASSES)

SYNONYMS = {
    "neutral": 0, "calm": 0, "none": 0,
    "happy": 1, "happiness": 1, "joy": 1, "smile": 1, "smiling": 1,
    "sad": 2, "sadness": 2, "unhappy": 2,
    "surprise": 3, "surprised": 3,
    "fear": 4, "afraid": 4, "scared": 4, "fearful": 4,
    "disgust": 5, "disgusted": 5,
    "anger": 6, "angry": 6, "mad": 6,
    "contempt": 7, "contemptuous": 7,
}


class DataError(ValueError):
    """Bad input from the user (a path, a label, a dataset); the message is shown as it is."""


def map_label(name: str) -> int:
    """A label name (any case, common synonyms) → AffectNet class index; DataError when unmappable."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in SYNONYMS:
        return SYNONYMS[key]
    raise DataError(f"label {name!r} does not map onto AffectNet's classes "
                    f"({', '.join(SPEC_LABELS)}; synonyms such as angry, surprised, happiness are accepted)")
