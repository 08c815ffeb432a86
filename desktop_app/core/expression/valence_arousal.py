"""Valence (unpleasant → pleasant) and arousal (calm → excited) as the window and the CLI say them, from a
model whose spec declares the ``valence_arousal`` output (``model_spec.EXTRA_OUTPUTS``); a model without
it (the bundled one) gives None everywhere and nothing is shown."""
from __future__ import annotations

from collections.abc import Sequence

# Below this size a value is called neither side: the middle of Russell's circumplex.
MIDDLE = 0.15


def describe_valence(value: float) -> str:
    return "neutral" if abs(value) < MIDDLE else ("pleasant" if value > 0 else "unpleasant")


def describe_arousal(value: float) -> str:
    return "moderate" if abs(value) < MIDDLE else ("excited" if value > 0 else "calm")


def valence_arousal_text(values: Sequence[float] | None) -> str:
    """``valence +0.42 (pleasant), arousal −0.10 (moderate)``; "" for a face without values."""
    if values is None:
        return ""
    valence, arousal = float(values[0]), float(values[1])
    return (f"valence {valence:+.2f} ({describe_valence(valence)}), "
            f"arousal {arousal:+.2f} ({describe_arousal(arousal)})").replace("-", "−")


def bars_title(base: str, values: Sequence[float] | None) -> str:
    """The selected face's bars title: ``Selected face: valence +0.42, arousal −0.10`` (``base`` alone
    for a face or model without values)."""
    if values is None:
        return base
    return f"{base}: valence {float(values[0]):+.2f}, arousal {float(values[1]):+.2f}".replace("-", "−")
