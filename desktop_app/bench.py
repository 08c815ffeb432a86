"""``python -m desktop_app bench``: per-stage medians and p95 of the core pipeline, the default detector's
rows beside the named detector each scene used to need: one face at 640×360 (auto vs short), four faces
at 1280×720 (auto vs full), a table of six at 1280×720 (auto vs group), a 1920×1080 class of 54 faces
and a group photo tiled 3×3 into 1920×1080 (auto vs group; video with camera noise, and separate photos),
all made from the real bundled face. Then how long a class shows one face's change of expression, and
with ``--fer``, the ``fer`` package's per-frame cost on the same one-face frames (bench_fer.py)."""
from __future__ import annotations

import os
import sys

import numpy as np

from desktop_app.cli_args import Parser, add_model, whole_number
from desktop_app.command_name import command_name
from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, FaceDetector
from desktop_app.core.errors import UserError
from desktop_app.core.media.demo_media import four_face_frames, group_frame
from desktop_app.core.media.frame_sources import DemoSource, Frame
from desktop_app.core.media.room_media import swap_face, table_frame, tiled_group_frame
from desktop_app.core.pipeline import FRAME_STAGES, ExpressionPipeline
from desktop_app.core.stats import StageTimes
from desktop_app.core.tracking import iou

FPS = 30.0


def run_clip(name: str, frames: list[np.ndarray], detector: str, model, truth: list | None = None,
             stills: bool = False) -> tuple[str, float]:
    """One clip through one detector: the report and the median total ms. ``truth``: the faces' boxes,
    to report how many were found; ``stills``: every frame is a new photo (the pipeline forgets the
    previous frame)."""
    times = StageTimes()
    totals, faces, found, predicted = [], [], [], 0
    with ExpressionPipeline(model, detector) as pipeline:
        pipeline.process(frames[0])  # warm-up: first call allocates
        pipeline.reset_tracks()
        for i, image in enumerate(frames):
            if stills:
                pipeline.reset_tracks()
            result = pipeline.process(Frame(i, i / FPS, image, still=stills))
            predicted += pipeline.detector.predicted
            faces.append(len(result.faces))
            if truth is not None:
                found.append(sum(any(iou(t, f.box) > 0.3 for f in result.faces) for t in truth))
            times.add(result.timings_ms)
            totals.append(sum(result.timings_ms.get(s, 0.0) for s in FRAME_STAGES))
    recall = (f", found {np.median(found):.0f} of {len(truth)} (lowest {min(found)})"
              if truth is not None else "")
    median = float(np.median(totals))
    followed = f", faces predicted on {predicted} frames (detector skipped)" if predicted else ""
    report = (f"{name}: {len(frames)} frames, detector {detector}, faces per frame median {np.median(faces):.0f}"
              f"{recall}{followed}\n{times.format(FRAME_STAGES)}\n"
              f"  {'total':<8}  {median:9.3f} {np.percentile(totals, 95):9.3f}   "
              f"({'+'.join(s for s in FRAME_STAGES if s in times.summary())}; mean {np.mean(totals):.3f})")
    return report, median


def compare(name: str, frames: list[np.ndarray], named: str, model, truth: list | None = None,
            stills: bool = False) -> float:
    """The default detector and a named one on the same frames; prints both and their ratio."""
    medians = {}
    for detector in dict.fromkeys((DEFAULT_DETECTOR, named)):
        report, medians[detector] = run_clip(name, frames, detector, model, truth, stills)
        print(report, flush=True)
    ratio = medians[DEFAULT_DETECTOR] / max(medians[named], 1e-9)
    print(f"  {DEFAULT_DETECTOR} / {named}: {ratio:.2f}× the median total\n", flush=True)
    return ratio


def prediction_check(frames: list[np.ndarray], model) -> str:
    """The default's predicted frames (coasting.py) against detecting those same frames: how far the
    boxes are apart and whether the labels agree."""
    runs = []
    for coast in (True, False):  # the video as the window runs it, then the same video detected on every frame
        with ExpressionPipeline(model) as pipeline:
            pipeline.detector.coast = coast
            runs.append([(pipeline.process(Frame(i, i / FPS, image)), pipeline.detector.predicted)
                         for i, image in enumerate(frames)])
    pairs = [(a.faces[0], b.faces[0]) for (a, was_predicted), (b, _) in zip(*runs)
             if was_predicted and a.faces and b.faces]
    if not pairs:
        return "predicted frames: none in this clip"
    overlap = np.array([iou(a.box, b.box) for a, b in pairs])
    same = sum(a.label == b.label for a, b in pairs)
    return (f"predicted frames against detecting them ({len(pairs)} frames): box IoU median {np.median(overlap):.3f}, "
            f"p5 {np.percentile(overlap, 5):.3f}; same label on {same} ({100 * same / len(pairs):.0f}%)\n")


