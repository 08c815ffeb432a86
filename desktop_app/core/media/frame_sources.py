"""Where frames come from: a camera, a video file, image files or a folder, or the bundled demo.

Every source yields ``Frame``s of contiguous uint8 BGR and raises ``SourceError`` (one clear line)
for anything it cannot read. What is worth telling but not fatal (a cut-off JPEG, a bad image skipped
in a folder) is appended to the source's ``warnings`` for the caller to show.
"""
from __future__ import annotations

import glob
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from desktop_app.core.errors import UserError
from desktop_app.core.media.image_files import IMAGE_SUFFIXES, ImageFileError, read_image_file
from desktop_app.core.media.images import to_bgr
from desktop_app.core.paths import DEMO_FACE

# The astronaut's face is small in the 512×512 photo; the demo shows this square around it.
DEMO_FACE_REGION = (90, 20, 270, 270)  # x, y, w, h
# The headless CLIs' ``demo`` source: 5 s at 30 fps.
DEMO_FRAMES = 150
# A container's frame count is an estimate (phone and web videos often decode a few frames fewer):
# a video is "truncated" only when decoding stops more than this share of the stated frames, and more
# than TRUNCATION_MIN_FRAMES frames, before the stated end.
TRUNCATION_FRACTION = 0.05
TRUNCATION_MIN_FRAMES = 3


class SourceError(UserError, RuntimeError):
    """A source that cannot be opened or read; the message is meant for the user as it is."""


@dataclass
class Frame:
    index: int
    time_s: float
    image: np.ndarray  # uint8 BGR
    decode_ms: float = 0.0
    read_at: float = 0.0  # time.monotonic() when the frame was read, for end-to-end latency
    still: bool = False  # detect it on its own (a photo; a frame a sample is saved from), never follow earlier frames


class FrameSource:
    """Base: ``read()`` returns the next Frame or None at the end; iterate, then ``close()``."""

    name = "source"
    is_live = False
    fps = 30.0
    warnings: list[str]

    def take_warnings(self) -> list[str]:
        """The warnings since the last call (a cut-off image, a file skipped), oldest first."""
        found = getattr(self, "warnings", [])
        self.warnings = []
        return found

    def read(self) -> Frame | None:
        raise NotImplementedError

    def rewind(self) -> None:
        """Start again from the first frame (looping). Files and the demo can; a live source cannot."""
        raise SourceError(f"{self.name} cannot be rewound")

    @property
    def frame_count(self) -> int | None:
        """How many frames a seekable source holds (its frames are numbered 0 … count − 1); None for a
        source that cannot seek (a camera, the endless demo)."""
        return None

    def seek(self, index: int) -> None:
        """The next ``read()`` returns frame ``index`` (clamped to the source); only when ``frame_count``
        is not None."""
        raise SourceError(f"{self.name} cannot seek")

    def close(self) -> None:
        pass

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class CameraSource(FrameSource):
    is_live = True

    def __init__(self, index: int, width: int = 1280, height: int = 720, fps: float = 30.0) -> None:
        self.name = f"camera {index}"
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"camera {index} could not be opened (no camera, or it is in use)")
        self._cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"MJPG"))
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap.set(cv2.CAP_PROP_FPS, fps)
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or fps
        self._index = 0
        self._t0 = time.monotonic()

    def read(self) -> Frame | None:
        t = time.perf_counter()
        ok, image = self._cap.read()
        if not ok or image is None:
            raise SourceError(f"{self.name} stopped delivering frames (unplugged?)")
        frame = Frame(self._index, time.monotonic() - self._t0, to_bgr(image), (time.perf_counter() - t) * 1e3)
        self._index += 1
        return frame

    def close(self) -> None:
        self._cap.release()


class VideoFileSource(FrameSource):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        if not self.path.is_file():
            raise SourceError(f"no such file: {self.path}")
        self._cap = cv2.VideoCapture(str(self.path))
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"not a readable video or image: {self.path}")
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or 30.0
        self.expected_frames = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        self.frames_read = 0

    @property
    def truncated(self) -> bool:
        """True when decoding stopped well before the frame count the container announced: more than
        TRUNCATION_FRACTION of it and more than TRUNCATION_MIN_FRAMES frames are missing. A header
        saying 98 frames for 95 decodable ones is a normal file."""
        return is_truncated(self.frames_read, self.expected_frames)

    def read(self) -> Frame | None:
        t = time.perf_counter()
        ok, image = self._cap.read()
        if not ok or image is None:
            if self.frames_read == 0:
                raise SourceError(f"no frame could be decoded from {self.path}")
            return None
        frame = Frame(self.frames_read, self.frames_read / self.fps, to_bgr(image), (time.perf_counter() - t) * 1e3)
        self.frames_read += 1
        return frame

    def rewind(self) -> None:
        self.seek(0)

    @property
    def frame_count(self) -> int | None:
        return self.expected_frames if self.expected_frames > 0 else None

    def seek(self, index: int) -> None:
        index = max(0, min(int(index), max(self.expected_frames - 1, 0)))
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        self.frames_read = index  # the frame numbers (and times) stay those of the file

    def close(self) -> None:
        self._cap.release()


