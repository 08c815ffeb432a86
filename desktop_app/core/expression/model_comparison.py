"""A second expression model on the same faces: the one place that knows how (its own crop, its own
labels, agreement by expression name). The live pipeline, ``analyze --compare`` and the inspector all
call it, so "model 2 says sad" means the same thing in each.

Each model is read with its own spec: the second one gets a crop made to its own margin and eye
alignment, and its labels are matched to the first model's through ``expression_names`` ("angry" and
"anger" agree)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from desktop_app.core.detection.face_crop import crop_face
from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.expression_names import same_expression
from desktop_app.core.expression.model_spec import ModelSpec, ModelSpecError


class Located(Protocol):
    """A detected face: a detector's Detection or a pipeline's FaceResult."""
    box: tuple[float, float, float, float]
    keypoints: np.ndarray


def load_comparison(model_path: Path | str) -> ExpressionClassifier:
    """The second model, loaded and checked against its spec; ModelSpecError (naming it as the model
    to compare with) when missing, without a spec, or not a loadable model."""
    try:
        return ExpressionClassifier(model_path)
    except ModelSpecError as exc:
        raise ModelSpecError(f"model to compare with: {exc}") from None


def same_crop(a: ModelSpec, b: ModelSpec) -> bool:
    """Whether two specs ask for the same face crop (then one model's crops serve the other)."""
    return (a.input_width, a.crop_margin, a.align_eyes) == (b.input_width, b.crop_margin, b.align_eyes)


def face_crop_for(spec: ModelSpec, image: np.ndarray, face: Located) -> np.ndarray:
    """One face cropped the way ``spec``'s model was trained to see it."""
    return crop_face(image, face.box, face.keypoints, spec.input_width, spec.crop_margin, spec.align_eyes)


def comparison_crops(spec: ModelSpec, image: np.ndarray, faces: Sequence[Located],
                     first_spec: ModelSpec | None = None,
                     first_crops: Sequence[np.ndarray] | None = None) -> list[np.ndarray]:
    """The crops the second model needs; the first model's crops are reused when the specs crop alike."""
    if first_spec is not None and first_crops is not None and same_crop(spec, first_spec):
        return list(first_crops)
    return [face_crop_for(spec, image, face) for face in faces]


def classify_faces(classifier: ExpressionClassifier, image: np.ndarray, faces: Sequence[Located],
                   first_spec: ModelSpec | None = None,
                   first_crops: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """The second model's probabilities (N, its labels) for ``faces`` of ``image``, each face cropped
    to its own spec."""
    return classifier.classify(comparison_crops(classifier.spec, image, faces, first_spec, first_crops))


def agrees(first_label: str, second_label: str | None) -> bool:
    """Two models agree on a face when their labels name the same expression."""
    return second_label is not None and same_expression(first_label, second_label)


@dataclass(frozen=True)
class AgreementRow:
    label: str  # the first model's label
    faces: int  # faces the first model gave this label
    agreed: int  # of those, how many the second model named the same expression

    @property
    def share(self) -> float | None:
        return self.agreed / self.faces if self.faces else None


class Agreement:
    """Counts, per label of the first model, the faces and how many the second model agrees on."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        self.faces: Counter[str] = Counter()
        self.agreed: Counter[str] = Counter()

    def add(self, first_label: str, second_label: str | None) -> bool:
        self.faces[first_label] += 1
        agreed = agrees(first_label, second_label)
        self.agreed[first_label] += agreed
        return agreed

    def rows(self) -> list[AgreementRow]:
        return [AgreementRow(label, self.faces[label], self.agreed[label]) for label in self.labels]

    def total(self) -> AgreementRow:
        return AgreementRow("all", sum(self.faces.values()), sum(self.agreed.values()))

    def format(self) -> str:
        """A plain-text table: one line per label of the first model, then the total."""
        width = max(len(label) for label in (*self.labels, "label", "all"))
        lines = [f"  {'label':<{width}}  faces  agreed  share"]
        for row in (*self.rows(), self.total()):
            share = "-" if row.share is None else f"{row.share:.0%}"
            lines.append(f"  {row.label:<{width}}  {row.faces:>5}  {row.agreed:>6}  {share:>5}")
        return "\n".join(lines)
