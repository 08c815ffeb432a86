"""``python -m desktop_app analyze``: run the pipeline headless over videos and images.

Prints a summary, optionally writes a CSV (one row per face per frame) and an annotated video.
``--compare M2.tflite`` runs a second model on the same faces: its label and probabilities join each
CSV row and the summary shows, per label of the first model, how often the second one agrees.
"""
from __future__ import annotations

import contextlib
import csv
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from desktop_app.cli_args import Parser, add_detector, add_min_score, add_model, number_between
from desktop_app.core.annotate import draw_results
from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, DEFAULT_MIN_SCORE
from desktop_app.core.errors import UserError
from desktop_app.core.expression.model_comparison import Agreement, agrees
from desktop_app.core.media.frame_sources import (
    DEMO_FRAMES,
    Frame,
    FrameSource,
    SourceError,
    VideoFileSource,
    open_source,
    print_warnings,
)
from desktop_app.core.output_files import check_outputs, commit, discard, temporary_name
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import STAGES, ExpressionPipeline, FrameResult
from desktop_app.core.stats import StageTimes


class AnalyzeError(UserError, RuntimeError):
    pass


def csv_header(labels: tuple[str, ...], compare_labels: tuple[str, ...] = ()) -> list[str]:
    """The CSV's columns; with a second model, its label, whether it agrees (1/0) and its probabilities."""
    header = ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", "score", "label",
              *[f"p_{label}" for label in labels]]
    if compare_labels:
        header += ["compare_label", "compare_agrees", *[f"compare_p_{label}" for label in compare_labels]]
    return header


def csv_rows(source: str, result: FrameResult) -> list[list]:
    rows = []
    for f in result.faces:
        row = [source, result.index, f"{result.time_s:.3f}", f.face_id, *(round(v) for v in f.box),
               f"{f.score:.3f}", f.label, *(f"{p:.4f}" for p in f.probabilities)]
        if result.comparing:
            row += [f.compare_label, int(agrees(f.label, f.compare_label)),
                    *(f"{p:.4f}" for p in f.compare_probabilities)]
        rows.append(row)
    return rows


DEFAULT_SMOOTHING = 0.5  # per-face smoothing of the probabilities (an exponential moving average)


@dataclass(frozen=True)
class AnalyzeOptions:
    """What one ``analyze`` run does; ``parse_options`` builds it from a command line, already range-checked."""
    inputs: tuple[str, ...]
    csv: Path | None = None
    annotated: Path | None = None
    detector: str = DEFAULT_DETECTOR
    model: Path = DEFAULT_MODEL
    compare: Path | None = None
    smoothing: float = DEFAULT_SMOOTHING
    min_score: float = DEFAULT_MIN_SCORE


def build_parser() -> Parser:
    p = Parser(prog="python -m desktop_app analyze", description=__doc__)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="video files, image files, folders of images, or 'demo'")
    p.add_argument("--csv", type=Path, help="write one row per face per frame here")
    p.add_argument("--annotated", type=Path, help="write the frames with boxes and labels (MJPG .avi)")
    add_detector(p)
    add_model(p)
    p.add_argument("--compare", type=Path, metavar="M2.tflite",
                   help="a second expression model (its .json beside it) to run on the same faces")
    p.add_argument("--smoothing", type=number_between(0.0, 1.0, below_high=True), default=DEFAULT_SMOOTHING,
                   help="per-face smoothing of probabilities, 0 (off) to below 1")
    add_min_score(p)
    return p


def parse_options(argv: list[str] | None = None) -> AnalyzeOptions:
    """The command line as options; a bad flag or value is one ``error:`` line and SystemExit(2)."""
    args = build_parser().parse_args(argv)
    return AnalyzeOptions(**{**vars(args), "inputs": tuple(args.inputs)})


def _check_inputs(specs: tuple[str, ...]) -> None:
    """Only what costs nothing: each input exists. Each is opened when its turn comes (opening them
    all at the start held every decoder's memory and a file descriptor each until the end)."""
    for spec in specs:
        if spec != "demo" and not Path(spec).exists():
            raise SourceError(f"no such file or folder: {spec}")


