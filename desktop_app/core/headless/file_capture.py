"""Capture from files, behind ``python -m desktop_app capture``: the faces of a video, an image folder or
the demo saved as labeled samples into a dataset (``samples.SampleStore``). The window captures from a
camera through ``samples.capture_queue`` instead.

``capture(CaptureOptions(...))`` is the typed call; the command line only parses into the options.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, DEFAULT_MIN_SCORE
from desktop_app.core.errors import UserError
from desktop_app.core.media.frame_sources import (
    DEMO_FRAMES,
    Frame,
    FrameSource,
    SourceError,
    VideoFileSource,
    open_source,
    print_warnings,
)
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_records import StoreError
from desktop_app.core.samples.sample_store import SampleStore

if TYPE_CHECKING:
    from desktop_app.core.pipeline import ExpressionPipeline


class CaptureError(UserError, RuntimeError):
    pass


@dataclass(frozen=True)
class CaptureOptions:
    """What one ``capture`` run does; the command line builds it, already checked."""
    source: str
    label: str
    out: Path
    every: int = 1
    max: int | None = None  # stop after saving this many samples; None: at the end of the source
    detector: str = DEFAULT_DETECTOR
    model: Path = DEFAULT_MODEL
    all_faces: bool = False
    min_score: float = DEFAULT_MIN_SCORE
    demo_frames: int = DEMO_FRAMES


def _open(spec: str, demo_frames: int) -> FrameSource:
    if spec.isdigit() and not Path(spec).exists():
        raise SourceError("capture reads files or 'demo'; live camera capture is in the app window")
    if spec != "demo" and not Path(spec).exists():
        raise SourceError(f"no such file or folder: {spec}")
    return open_source(spec, demo_frames=demo_frames)


@dataclass
class Counts:
    saved: int = 0
    frames: int = 0
    frames_with_face: int = 0


def save_faces(store: SampleStore, pipeline: ExpressionPipeline, frame: Frame, source: FrameSource, label: str,
               options: CaptureOptions, counts: Counts) -> None:
    """Save the largest face of ``frame`` (every face with ``all_faces``) until ``options.max`` are saved;
    a failed write is a CaptureError that says where the run stopped and how many were saved before."""
    # Samples are training data: every saved box is detected on its own frame, never predicted from the
    # frames before it (coasting.py); offline, the time the default saves by predicting does not matter.
    result = pipeline.process(replace(frame, still=True))
    counts.frames += 1
    counts.frames_with_face += bool(result.faces)
    faces = sorted(result.faces, key=lambda f: f.box[2] * f.box[3], reverse=True)
    labels = pipeline.labels
    for face in faces if options.all_faces else faces[:1]:
        if options.max is not None and counts.saved >= options.max:
            return
        probs = face.raw_probabilities
        try:
            store.save(frame.image, face.box, face.keypoints, label, predicted=labels[int(probs.argmax())],
                       probabilities=dict(zip(labels, map(float, probs))), model=pipeline.spec.name,
                       model_path=str(options.model), source=source.name, frame=frame.index)
        except StoreError as exc:
            raise CaptureError(f"{exc}; stopped at frame {frame.index} of {source.name} with "
                               f"{counts.saved} samples saved before it") from None
        counts.saved += 1


def capture_from(source: FrameSource, store: SampleStore, label: str, options: CaptureOptions,
                 err: TextIO) -> Counts:
    """Every ``options.every``-th frame of ``source`` through the pipeline into ``store``."""
    from desktop_app.core.pipeline import ExpressionPipeline  # MediaPipe and LiteRT load only once inputs are valid

    counts = Counts()
    with ExpressionPipeline(options.model, options.detector, options.min_score, smoothing=0.0) as pipeline:
        for frame in source:
            print_warnings(source, err)
            if frame.index % options.every == 0:
                save_faces(store, pipeline, frame, source, label, options, counts)
            if options.max is not None and counts.saved >= options.max:
                break
        print_warnings(source, err)
    stopped_early = options.max is not None and counts.saved >= options.max  # --max: not a cut-off video
    if isinstance(source, VideoFileSource) and source.truncated and not stopped_early:
        print(f"warning: {source.name}: video ended after {source.frames_read} of "
              f"{source.expected_frames} frames (cut off or corrupt); the samples saved are complete", file=err)
    return counts


def capture(options: CaptureOptions, out: TextIO = sys.stdout, err: TextIO | None = None) -> int:
    """Returns 0 or raises a UserError (SourceError, ModelSpecError, StoreError, CaptureError) for main."""
    err = err or sys.stderr
    source = _open(options.source, options.demo_frames)
    try:
        with SampleStore(options.out) as store:
            print(store.report.format(), file=out, flush=True)
            label = store.resolve_label(options.label)  # 'happy' into a dataset with Happy/ is Happy
            counts = capture_from(source, store, label, options, err)
            print(f"frames processed: {counts.frames}, with a face: {counts.frames_with_face}", file=out)
            print(f"saved: {counts.saved} samples labeled {label!r} in {store.root} "
                  f"({store.label_counts()[label]} {label!r} samples in the dataset now)", file=out)
    finally:
        source.close()
    return 0
