"""``python -m desktop_app analyze``: run the pipeline headless over videos and images.

Prints a summary, optionally writes a CSV (one row per face per frame) and an annotated video.
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from pathlib import Path

from .core.annotate import draw_results
from .core.frame_sources import FrameSource, ImageSource, SourceError, VideoFileSource, open_source
from .core.model_spec import ModelSpecError
from .core.paths import DEFAULT_MODEL
from .core.pipeline import STAGES, ExpressionPipeline, FrameResult
from .core.stats import StageTimes

DEMO_FRAMES = 150


class AnalyzeError(RuntimeError):
    pass


def csv_header(labels: tuple[str, ...]) -> list[str]:
    return ["source", "frame", "time_s", "face_id", "x", "y", "w", "h", "score", "label",
            *[f"p_{label}" for label in labels]]


def csv_rows(source: str, result: FrameResult) -> list[list]:
    return [[source, result.index, f"{result.time_s:.3f}", f.face_id, *(round(v) for v in f.box),
             f"{f.score:.3f}", f.label, *(f"{p:.4f}" for p in f.probabilities)] for f in result.faces]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desktop_app analyze", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="video files, image files, folders of images, or 'demo'")
    p.add_argument("--csv", type=Path, help="write one row per face per frame here")
    p.add_argument("--annotated", type=Path, help="write the frames with boxes and labels (MJPG .avi)")
    p.add_argument("--detector", choices=("short", "full", "group"), default="short",
                   help="BlazeFace short range (faces within ~2 m) or full range (small/distant faces)")
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="expression .tflite (its .json beside it)")
    p.add_argument("--smoothing", type=float, default=0.5, help="per-face smoothing of probabilities, 0 = off")
    p.add_argument("--min-score", type=float, default=0.5, help="minimum face detection score")
    return p


def _open(spec: str) -> FrameSource:
    if spec != "demo" and not Path(spec).exists():
        raise SourceError(f"no such file or folder: {spec}")
    return open_source(spec, demo_frames=DEMO_FRAMES)


def analyze(args: argparse.Namespace, out=sys.stdout) -> int:
    """Returns the exit code; raises SourceError/ModelSpecError/AnalyzeError for the caller to print."""
    if not 0.0 <= args.smoothing < 1.0:
        raise AnalyzeError("--smoothing must be in [0, 1)")
    sources = [_open(spec) for spec in args.inputs]  # fail on a bad input before any work
    times = StageTimes()
    per_label: Counter[str] = Counter()
    frames = frames_with_face = 0
    writer = csv_file = video = None
    error: str | None = None
    try:
        with ExpressionPipeline(args.model, args.detector, args.min_score, args.smoothing) as pipeline:
            if args.csv:
                csv_file = open(args.csv, "w", newline="", encoding="utf-8")
                writer = csv.writer(csv_file)
                writer.writerow(csv_header(pipeline.labels))
            if args.annotated:
                video = AnnotatedWriter(args.annotated, sources[0].fps)
            for source in sources:
                pipeline.tracker.reset()
                try:
                    for frame in source:
                        result = pipeline.process(frame)
                        frames += 1
                        frames_with_face += bool(result.faces)
                        per_label.update(f.label for f in result.faces)
                        times.add(result.timings_ms)
                        if writer:
                            writer.writerows(csv_rows(source.name, result))
                            csv_file.flush()
                        if video:
                            video.write(frame.image, result)
                except SourceError as exc:
                    error = str(exc)
                    break
                if isinstance(source, VideoFileSource) and source.truncated:
                    error = (f"{source.name}: video ended after {source.frames_read} of "
                             f"{source.expected_frames} frames (truncated or corrupt); rows so far are kept")
                    break
    finally:
        for source in sources:
            source.close()
        if csv_file:
            csv_file.close()
        if video is not None:
            video.close()
    print(f"frames: {frames}", file=out)
    print(f"frames with a face: {frames_with_face}", file=out)
    print("faces per label: " + (", ".join(f"{k} {v}" for k, v in per_label.most_common()) or "none"), file=out)
    print("per-stage time (ms):", file=out)
    print(times.format(STAGES), file=out)
    if error:
        raise AnalyzeError(error)
    return 0


class AnnotatedWriter:
    """MJPG .avi of annotated frames; the first frame sets the size, later ones are scaled to it."""

    def __init__(self, path: Path, fps: float) -> None:
        self.path, self.fps = path, fps
        self._video = None
        self._size: tuple[int, int] | None = None

    def write(self, image, result: FrameResult) -> None:
        import cv2

        if self._video is None:
            self._size = (image.shape[1], image.shape[0])
            self._video = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"MJPG"), self.fps, self._size)
            if not self._video.isOpened():
                raise AnalyzeError(f"cannot write video: {self.path}")
        canvas = image.copy()
        draw_results(canvas, result)
        if (canvas.shape[1], canvas.shape[0]) != self._size:
            canvas = cv2.resize(canvas, self._size)
        self._video.write(canvas)

    def close(self) -> None:
        if self._video is not None:
            self._video.release()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return analyze(args)
    except (SourceError, ModelSpecError, AnalyzeError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