def _open(spec: str) -> FrameSource:
    return open_source(spec, demo_frames=DEMO_FRAMES)


@dataclass
class Tally:
    """What the summary reports, added up frame by frame."""
    times: StageTimes = field(default_factory=StageTimes)
    per_label: Counter[str] = field(default_factory=Counter)
    frames: int = 0
    frames_with_face: int = 0
    agreement: Agreement | None = None  # with --compare: how often the second model agrees, per label
    names: tuple[str, str] = ("", "")  # the two models' names, for the agreement table

    def compare(self, pipeline: ExpressionPipeline) -> None:
        self.agreement = Agreement(pipeline.labels)
        self.names = (pipeline.spec.name, pipeline.comparison.spec.name)

    def add(self, result: FrameResult) -> None:
        self.frames += 1
        self.frames_with_face += bool(result.faces)
        self.per_label.update(f.label for f in result.faces)
        if self.agreement is not None:
            for face in result.faces:
                self.agreement.add(face.label, face.compare_label)
        self.times.add(result.timings_ms)

    def format(self) -> str:
        lines = [f"frames: {self.frames}", f"frames with a face: {self.frames_with_face}",
                 "faces per label: " + (", ".join(f"{k} {v}" for k, v in self.per_label.most_common()) or "none")]
        if self.agreement is not None:
            first, second = self.names
            lines += [f"agreement of {second} (--compare) with {first}, per label of {first}:",
                      self.agreement.format()]
        return "\n".join([*lines, "per-stage time (ms):", self.times.format(STAGES)])


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


def _ending_error(source: FrameSource) -> str | None:
    """The reason a source that ended without an exception still stops the run, if any."""
    if isinstance(source, VideoFileSource) and source.truncated:
        return (f"{source.name}: video ended after {source.frames_read} of "
                f"{source.expected_frames} frames (truncated or corrupt); rows so far are kept")
    if getattr(source, "skipped", None) and len(source.skipped) == len(source.files):
        return f"{source.name}: none of its {len(source.files)} images could be read"
    return None


def analyze_source(spec: str, pipeline: ExpressionPipeline, tally: Tally, outputs: Outputs,
                   err: TextIO) -> str | None:
    """Run one input through the pipeline; returns the error that stops the run (rows so far are kept)."""
    pipeline.tracker.reset()
    try:
        with _open(spec) as source:
            for frame in source:
                result = pipeline.process(frame)
                tally.add(result)
                outputs.write(source, frame, result)
                print_warnings(source, err)
            print_warnings(source, err)  # files skipped after the last good one
            return _ending_error(source)
    except SourceError as exc:
        return str(exc)


def analyze(options: AnalyzeOptions, out: TextIO = sys.stdout, err: TextIO | None = None) -> int:
    """Print the summary; returns 0 or raises a UserError (SourceError, ModelSpecError, AnalyzeError,
    OutputError) with the one line to show. The outputs are renamed into place only when complete."""
    err = err or sys.stderr
    _check_inputs(options.inputs)
    check_outputs({"--csv": options.csv, "--annotated": options.annotated}, options.inputs)
    tally, outputs, error = Tally(), Outputs(options.csv, options.annotated), None
    try:
        with ExpressionPipeline(options.model, options.detector, options.min_score, options.smoothing) as pipeline:
            if options.compare is not None:  # a bad second model stops here, before any output is opened
                pipeline.set_comparison(options.compare)
                tally.compare(pipeline)
            compare_labels = pipeline.comparison.labels if pipeline.comparison is not None else ()
            outputs.open(csv_header(pipeline.labels, compare_labels))
            for spec in options.inputs:
                error = analyze_source(spec, pipeline, tally, outputs, err)
                if error:
                    break
            outputs.commit()
    except OSError as exc:  # reading goes through the sources (SourceError): this is an output
        raise AnalyzeError(f"could not write {outputs.describe()}: {exc.strerror or exc}; nothing was written "
                           f"there (stopped after {tally.frames} frames)") from None
    finally:
        outputs.close()
    print(tally.format(), file=out)
    if error:
        raise AnalyzeError(error)
    return 0


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


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    try:
        return analyze(options)
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
