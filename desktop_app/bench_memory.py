"""``python -m desktop_app bench-memory``: memory of ``analyze`` over many inputs. Writes N short
videos, runs ``analyze`` as a user would (a fresh process) on one of them and on all N, and prints
the peak RSS of each and the growth. Goal: under 50 MB of growth for 100 inputs (each input is
opened when its turn comes and closed after it)."""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from desktop_app.cli_args import Parser, whole_number
from desktop_app.command_name import command_name
from desktop_app.core.paths import DEMO_FACE

MIN_SIDE = 64  # the smallest frame side worth measuring

# VmHWM is this process image's own peak; ru_maxrss would carry the parent's peak across exec on Linux
CHILD = ("import resource, sys\n"
         "from desktop_app.analyze import main\n"
         "code = main(sys.argv[1:])\n"
         "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
         "try:\n"
         "    peak = next(int(x.split()[1]) for x in open('/proc/self/status') if x.startswith('VmHWM:'))\n"
         "except (OSError, StopIteration):\n"
         "    pass\n"
         "print('PEAK_RSS_KB', peak, file=sys.stderr)\n"
         "sys.exit(code)\n")


def write_inputs(folder: Path, count: int, frames: int, size: tuple[int, int]) -> list[Path]:
    face = cv2.imread(str(DEMO_FACE))
    width, height = size
    image = np.full((height, width, 3), 60, np.uint8)
    side = min(width, height) * 3 // 4
    top, left = (height - side) // 2, (width - side) // 2
    image[top:top + side, left:left + side] = cv2.resize(face, (side, side))
    paths = []
    for i in range(count):
        path = folder / f"clip{i:03d}.avi"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, size)
        for _ in range(frames):
            writer.write(image)
        writer.release()
        paths.append(path)
    return paths


def peak_rss_mb(inputs: list[Path], repo: Path) -> float:
    done = subprocess.run([sys.executable, "-c", CHILD, *map(str, inputs)], cwd=repo, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: analyze failed: {done.stderr.strip().splitlines()[-1:]}")
    line = next(x for x in done.stderr.splitlines() if x.startswith("PEAK_RSS_KB"))
    return int(line.split()[1]) / 1024


def frame_size(text: str) -> tuple[int, int]:
    """An argparse type: ``WxH``, both sides at least MIN_SIDE pixels."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WxH such as 1280x720, not {text!r}") from None
    if min(width, height) < MIN_SIDE:
        raise argparse.ArgumentTypeError(f"both sides must be at least {MIN_SIDE}, not {text}")
    return width, height


def main(argv: list[str] | None = None) -> int:
    p = Parser(prog=f"{command_name('desktop_app')} bench-memory", description=__doc__)
    p.add_argument("--inputs", type=whole_number(2), default=100, help="how many input videos")
    p.add_argument("--frames", type=whole_number(1), default=5, help="frames per video")
    p.add_argument("--size", type=frame_size, default="1280x720", help="frame size WxH")
    p.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1],
                   help="source tree whose analyze is measured (to compare with another checkout)")
    args = p.parse_args(argv)
    size = args.size
    with tempfile.TemporaryDirectory() as tmp:
        inputs = write_inputs(Path(tmp), args.inputs, args.frames, size)
        one = peak_rss_mb(inputs[:1], args.repo)
        many = peak_rss_mb(inputs, args.repo)
    print(f"analyze, {size[0]}x{size[1]} MJPG videos of {args.frames} frames ({args.repo}):")
    rows = [("peak RSS, 1 input:", one), (f"peak RSS, {args.inputs} inputs:", many), ("growth:", many - one)]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}} {value:8.1f} MB" + (" (goal < 50 MB)" if label == "growth:" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
