"""``python -m desktop_app capture``: save the faces of a video, an image folder or the demo as labeled
samples (224×224 crops under ``DATASET/LABEL/``, one manifest line each).

By default the largest face of each processed frame is saved; ``--all-faces`` saves every face.
Samples already written survive a crash or Ctrl+C; the next open of the dataset repairs the rest.
A write that fails (full or read-only disk) stops the run: exit 2, saying how many were saved.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, DETECTOR_KINDS, DETECTOR_LABELS
from desktop_app.core.errors import UserError
from desktop_app.core.expression.expression_names import EXPRESSIONS, canonical_expression
from desktop_app.core.expression.model_spec import ModelSpecError
from desktop_app.core.media.frame_sources import (
    DEMO_FRAMES,
    FrameSource,
    SourceError,
    VideoFileSource,
    open_source,
    print_warnings,
)
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_records import StoreError, validate_label
from desktop_app.core.samples.sample_store import SampleStore


class CaptureError(UserError, RuntimeError):
    pass


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desktop_app capture", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("source", metavar="SOURCE", help="a video file, an image file, a folder of images, or 'demo'")
    p.add_argument("--label", required=True, help="the expression every saved face gets (a folder name)")
    p.add_argument("--out", type=Path, required=True, metavar="DATASET", help="dataset folder (created if needed)")
    p.add_argument("--every", type=int, default=1, metavar="N", help="process every Nth frame")
    p.add_argument("--max", type=int, default=None, metavar="M", help="stop after saving M samples")
    p.add_argument("--detector", choices=DETECTOR_KINDS, default=DEFAULT_DETECTOR,
                   help="; ".join(f"{kind}: {label}" for kind, label in DETECTOR_LABELS.items()))
    p.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                   help="expression .tflite whose prediction is recorded with each sample")
    p.add_argument("--all-faces", action="store_true", help="save every face of a frame, not only the largest")
    p.add_argument("--min-score", type=float, default=0.5, help="minimum face detection score")
    p.add_argument("--demo-frames", type=int, default=DEMO_FRAMES, help="length of the 'demo' source in frames")
    return p


def _open(spec: str, demo_frames: int) -> FrameSource:
    if spec.isdigit() and not Path(spec).exists():
        raise SourceError("capture reads files or 'demo'; live camera capture is in the app window")
    if spec != "demo" and not Path(spec).exists():
        raise SourceError(f"no such file or folder: {spec}")
    return open_source(spec, demo_frames=demo_frames)


def capture(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO | None = None) -> int:
    """Returns the exit code; raises SourceError/ModelSpecError/StoreError/CaptureError for main."""
    err = err or sys.stderr
    from desktop_app.core.pipeline import ExpressionPipeline  # MediaPipe and LiteRT load only once inputs are valid

    try:
        label = validate_label(args.label)
    except ValueError as exc:
        raise CaptureError(str(exc)) from None
    if canonical_expression(label) is None:  # the training kit would refuse the whole dataset later
        raise CaptureError(f"--label {label!r} is not an expression the training kit knows "
                           f"({', '.join(EXPRESSIONS)}; synonyms such as angry, surprised, happiness are accepted)")
    if args.every < 1:
        raise CaptureError("--every must be at least 1")
    if args.max is not None and args.max < 1:
        raise CaptureError("--max must be at least 1")
    if args.demo_frames < 1:
        raise CaptureError("--demo-frames must be at least 1")
    if not 0.0 <= args.min_score <= 1.0:  # also refuses NaN
        raise CaptureError(f"--min-score must be between 0 and 1, not {args.min_score}")
    source = _open(args.source, args.demo_frames)
    saved = frames = frames_with_face = 0
    try:
        with SampleStore(args.out) as store:
            print(store.report.format(), file=out, flush=True)
            label = store.resolve_label(label)  # 'happy' into a dataset with Happy/ is Happy
            with ExpressionPipeline(args.model, args.detector, args.min_score, smoothing=0.0) as pipeline:
                labels, model_name = pipeline.labels, pipeline.spec.name
                for frame in source:
                    print_warnings(source, err)
                    if frame.index % args.every:
                        continue
                    result = pipeline.process(frame)
                    frames += 1
                    frames_with_face += bool(result.faces)
                    faces = sorted(result.faces, key=lambda f: f.box[2] * f.box[3], reverse=True)
                    for face in faces if args.all_faces else faces[:1]:
                        probs = face.raw_probabilities
                        try:
                            store.save(frame.image, face.box, face.keypoints, label,
                                       predicted=labels[int(probs.argmax())],
                                       probabilities=dict(zip(labels, map(float, probs))),
                                       model=model_name, model_path=str(args.model), source=source.name,
                                       frame=frame.index)
                        except StoreError as exc:
                            raise CaptureError(f"{exc}; stopped at frame {frame.index} of {source.name} with "
                                               f"{saved} samples saved before it") from None
                        saved += 1
                        if args.max is not None and saved >= args.max:
                            break
                    if args.max is not None and saved >= args.max:
                        break
                print_warnings(source, err)
                if isinstance(source, VideoFileSource) and source.truncated:
                    print(f"warning: {source.name}: video ended after {source.frames_read} of "
                          f"{source.expected_frames} frames (cut off or corrupt); the samples saved are complete",
                          file=err)
            print(f"frames processed: {frames}, with a face: {frames_with_face}", file=out)
            print(f"saved: {saved} samples labeled {label!r} in {store.root} "
                  f"({store.label_counts()[label]} {label!r} samples in the dataset now)", file=out)
    finally:
        source.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return capture(args)
    except (SourceError, ModelSpecError, StoreError, CaptureError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: samples saved so far are kept", file=sys.stderr)
        return 130
