"""One colour per expression, everywhere (bars, graph, legend, room chart, face boxes): the Okabe–Ito
palette, chosen to stay distinguishable for the common colour-vision deficiencies. Keyed by the expression
a label names (core.expression_names), so 'happy' is the same orange under every model and 'angry' the
same vermillion as 'anger'; a label no rule names takes the next free colour.
Okabe–Ito's black is replaced by grey, which still reads on the window's black backgrounds."""
from __future__ import annotations

from desktop_app.core.expression.expression_names import canonical_expression

OKABE_ITO = {
    "grey": (153, 153, 153), "orange": (230, 159, 0), "sky blue": (86, 180, 233),
    "bluish green": (0, 158, 115), "yellow": (240, 228, 66), "blue": (0, 114, 178),
    "vermillion": (213, 94, 0), "reddish purple": (204, 121, 167),
}
EXPRESSION_COLORS = {  # canonical expression (see expression_names) → palette name
    "neutral": "grey", "happy": "orange", "sad": "blue", "surprise": "sky blue", "fear": "reddish purple",
    "disgust": "bluish green", "anger": "vermillion", "contempt": "yellow",
}
_ORDER = list(OKABE_ITO.values())


def expression_colors(labels: tuple[str, ...] | list[str]) -> list[tuple[int, int, int]]:
    """RGB per label, in the labels' order; distinct as long as there are at most eight labels."""
    named = [EXPRESSION_COLORS.get(canonical_expression(label) or "") for label in labels]
    free = [rgb for name, rgb in OKABE_ITO.items() if name not in named]
    colors = []
    for i, name in enumerate(named):
        if name is not None:
            colors.append(OKABE_ITO[name])
        else:
            colors.append(free.pop(0) if free else _ORDER[i % len(_ORDER)])
    return colors
