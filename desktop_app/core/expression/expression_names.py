"""One table of expression names: the many spellings models and folders use ("angry", "anger",
"happiness", "surprised") → one canonical name per expression. The colours, the training kit's label
mapping and the comparison of two models all read it, so two models agree on a face exactly when their
labels name the same expression here."""
from __future__ import annotations

# canonical name → every spelling accepted for it (the canonical name included), AffectNet's order
EXPRESSIONS: dict[str, tuple[str, ...]] = {
    "neutral": ("neutral", "calm", "none"),
    "happy": ("happy", "happiness", "joy", "smile", "smiling"),
    "sad": ("sad", "sadness", "unhappy"),
    "surprise": ("surprise", "surprised"),
    "fear": ("fear", "afraid", "scared", "fearful"),
    "disgust": ("disgust", "disgusted"),
    "anger": ("anger", "angry", "mad"),
    "contempt": ("contempt", "contemptuous"),
}
SYNONYMS: dict[str, str] = {spelling: name for name, spellings in EXPRESSIONS.items() for spelling in spellings}


def normalize(label: str) -> str:
    """How a label is looked up: case, surrounding blanks, hyphens and spaces do not matter."""
    return label.strip().casefold().replace("-", "_").replace(" ", "_")


def canonical_expression(label: str) -> str | None:
    """The expression ``label`` names ("Angry" → "anger"), or None when the table does not know it."""
    return SYNONYMS.get(normalize(label))


def same_expression(a: str, b: str) -> bool:
    """Whether two labels (from two models) name the same expression; unknown labels match only
    themselves, spelt the same way."""
    ca, cb = canonical_expression(a), canonical_expression(b)
    if ca is None or cb is None:
        return normalize(a) == normalize(b)
    return ca == cb


def aligned_order(reference: tuple[str, ...], labels: tuple[str, ...]) -> list[int]:
    """Indices into ``labels``: first the label naming each of ``reference``'s expressions, in its order,
    then the rest in their own order. Two models' bars shown side by side then read row by row."""
    order: list[int] = []
    for ref in reference:
        match = next((i for i, label in enumerate(labels) if i not in order and same_expression(ref, label)), None)
        if match is not None:
            order.append(match)
    return order + [i for i in range(len(labels)) if i not in order]
