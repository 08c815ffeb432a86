"""``python -m desktop_app analyze``: run the pipeline headless over videos and images.

Prints a summary, optionally writes a CSV (one row per face per frame) and an annotated video.
``--compare M2.tflite`` runs a second model on the same faces: its label and probabilities join each
CSV row and the summary shows, per label of the first model, how often the second one agrees.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import sys
from collections import Counter
from pathlib import Path

from desktop_app.core.annotate import draw_results
from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, DETECTOR_KINDS, DETECTOR_LABELS
from desktop_app.core.errors import UserError
from desktop_app.core.expression.model_comparison import Agreement, agrees
from desktop_app.core.expression.model_spec import ModelSpecError
from desktop_app.core.media.frame_sources import (
    DEMO_FRAMES,
    FrameSource,
    SourceError,
    VideoFileSource,
    open_source,
    print_warnings,
)
from desktop_app.core.output_files import OutputError, check_outputs, commit, discard, temporary_name
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import STAGES, ExpressionPipeline, FrameResult
from desktop_app.core.stats import StageTimes


class AnalyzeError(UserError, RuntimeError):
    pass


def csv_header(labels: tuple[str, ...], compare_labels: tuple[str, ...] = (),
               valence_arousal: bool = False) -> list[str]:
    """The CSV's columns; ``valence`` and ``arousal`` (-1 to 1) when the model has them (its spec's
    ``extra_outputs``); with a second model, its label, whether it agrees (1/0) and its probabilities."""
    header = ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", "score", "label",
              *[f"p_{label}" for label in labels]]
    if valence_arousal:
        header += ["valence", "arousal"]
    if compare_labels:
        header += ["compare_label", "compare_agrees", *[f"compare_p_{label}" for label in compare_labels]]
    return header


def csv_rows(source: str, result: FrameResult) -> list[list]:
    rows = []
    for f in result.faces:
        row = [source, result.index, f"{result.time_s:.3f}", f.face_id, *(round(v) for v in f.box),
               f"{f.score:.3f}", f.label, *(f"{p:.4f}" for p in f.probabilities)]
        if f.valence_arousal is not None:
            row += [f"{v:.4f}" for v in f.valence_arousal]
        if result.comparing:
            row += [f.compare_label, int(agrees(f.label, f.compare_label)),
                    *(f"{p:.4f}" for p in f.compare_probabilities)]
        rows.append(row)
    return rows


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desktop_app analyze", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="video files, image files, folders of images, or 'demo'")
    p.add_argument("--csv", type=Path, help="write one row per face per frame here")
    p.add_argument("--annotated", type=Path, help="write the frames with boxes and labels (MJPG .avi)")
    p.add_argument("--detector", choices=DETECTOR_KINDS, default=DEFAULT_DETECTOR,
                   help="; ".join(f"{kind}: {label}" for kind, label in DETECTOR_LABELS.items()))
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="expression .tflite (its .json beside it)")
    p.add_argument("--compare", type=Path, metavar="M2.tflite",
                   help="a second expression model (its .json beside it) to run on the same faces")
    p.add_argument("--smoothing", type=float, default=0.5, help="per-face smoothing of probabilities, 0 = off")
    p.add_argument("--min-score", type=float, default=0.5, help="minimum face detection score")
    return p


def _check_inputs(specs: list[str]) -> None:
    """Only what costs nothing: each input exists. Each is opened when its turn comes (opening them
    all at the start held every decoder's memory and a file descriptor each until the end)."""
    for spec in specs:
        if spec != "demo" and not Path(spec).exists():
            raise SourceError(f"no such file or folder: {spec}")


def _open(spec: str) -> FrameSource:
    return open_source(spec, demo_frames=DEMO_FRAMES)


def check_min_score(value: float) -> None:
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise AnalyzeError(f"--min-score must be between 0 and 1, not {value}")


def analyze(args: argparse.Namespace, out=sys.stdout, err=None) -> int:  # noqa: C901 - split into typed options and library calls (issue 18 item 3)
    """Returns the exit code; raises SourceError/ModelSpecError/AnalyzeError/OutputError for the caller."""
    err = err or sys.stderr
    if not 0.0 <= args.smoothing < 1.0:
        raise AnalyzeError("--smoothing must be in [0, 1)")
    check_min_score(args.min_score)
    _check_inputs(args.inputs)
    check_outputs({"--csv": args.csv, "--annotated": args.annotated}, args.inputs)
    times = StageTimes()
    per_label: Counter[str] = Counter()
    frames = frames_with_face = 0
    writer = csv_file = video = None
    error: str | None = None
    temps: dict[Path, Path] = {}  # final name → temporary name, renamed once complete
    agreement: Agreement | None = None
    names = ("", "")  # the two models' names, for the agreement table
    try:
        with ExpressionPipeline(args.model, args.detector, args.min_score, args.smoothing) as pipeline:
            if args.compare is not None:  # a bad second model stops here, before any output is opened
                pipeline.set_comparison(args.compare)
                agreement = Agreement(pipeline.labels)
                names = (pipeline.spec.name, pipeline.comparison.spec.name)
            compare_labels = pipeline.comparison.labels if pipeline.comparison is not None else ()
            if args.csv:
                temps[args.csv] = temporary_name(args.csv)
                csv_file = open(temps[args.csv], "w", newline="", encoding="utf-8")
                writer = csv.writer(csv_file)
                writer.writerow(csv_header(pipeline.labels, compare_labels, pipeline.spec.has_valence_arousal))
            if args.annotated:
                temps[args.annotated] = temporary_name(args.annotated)
                video = AnnotatedWriter(temps[args.annotated], args.annotated)
            for spec in args.inputs:
                pipeline.tracker.reset()
                try:
                    with _open(spec) as source:
                        for frame in source:
                            result = pipeline.process(frame)
                            frames += 1
                            frames_with_face += bool(result.faces)
                            per_label.update(f.label for f in result.faces)
                            if agreement is not None:
                                for face in result.faces:
                                    agreement.add(face.label, face.compare_label)
                            times.add(result.timings_ms)
                            if writer:
                                writer.writerows(csv_rows(source.name, result))
                                csv_file.flush()
                            if video:
                                video.write(frame.image, result, source.fps)
                            print_warnings(source, err)
                        print_warnings(source, err)  # files skipped after the last good one
                        if isinstance(source, VideoFileSource) and source.truncated:
                            error = (f"{source.name}: video ended after {source.frames_read} of "
                                     f"{source.expected_frames} frames (truncated or corrupt); rows so far are kept")
                        elif getattr(source, "skipped", None) and len(source.skipped) == len(source.files):
                            error = f"{source.name}: none of its {len(source.files)} images could be read"
                except SourceError as exc:
                    error = str(exc)
                if error:
                    break
            if csv_file is not None:
                csv_file.close()  # raises on a full disk: then nothing is renamed
                csv_file = None
            if video is not None:
                video.finish()  # AnalyzeError when the frames did not all reach the disk
                video = None
            for final, temp in temps.items():
                commit(temp, final)
            temps.clear()
    except OSError as exc:  # reading goes through the sources (SourceError): this is an output
        names = " and ".join(str(p) for p in temps) or "the outputs"
        raise AnalyzeError(f"could not write {names}: {exc.strerror or exc}; nothing was written there "
                           f"(stopped after {frames} frames)") from None
    finally:
        for output in (csv_file, video):
            if output is not None:
                with contextlib.suppress(OSError):
                    output.close()
        for temp in temps.values():  # not complete: the final names keep whatever they held
            discard(temp)
    print(f"frames: {frames}", file=out)
    print(f"frames with a face: {frames_with_face}", file=out)
    print("faces per label: " + (", ".join(f"{k} {v}" for k, v in per_label.most_common()) or "none"), file=out)
    if agreement is not None:
        print(f"agreement of {names[1]} (--compare) with {names[0]}, per label of {names[0]}:", file=out)
        print(agreement.format(), file=out)
    print("per-stage time (ms):", file=out)
    print(times.format(STAGES), file=out)
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
    args = build_parser().parse_args(argv)
    try:
        return analyze(args)
    except (SourceError, ModelSpecError, AnalyzeError, OutputError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
