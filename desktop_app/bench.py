"""``python -m desktop_app bench``: per-stage medians and p95 of the core pipeline on two synthetic clips
made from the real demo face: 640×480 with one face, and 1280×720 with four."""
from __future__ import annotations

import argparse
import sys

import numpy as np

from .core.demo_media import four_face_frames
from .core.frame_sources import DemoSource, SourceError
from .core.model_spec import ModelSpecError
from .core.paths import DEFAULT_MODEL
from .core.pipeline import ExpressionPipeline
from .core.stats import StageTimes

CORE_STAGES = ("detect", "crop", "classify", "track")


def run_clip(name: str, frames: list[np.ndarray], detector: str, model) -> str:
    times = StageTimes()
    totals = []
    with ExpressionPipeline(model, detector) as pipeline:
        pipeline.process(frames[0])  # warm-up: first call allocates
        faces = []
        for frame in frames:
            result = pipeline.process(frame)
            faces.append(len(result.faces))
            times.add(result.timings_ms)
            totals.append(sum(result.timings_ms[s] for s in CORE_STAGES))
    return (f"{name}: {len(frames)} frames, detector {detector}, faces per frame median {np.median(faces):.0f}\n"
            f"{times.format(CORE_STAGES)}\n"
            f"  {'total':<8}  {np.median(totals):9.3f} {np.percentile(totals, 95):9.3f}   (detect+crop+classify+track)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m desktop_app bench", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--frames", type=int, default=300, help="frames per clip")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="expression .tflite to time")
    args = p.parse_args(argv)
    try:
        demo = DemoSource(frames=args.frames)
        one_face = [f.image for f in demo]
        four = four_face_frames(args.frames)
        print(run_clip("640x480, one face", one_face, "short", args.model))
        print(run_clip("1280x720, four faces", four, "full", args.model))
        print(run_clip("1280x720, four faces", four, "short", args.model))
    except (SourceError, ModelSpecError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
