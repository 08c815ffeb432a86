"""Real face crops for training tests, made the way the app's capture makes them.

Two real photographs, one per class, because no labelled expression photos ship in any package here
(shared/NOTES.md):
  * ``happy``: ``skimage.data.astronaut()`` (Eileen Collins, NASA portrait, smiling with teeth);
  * ``neutral``: matplotlib's ``grace_hopper.jpg`` (Grace Hopper, US Navy portrait, closed mouth).
Each crop is one re-photographing of a photo: random rotation, scale and position on a background cut
from other real skimage photos, brightness, contrast, gamma, colour cast, blur, noise and JPEG
compression. The app's ``FaceDetector`` then finds the face and ``crop_face`` crops it at 224 px, as
sample capture does. Be honest about what a model learns from this: the two classes are also two
different people, so telling them apart needs no understanding of expressions. What it does show is
whether training at the defaults turns a few hundred crops into a model that generalises to crops it
never saw (``split="val"`` draws other random variants over backgrounds training never used).

    python tests/support/real_face_crops.py OUT_DIR [PER_CLASS_TRAIN] [PER_CLASS_VAL]   # OUT_DIR/train, OUT_DIR/val
"""
from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from desktop_app.core.detection.face_crop import crop_face  # noqa: E402
from desktop_app.core.detection.face_detection import FaceDetector  # noqa: E402
from desktop_app.core.samples.sample_records import CROP_MARGIN as MARGIN  # noqa: E402 - the app's capture margin
from desktop_app.core.samples.sample_records import CROP_SIZE as CROP  # noqa: E402

CANVAS = 320
TRAIN_BACKGROUNDS = ("coffee", "rocket", "brick", "grass")
VAL_BACKGROUNDS = ("chelsea", "gravel", "retina")


def photos() -> dict[str, np.ndarray]:
    """Label → the BGR photo of that class."""
    import matplotlib
    import skimage.data

    hopper = cv2.imread(str(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"))
    return {"happy": cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR), "neutral": hopper}


def _backgrounds(names: tuple[str, ...]) -> list[np.ndarray]:
    import skimage.data

    out = []
    for name in names:
        image = getattr(skimage.data, name)()
        image = np.stack([image] * 3, -1) if image.ndim == 2 else image[..., :3]
        image = cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_RGB2BGR)
        grow = (CANVAS + 1) / min(image.shape[:2])
        out.append(cv2.resize(image, None, fx=grow, fy=grow) if grow > 1 else image)
    return out


def _face_region(photo: np.ndarray, detector: FaceDetector) -> np.ndarray:
    """The photo's face with a wide margin, square: what each variant re-photographs."""
    face = max(detector.detect(photo), key=lambda d: d.box[2] * d.box[3])
    x, y, w, h = face.box
    side = int(max(w, h) * 2.2)
    cx, cy = x + w / 2, y + h / 2
    matrix = np.float32([[1, 0, side / 2 - cx], [0, 1, side / 2 - cy]])
    return cv2.warpAffine(photo, matrix, (side, side), borderMode=cv2.BORDER_REFLECT)


def variant(region: np.ndarray, backgrounds: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """One CANVAS×CANVAS frame: the face region moved, turned, scaled, relit and degraded."""
    bg = backgrounds[rng.integers(len(backgrounds))]
    y0, x0 = rng.integers(0, bg.shape[0] - CANVAS), rng.integers(0, bg.shape[1] - CANVAS)
    frame = bg[y0:y0 + CANVAS, x0:x0 + CANVAS].astype(np.float32)
    side = region.shape[0]
    scale = rng.uniform(0.55, 0.9) * CANVAS / side
    centre = rng.uniform(0.4, 0.6, 2) * CANVAS
    matrix = cv2.getRotationMatrix2D((side / 2, side / 2), rng.uniform(-15, 15), scale)
    matrix[:, 2] += centre - side / 2
    face = cv2.warpAffine(region, matrix, (CANVAS, CANVAS)).astype(np.float32)
    mask = cv2.warpAffine(np.ones(region.shape[:2], np.float32), matrix, (CANVAS, CANVAS))[..., None]
    frame = frame * (1 - mask) + face * mask
    if rng.random() < 0.5:
        frame = frame[:, ::-1]
    frame = (frame - 128) * rng.uniform(0.7, 1.3) + 128 + rng.uniform(-35, 35)
    frame = frame * rng.uniform(0.85, 1.15, 3)
    frame = 255 * (frame.clip(0, 255) / 255) ** rng.uniform(0.7, 1.4)
    sigma = rng.uniform(0, 1.5)
    if sigma > 0.3:
        frame = cv2.GaussianBlur(frame, (0, 0), sigma)
    frame = (frame + rng.normal(0, rng.uniform(0, 8), frame.shape)).clip(0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 95))])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)


def write_crops(out: Path, per_class: int, split: str = "train", seed: int = 0) -> dict[str, int]:
    """``out/<label>/<n>.png`` crops, ``per_class`` of each label; returns label → crops written.
    Frames in which the app's detector finds no face are redrawn (at most 4× over)."""
    backgrounds = _backgrounds(TRAIN_BACKGROUNDS if split == "train" else VAL_BACKGROUNDS)
    rng = np.random.default_rng([seed, 0 if split == "train" else 1])
    written: dict[str, int] = {}
    with FaceDetector("short") as detector:
        for label, photo in photos().items():
            region = _face_region(photo, detector)
            folder = out / label
            folder.mkdir(parents=True, exist_ok=True)
            n = 0
            for _ in range(per_class * 4):
                if n == per_class:
                    break
                frame = variant(region, backgrounds, rng)
                faces = detector.detect(frame)
                if not faces:
                    continue
                face = max(faces, key=lambda d: d.box[2] * d.box[3])
                cv2.imwrite(str(folder / f"{n:04d}.png"), crop_face(frame, face.box, face.keypoints, CROP, MARGIN))
                n += 1
            written[label] = n
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1])
    n_train = int(sys.argv[2]) if len(sys.argv) > 2 else 150
    n_val = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    print("train", write_crops(target / "train", n_train, "train"))
    print("val", write_crops(target / "val", n_val, "val"))
