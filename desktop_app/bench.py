"""``python -m desktop_app bench``: per-stage medians and p95 of the core pipeline on clips made from the
real demo face: 640×480 with one face (the default detector), 1280×720 with four, and a 1920×1080 class
of 54 faces of ~50 px in group mode, as video (camera noise on every frame; tiles take turns) and as
separate photos (every tile on every frame)."""
from __future__ import annotations

import sys

import numpy as np

from desktop_app.cli_args import Parser, add_model, whole_number
from desktop_app.core.errors import UserError
from desktop_app.core.media.demo_media import four_face_frames, group_frame
from desktop_app.core.media.frame_sources import DemoSource
from desktop_app.core.pipeline import FRAME_STAGES, ExpressionPipeline
from desktop_app.core.stats import StageTimes
from desktop_app.core.tracking import iou


def run_clip(name: str, frames: list[np.ndarray], detector: str, model, truth: list | None = None,
             stills: bool = False) -> str:
    """``truth``: the faces' boxes, to report how many were found; ``stills``: every frame is a new
    photo (the detector forgets the previous frame)."""
    times = StageTimes()
    totals, faces, found = [], [], []
    with ExpressionPipeline(model, detector) as pipeline:
        pipeline.process(frames[0])  # warm-up: first call allocates
        for frame in frames:
            if stills:
                pipeline.detector.reset()
                pipeline.tracker.reset()
            result = pipeline.process(frame)
            faces.append(len(result.faces))
            if truth is not None:
                found.append(sum(any(iou(t, f.box) > 0.3 for f in result.faces) for t in truth))
            times.add(result.timings_ms)
            totals.append(sum(result.timings_ms.get(s, 0.0) for s in FRAME_STAGES))
    recall = (f", found {np.median(found):.0f} of {len(truth)} (lowest {min(found)})"
              if truth is not None else "")
    return (f"{name}: {len(frames)} frames, detector {detector}, faces per frame median {np.median(faces):.0f}"
            f"{recall}\n{times.format(FRAME_STAGES)}\n"
            f"  {'total':<8}  {np.median(totals):9.3f} {np.percentile(totals, 95):9.3f}   "
            f"({'+'.join(s for s in FRAME_STAGES if s in times.summary())})")


def class_video(count: int) -> tuple[list[np.ndarray], list]:
    """The 54-face class with camera noise (±4 grey levels) that changes every frame."""
    frame, truth = group_frame()
    rng = np.random.default_rng(0)
    distinct = [np.clip(frame.astype(np.int16) + rng.integers(-4, 5, frame.shape, dtype=np.int16), 0, 255)
                .astype(np.uint8) for _ in range(min(count, 16))]
    return [distinct[i % len(distinct)] for i in range(count)], truth


def main(argv: list[str] | None = None) -> int:
    p = Parser(prog="python -m desktop_app bench", description=__doc__)
    p.add_argument("--frames", type=whole_number(1), default=300, help="frames per clip")
    add_model(p, "expression .tflite to time")
    args = p.parse_args(argv)
    try:
        demo = DemoSource(frames=args.frames)
        one_face = [f.image for f in demo]
        print(run_clip("640x480, one face", one_face, "short", args.model))
        four = four_face_frames(args.frames)
        print(run_clip("1280x720, four faces", four, "full", args.model))
        del four
        video, truth = class_video(args.frames)
        print(run_clip("1920x1080 class video, 54 faces", video, "group", args.model, truth))
        print(run_clip("1920x1080 class photos, 54 faces", video[:max(1, args.frames // 5)], "group", args.model,
                       truth, stills=True))
    except (UserError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