def is_truncated(frames_read: int, expected_frames: int) -> bool:
    missing = expected_frames - frames_read
    return expected_frames > 0 and missing > max(TRUNCATION_MIN_FRAMES, TRUNCATION_FRACTION * expected_frames)


class ImageSource(FrameSource):
    """One image, several, or every image of a folder (sorted by name). An image of a folder that
    cannot be read is skipped and reported in ``warnings`` (``skipped`` lists them); an image named
    on its own that cannot be read is a SourceError."""

    fps = 1.0

    def __init__(self, paths: list[Path]) -> None:
        self.warnings: list[str] = []
        self.skipped: list[str] = []
        self._named: set[Path] = set()
        files: list[Path] = []
        for path in map(Path, paths):
            if path.is_dir():
                found = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
                if not found:
                    raise SourceError(f"no images in folder: {path}")
                files.extend(found)
            elif path.is_file():
                files.append(path)
                self._named.add(path)
            else:
                raise SourceError(f"no such file or folder: {path}")
        self.files = files
        self.name = str(paths[0]) if len(paths) == 1 else f"{len(files)} images"
        self._index = 0

    def read(self) -> Frame | None:
        while self._index < len(self.files):
            path = self.files[self._index]
            t = time.perf_counter()
            try:
                image, warning = read_image_file(path)
            except ImageFileError as exc:
                if path in self._named:
                    raise SourceError(str(exc)) from None
                self.skipped.append(str(path))
                self.warnings.append(f"skipped {exc}")
                self._index += 1
                continue
            if warning:
                self.warnings.append(warning)
            frame = Frame(self._index, float(self._index), image, (time.perf_counter() - t) * 1e3, still=True)
            self._index += 1
            return frame
        return None

    def rewind(self) -> None:
        self._index = 0

    @property
    def frame_count(self) -> int | None:
        return len(self.files)

    def seek(self, index: int) -> None:
        self._index = max(0, min(int(index), len(self.files) - 1))


class DemoSource(FrameSource):
    """A real face (the public-domain astronaut photo) moving and zooming over a plain background,
    so a machine with no camera still shows the whole pipeline working."""

    name = "demo"

    def __init__(self, width: int = 640, height: int = 480, fps: float = 30.0,
                 frames: int | None = None) -> None:
        photo = cv2.imread(str(DEMO_FACE), cv2.IMREAD_COLOR)
        if photo is None:
            raise SourceError(f"demo image missing: {DEMO_FACE}")
        x, y, w, h = DEMO_FACE_REGION
        self._photo = photo[y:y + h, x:x + w]
        self.size, self.fps, self.frames = (width, height), fps, frames
        self._index = 0
        self._background = np.full((height, width, 3), 60, np.uint8)

    def placement(self, index: int) -> tuple[int, int, int]:
        """Where frame ``index`` puts the photo: its left, top and side in pixels (the truth that tests
        and the bench measure predicted boxes against)."""
        width, height = self.size
        t = index / self.fps
        # Zoom 0.5–0.8 of the frame: the face stays ≥ 84 px of 480, which the default short-range detector holds.
        side = int(min(width, height) * (0.65 + 0.15 * math.sin(t * 0.7)))
        x = int((width - side) / 2 + (width - side) / 2 * 0.8 * math.sin(t * 0.5))
        y = int((height - side) / 2 + (height - side) / 2 * 0.8 * math.cos(t * 0.4))
        return x, y, side

    def render(self, index: int) -> np.ndarray:
        x, y, side = self.placement(index)
        photo = cv2.resize(self._photo, (side, side), interpolation=cv2.INTER_AREA)
        frame = self._background.copy()
        frame[y:y + side, x:x + side] = photo
        return frame

    def read(self) -> Frame | None:
        if self.frames is not None and self._index >= self.frames:
            return None
        t = time.perf_counter()
        frame = Frame(self._index, self._index / self.fps, self.render(self._index), (time.perf_counter() - t) * 1e3)
        self._index += 1
        return frame

    def rewind(self) -> None:
        self._index = 0


def print_warnings(source: FrameSource, file) -> None:
    """The CLIs' way to show a source's warnings: one ``warning: ...`` line each."""
    for warning in source.take_warnings():
        print(f"warning: {warning}", file=file)


def open_source(spec: str, demo_frames: int | None = None) -> FrameSource:
    """``demo``, a camera index (``0``), a video file, an image file, or a folder of images."""
    if spec == "demo":
        return DemoSource(frames=demo_frames)
    if spec.isdigit():
        return CameraSource(int(spec))
    path = Path(spec)
    if path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource([path])
    return VideoFileSource(path)


def camera_choices() -> list[str]:
    """Camera indices found on this machine (/dev/video* on Linux; 0 elsewhere, tried on demand)."""
    if sys.platform.startswith("linux"):
        return sorted({p.removeprefix("/dev/video") for p in glob.glob("/dev/video*")
                       if p.removeprefix("/dev/video").isdigit()}, key=int)
    return ["0"]