def noisy(frame: np.ndarray, count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` frames of a still scene with camera noise (±4 grey levels, 16 distinct frames)."""
    rng = np.random.default_rng(seed)
    distinct = [np.clip(frame.astype(np.int16) + rng.integers(-4, 5, frame.shape, dtype=np.int16), 0, 255)
                .astype(np.uint8) for _ in range(min(count, 16))]
    return [distinct[i % len(distinct)] for i in range(count)]


def class_video(count: int) -> tuple[list[np.ndarray], list]:
    """The 54-face class with camera noise that changes every frame."""
    frame, truth = group_frame()
    return noisy(frame, count), truth


def change_latency(model, frames_before: int = 30, frames_after: int = 30) -> str:
    """A 30 fps class video in which one of 54 faces becomes another real person's (Grace Hopper's
    neutral portrait, from matplotlib's sample data) at frame ``frames_before``: how many frames until
    the default pipeline's label for that face changes."""
    try:
        import cv2
        import matplotlib

        neutral = cv2.imread(os.path.join(matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg"))
    except ImportError:
        return "expression change: skipped (needs matplotlib's sample photo of Grace Hopper)"
    frame, boxes = group_frame(seed=0)
    with FaceDetector() as detector:
        other = max(detector.detect(neutral), key=lambda d: d.box[2])
    seat = boxes[22]
    images = noisy(frame, frames_before) + noisy(swap_face(frame, seat, neutral, other.box), frames_after, seed=1)
    labels = []
    with ExpressionPipeline(model) as pipeline:
        for i, image in enumerate(images):
            faces = [f for f in pipeline.process(Frame(i, i / FPS, image)).faces if iou(f.box, seat) > 0.3]
            labels.append(faces[0].label if faces else "")
    before = labels[frames_before - 1]
    shown = next((i for i in range(frames_before, len(labels)) if labels[i] not in ("", before)), None)
    if shown is None:
        return f"expression change: not shown within {frames_after} frames (label stayed {before})"
    frames = shown - frames_before
    return (f"expression change in a class of {len(boxes)} ({DEFAULT_DETECTOR}): {before} → {labels[shown]} "
            f"shown after {frames} frames, {frames / FPS:.2f} s at {FPS:.0f} fps")


def main(argv: list[str] | None = None) -> int:
    p = Parser(prog=f"{command_name('desktop_app')} bench", description=__doc__)
    p.add_argument("--frames", type=whole_number(1), default=300, help="frames per clip")
    add_model(p, "expression .tflite to time")
    p.add_argument("--fer", action="store_true",
                   help="also time the fer package (its own venv, .venv-fer/, built on first use)")
    args = p.parse_args(argv)
    try:
        one_face = [f.image for f in DemoSource(640, 360, frames=args.frames)]
        compare("640x360, one face", one_face, "short", args.model)
        print(prediction_check(one_face, args.model), flush=True)
        compare("1280x720, four faces", four_face_frames(args.frames), "full", args.model)
        table, seats = table_frame(1280, 720)
        compare("1280x720, a table of six", noisy(table, args.frames), "group", args.model, seats)
        video, truth = class_video(args.frames)
        compare("1920x1080 class video, 54 faces", video, "group", args.model, truth)
        compare("1920x1080 class photos, 54 faces", video[:max(1, args.frames // 5)], "group", args.model,
                truth, stills=True)
        del video
        tiled, tiled_truth = tiled_group_frame()
        compare("1920x1080 group photo tiled 3x3, video", noisy(tiled, args.frames), "group", args.model,
                tiled_truth)
        print(change_latency(args.model), flush=True)
        if args.fer:
            from desktop_app.bench_fer import FerError, compare_with_fer

            try:
                print(compare_with_fer(one_face[:min(len(one_face), 100)], args.model))
            except FerError as exc:
                print(f"fer: not measured: {exc}")
    except BrokenPipeError:  # the reader left: closed_pipe.py ends the program quietly
        raise
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
