"""What the window is showing now, without Qt: the source, the model, the latest frame and result, the
selected face. The window, its panels and the inspector all read this one object instead of each
other's attributes, and tests can drive it without widgets.

Results carry the tracker epoch they were made in (a source switch starts a new one, face ids restart
at 1), so a result still in flight from the previous source is ignored instead of selecting a face
whose id means someone else in the new source.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from desktop_app.core.pipeline import FaceResult, FrameResult


@dataclass(frozen=True)
class ModelInfo:
    """The model in use: where it was loaded from and what its spec calls it."""

    path: str
    name: str
    labels: tuple[str, ...]


class Session:
    def __init__(self, source_spec: str = "demo") -> None:
        self.source_spec = source_spec
        self.model: ModelInfo | None = None
        self.comparison: ModelInfo | None = None  # a second model run beside ``model`` (fine-tuning's result)
        self.frame: np.ndarray | None = None
        self.result: FrameResult | None = None
        self.selected_id: int | None = None
        self.epoch = 0  # bumped per source switch; results from an older epoch are stale

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels if self.model is not None else ()

    @property
    def is_live(self) -> bool:
        """A camera (an index) rather than a file, a folder or the demo."""
        return self.source_spec.isdigit()

    def switch_source(self, spec: str) -> int:
        """A new source: forget the frame, result and selection; returns the new tracker epoch."""
        self.source_spec = spec
        self.frame = self.result = None
        self.selected_id = None
        self.epoch += 1
        return self.epoch

    def set_model(self, path: str, name: str, labels: tuple[str, ...]) -> None:
        self.model = ModelInfo(str(path), name, tuple(labels))

    def set_comparison(self, path: str | None, name: str = "", labels: tuple[str, ...] = ()) -> None:
        self.comparison = ModelInfo(str(path), name, tuple(labels)) if path else None

    def end_comparison(self) -> bool:
        """The comparison ended: the result shown (a paused frame) becomes the kept model's view of it, so
        it matches what is loaded now. Returns whether the result changed."""
        self.comparison = None
        if self.result is None or not self.result.comparing:
            return False
        self.result = single_model_result(self.result, keep_new=self.model is not None
                                          and self.model.path == self.result.compare_model_path)
        return True

    def take_result(self, frame: np.ndarray, result: FrameResult) -> bool | None:
        """Keep the newest result. Returns None for a stale one (dropped), otherwise whether the
        selection changed: when the selected face is gone, the largest face in view is selected."""
        if result.tracks_epoch < self.epoch:
            return None
        self.frame, self.result = frame, result
        ids = [f.face_id for f in result.faces]
        if result.faces and self.selected_id not in ids:
            self.selected_id = largest_face(result.faces).face_id
            return True
        return False

    def select(self, face_id: int) -> bool:
        """Returns whether the selection changed."""
        changed = face_id != self.selected_id
        self.selected_id = face_id
        return changed

    def selected_face(self) -> FaceResult | None:
        if self.result is None:
            return None
        return next((f for f in self.result.faces if f.face_id == self.selected_id), None)

    def current_labels_match(self) -> bool:
        """The result was made by the model the window shows (a switch may be in flight)."""
        return self.result is not None and self.result.labels == self.labels

    def room_shares(self) -> np.ndarray:
        """Share of each label among the faces in view."""
        shares = np.zeros(len(self.labels))
        if self.current_labels_match() and self.result.faces:
            for face in self.result.faces:
                shares[self.labels.index(face.label)] += 1
            shares /= len(self.result.faces)
        return shares


RECENT_SOURCES = 8  # files the Source menu and box offer again


def remember_recent(recent: list[str], spec: str, limit: int = RECENT_SOURCES) -> list[str]:
    """``recent`` with the file or folder ``spec`` first (once); the demo and cameras are not files to remember."""
    if spec == "demo" or spec.isdigit():
        return list(recent)[:limit]
    return [spec, *(r for r in recent if r != spec)][:limit]


def single_model_result(result: FrameResult, keep_new: bool) -> FrameResult:
    """``result`` as one model made it: the comparison model's (``keep_new``) or the first model's."""
    if not keep_new:
        faces = [replace(f, compare_probabilities=None, compare_label=None) for f in result.faces]
        return replace(result, faces=faces, compare_labels=(), compare_model_path="", compare_model_name="")
    faces = [replace(f, probabilities=f.compare_probabilities, raw_probabilities=f.compare_probabilities,
                     label=f.compare_label, crop=None, compare_probabilities=None, compare_label=None)
             for f in result.faces]  # crop None: it was made to the first model's spec
    return replace(result, faces=faces, labels=result.compare_labels, model_path=result.compare_model_path,
                   model_name=result.compare_model_name, compare_labels=(), compare_model_path="",
                   compare_model_name="")


def largest_face(faces: list[FaceResult]) -> FaceResult:
    return max(faces, key=lambda f: f.box[2] * f.box[3])


class MediaClock:
    """The rolling graph's time axis. Files and the demo follow media time (pausing keeps the history,
    stepping draws no ramp across the pause); a loop back to the start keeps time running forward.
    Cameras report wall time already, so the same rule holds for them."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._last: float | None = None

    def reset(self) -> None:
        self._offset, self._last = 0.0, None

    def time_of(self, media_time: float, period: float = 1 / 30) -> float:
        t = media_time + self._offset
        if self._last is not None and t < self._last:  # looped (or rewound): continue after the last point
            self._offset += self._last - t + period
            t = media_time + self._offset
        self._last = t
        return t
