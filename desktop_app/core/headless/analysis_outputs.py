"""What ``analyze`` writes besides its summary: the CSV (one row per face per frame) and the annotated
video, each under a temporary name beside its final one, renamed into place only once complete."""
from __future__ import annotations

import contextlib
import csv
from pathlib import Path
from typing import TextIO

from desktop_app.core.annotate import draw_results
from desktop_app.core.errors import UserError
from desktop_app.core.expression.model_comparison import agrees
from desktop_app.core.media.frame_sources import Frame, FrameSource
from desktop_app.core.output_files import commit, discard, temporary_name
from desktop_app.core.pipeline import FrameResult


class AnalyzeError(UserError, RuntimeError):
    pass


def csv_header(labels: tuple[str, ...], compare_labels: tuple[str, ...] = (),
               valence_arousal: bool = False) -> list[str]:
    """The CSV's columns: ``detected`` 0 for a box predicted between two detections (coasting.py),
    ``classified`` 0 for probabilities carried from the face's last classification (a class is classified
    in turns); ``valence`` and ``arousal`` (-1 to 1) when the model has them (its spec's
    ``extra_outputs``); with a second model, its label, whether it agrees (1/0) and its probabilities."""
    header = ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", "score", "detected", "classified",
              "label", *[f"p_{label}" for label in labels]]
    if valence_arousal:
        header += ["valence", "arousal"]
    if compare_labels:
        header += ["compare_label", "compare_agrees", *[f"compare_p_{label}" for label in compare_labels]]
    return header


def csv_rows(source: str, result: FrameResult) -> list[list]:
    rows = []
    for f in result.faces:
        row = [source, result.index, f"{result.time_s:.3f}", f.face_id, *(round(v) for v in f.box),
               f"{f.score:.3f}", int(not f.predicted), int(f.classified), f.label,
               *(f"{p:.4f}" for p in f.probabilities)]
        if f.valence_arousal is not None:
            row += [f"{v:.4f}" for v in f.valence_arousal]
        if result.comparing:
            row += [f.compare_label, int(agrees(f.label, f.compare_label)),
                    *(f"{p:.4f}" for p in f.compare_probabilities)]
        rows.append(row)
    return rows


class Outputs:
    """The CSV and the annotated video, each written under a temporary name beside its final one and
    renamed into place by ``commit`` once complete; ``close`` without it leaves the final names as they were."""

    def __init__(self, csv_path: Path | None, annotated: Path | None) -> None:
        self.temps = {path: temporary_name(path) for path in (csv_path, annotated) if path is not None}
        self.csv_path, self.annotated = csv_path, annotated
        self._csv_file: TextIO | None = None
        self._writer = None
        self._video: AnnotatedWriter | None = None

    def open(self, header: list[str]) -> None:
        if self.csv_path is not None:
            self._csv_file = open(self.temps[self.csv_path], "w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._csv_file)
            self._writer.writerow(header)
        if self.annotated is not None:
            self._video = AnnotatedWriter(self.temps[self.annotated], self.annotated)

    def write(self, source: FrameSource, frame: Frame, result: FrameResult) -> None:
        if self._writer is not None:
            self._writer.writerows(csv_rows(source.name, result))
            self._csv_file.flush()
        if self._video is not None:
            self._video.write(frame.image, result, source.fps)

    def commit(self) -> None:
        """Finish both files, then rename them into place; OSError or AnalyzeError if either is incomplete."""
        if self._csv_file is not None:
            self._csv_file.close()  # raises on a full disk: then nothing is renamed
            self._csv_file = None
        if self._video is not None:
            self._video.finish()  # AnalyzeError when the frames did not all reach the disk
            self._video = None
        for final, temp in self.temps.items():
            commit(temp, final)
        self.temps.clear()

    def describe(self) -> str:
        return " and ".join(str(p) for p in self.temps) or "the outputs"

    def close(self) -> None:
        for output in (self._csv_file, self._video):
            if output is not None:
                with contextlib.suppress(OSError):
                    output.close()
        for temp in self.temps.values():  # not complete: the final names keep whatever they held
            discard(temp)


class AnnotatedWriter:
    """MJPG .avi of annotated frames; the first frame sets the size and frame rate, later ones are
    scaled to it. OpenCV's writer reports no write errors, so ``finish`` reads the file back."""

    def __init__(self, path: Path, shown_as: Path | None = None) -> None:
        self.path, self.shown_as = path, shown_as or path
        self._video = None
        self._size: tuple[int, int] | None = None
        self.written = 0

    def write(self, image, result: FrameResult, fps: float) -> None:
        import cv2

        if self._video is None:
            self._size = (image.shape[1], image.shape[0])
            self._video = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"MJPG"), fps, self._size)
            if not self._video.isOpened():
                raise AnalyzeError(f"cannot write video: {self.shown_as}")
        canvas = image.copy()
        draw_results(canvas, result)
        if (canvas.shape[1], canvas.shape[0]) != self._size:
            canvas = cv2.resize(canvas, self._size)
        self._video.write(canvas)
        self.written += 1

    def close(self) -> None:
        if self._video is not None:
            self._video.release()
            self._video = None

    def finish(self) -> None:
        """Close, then count the frames that decode back; fewer than written (a full disk) is an error."""
        import cv2

        self.close()
        if not self.written:
            return
        readable = 0
        capture = cv2.VideoCapture(str(self.path))
        try:
            while readable < self.written and capture.isOpened() and capture.grab():
                readable += 1
        finally:
            capture.release()
        if readable < self.written:
            raise AnalyzeError(f"could not write the annotated video {self.shown_as}: only {readable} of "
                               f"{self.written} frames are readable (disk full?); nothing was written there")
