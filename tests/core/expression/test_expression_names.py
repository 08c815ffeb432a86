"""One table of expression names: the colours, the training kit and model comparison read it alike."""
from __future__ import annotations

from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.core.expression.expression_names import (
    EXPRESSIONS,
    aligned_order,
    canonical_expression,
    same_expression,
)
from model_training.data.labels import SPEC_LABELS, map_label


def test_every_spelling_maps_to_its_expression_everywhere():
    assert tuple(EXPRESSIONS) == SPEC_LABELS  # the canonical names are the exported specs' labels
    for name, spellings in EXPRESSIONS.items():
        for spelling in spellings:
            for written in (spelling, spelling.upper(), f" {spelling.title()} "):
                assert canonical_expression(written) == name
                assert map_label(written) == SPEC_LABELS.index(name)
            assert expression_colors([spelling]) == expression_colors([name])


def test_same_expression_across_label_sets():
    assert same_expression("angry", "Anger") and same_expression("happiness", "happy")
    assert not same_expression("happy", "sad") and not same_expression("contempt", "disgust")
    assert same_expression("bored", "Bored") and not same_expression("bored", "neutral")  # unknown: itself only
    assert canonical_expression("bored") is None


def test_a_second_models_labels_line_up_with_the_first_ones():
    fer = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    affectnet = ("neutral", "happy", "sad", "surprise", "fear", "disgust", "anger", "contempt")
    order = aligned_order(fer, affectnet)
    assert [affectnet[i] for i in order] == ["anger", "disgust", "fear", "happy", "sad", "surprise", "neutral",
                                              "contempt"]
    assert sorted(order) == list(range(len(affectnet)))
    assert aligned_order(affectnet, fer) == [6, 3, 4, 5, 2, 1, 0]
    assert aligned_order(("smile", "odd"), ("other", "happy")) == [1, 0]
