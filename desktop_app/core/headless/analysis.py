"""The headless analysis behind ``python -m desktop_app analyze``: videos, images and folders through the
pipeline, a summary of what was seen, and optionally a CSV and an annotated video (``analysis_outputs``).

``analyze(AnalyzeOptions(...))`` is the typed call; the command line only parses into the options.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, DEFAULT_MIN_SCORE
from desktop_app.core.expression.model_comparison import Agreement
from desktop_app.core.headless.analysis_outputs import AnalyzeError, Outputs, csv_header
from desktop_app.core.media.frame_sources import (
    DEMO_FRAMES,
    FrameSource,
    SourceError,
    VideoFileSource,
    open_source,
    print_warnings,
)
from desktop_app.core.output_files import check_outputs
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import STAGES, ExpressionPipeline, FrameResult
from desktop_app.core.stats import StageTimes

DEFAULT_SMOOTHING = 0.5  # per-face smoothing of the probabilities (an exponential moving average)


@dataclass(frozen=True)
class AnalyzeOptions:
    """What one ``analyze`` run does; the command line builds it, already range-checked."""
    inputs: tuple[str, ...]
    csv: Path | None = None
    annotated: Path | None = None
    detector: str = DEFAULT_DETECTOR
    model: Path = DEFAULT_MODEL
    compare: Path | None = None
    smoothing: float = DEFAULT_SMOOTHING
    min_score: float = DEFAULT_MIN_SCORE


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
            outputs.open(csv_header(pipeline.labels, compare_labels, pipeline.spec.has_valence_arousal))
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
