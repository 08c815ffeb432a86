"""Named face-geometry features from the 468 MediaPipe landmarks, comparable across faces and framings.

Every distance is divided by the inter-ocular distance (between the two eye centres) and measured in
the face's own frame: origin midway between the eyes, x along the eye line (roll removed), y up the
face. So the same face at two sizes, or tilted, gives the same numbers. "Right" and "left" are the
subject's: the right eye is on the image's left in an unmirrored photo.

Iris: the 468-point model has no iris points (MediaPipe's 478-point variant adds ten from a separate
iris model, which is not bundled). ``iris_*`` is therefore estimated from pixels: the darkness-weighted
centroid inside each eye's landmark contour, projected on the eye's corner-to-corner line, -1 at the
image-left corner, +1 at the image-right corner, 0 centred. It is NaN when no image is given or the eye
is too small (a closed eye, a tiny face), and it is rougher than the landmark features.
"""
from __future__ import annotations

import math
from dataclasses import astuple, dataclass, fields

import cv2
import numpy as np

# MediaPipe face mesh indices (canonical_face_model_uv_visualization).
RIGHT_EYE_CONTOUR = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
LEFT_EYE_CONTOUR = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
RIGHT_EYE_CORNERS, LEFT_EYE_CORNERS = (33, 133), (362, 263)  # image-left corner first
RIGHT_LIDS = ((159, 145), (158, 153), (160, 144))  # (upper, lower) pairs
LEFT_LIDS = ((386, 374), (385, 380), (387, 373))
RIGHT_BROW = (70, 63, 105, 66, 107)
LEFT_BROW = (300, 293, 334, 296, 336)
RIGHT_BROW_INNER, LEFT_BROW_INNER = (107, 55), (336, 285)
MOUTH_RIGHT, MOUTH_LEFT = 61, 291
LIP_UPPER_INNER, LIP_LOWER_INNER = 13, 14
MIN_EYE_PIXELS = 12


@dataclass(frozen=True)
class FaceGeometry:
    eye_open_right: float   # lid gap / inter-ocular distance
    eye_open_left: float
    brow_raise_right: float  # brow above the eye centre / IOD
    brow_raise_left: float
    brow_distance: float     # between the inner brow ends / IOD (small: frowning)
    mouth_width: float       # corner to corner / IOD
    mouth_open: float        # inner lips apart / IOD
    mouth_corner_lift: float  # corners above the lips' meeting point / IOD: + smile, - frown
    iris_right: float        # -1 image-left corner … +1 image-right corner; NaN without pixels
    iris_left: float
    roll_degrees: float      # the eye line's angle in the image (what was corrected)
    interocular_px: float    # the scale divided out, in image pixels

    def as_dict(self) -> dict[str, float]:
        return {f.name: float(v) for f, v in zip(fields(self), astuple(self))}

    def vector(self, names: tuple[str, ...]) -> np.ndarray:
        """The named features in that order, as float32 (for a table or a model)."""
        return np.array([getattr(self, name) for name in names], np.float32)


FEATURES = tuple(f.name for f in fields(FaceGeometry))
EXPRESSION_FEATURES = FEATURES[:10]  # those that describe the expression, not the framing


def face_frame(xy: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Landmarks (468, 2) in image pixels → (468, 2) in the face frame (IOD = 1, x along the eyes,
    y up), the roll angle in degrees and the inter-ocular distance in pixels."""
    right_eye = xy[list(RIGHT_EYE_CONTOUR)].mean(0)
    left_eye = xy[list(LEFT_EYE_CONTOUR)].mean(0)
    axis = left_eye - right_eye  # image-left eye → image-right eye in an upright unmirrored face
    iod = float(np.hypot(*axis))
    if iod < 1e-6:
        raise ValueError("degenerate landmarks: both eyes at the same place")
    ux = axis / iod
    uy = np.array([ux[1], -ux[0]])  # perpendicular, pointing up the face (image y grows downwards)
    centred = xy - (right_eye + left_eye) / 2.0
    return np.column_stack([centred @ ux, centred @ uy]) / iod, math.degrees(math.atan2(ux[1], ux[0])), iod


def iris_offset(gray: np.ndarray, xy: np.ndarray, contour: tuple[int, ...], corners: tuple[int, int]) -> float:
    """Darkness-weighted centroid inside one eye's contour, on its corner line (-1 … +1); NaN if unsure."""
    polygon = np.round(xy[list(contour)]).astype(np.int32)
    x0, y0 = np.maximum(polygon.min(0), 0)
    x1, y1 = np.minimum(polygon.max(0) + 1, [gray.shape[1], gray.shape[0]])
    if x1 - x0 < 3 or y1 - y0 < 2:
        return float("nan")
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(mask, [polygon - [x0, y0]], 1)
    patch = gray[y0:y1, x0:x1].astype(np.float32)
    inside = patch[mask > 0]
    if inside.size < MIN_EYE_PIXELS:
        return float("nan")
    weight = np.clip(np.percentile(inside, 40) - patch, 0, None) * mask
    if weight.sum() <= 0:
        return float("nan")
    yy, xx = np.mgrid[y0:y1, x0:x1]
    centre = np.array([(xx * weight).sum(), (yy * weight).sum()]) / weight.sum()
    a, b = xy[corners[0]], xy[corners[1]]
    half = np.hypot(*(b - a)) / 2.0
    axis = (b - a) / max(2.0 * half, 1e-6)
    return float(np.clip(np.dot(centre - (a + b) / 2.0, axis) / max(half, 1e-6), -1.5, 1.5))


def face_geometry(points: np.ndarray, image_bgr: np.ndarray | None = None) -> FaceGeometry:
    """Features of one face from its landmarks ((468, 2) or (468, 3), image pixels); ``image_bgr`` (the
    image the points are in) is only needed for the iris estimate."""
    xy = np.asarray(points, np.float64)[:, :2]
    f, roll, iod = face_frame(xy)

    def lid_gap(pairs):
        return float(np.mean([f[u, 1] - f[lo, 1] for u, lo in pairs]))

    def brow_raise(brow, contour):
        return float(f[list(brow), 1].mean() - f[list(contour), 1].mean())

    corners_y = (f[MOUTH_RIGHT, 1] + f[MOUTH_LEFT, 1]) / 2.0
    lips_y = (f[LIP_UPPER_INNER, 1] + f[LIP_LOWER_INNER, 1]) / 2.0
    iris_r = iris_l = float("nan")
    if image_bgr is not None:
        gray = image_bgr if image_bgr.ndim == 2 else cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
        iris_r = iris_offset(gray, xy, RIGHT_EYE_CONTOUR, RIGHT_EYE_CORNERS)
        iris_l = iris_offset(gray, xy, LEFT_EYE_CONTOUR, LEFT_EYE_CORNERS)
    return FaceGeometry(
        eye_open_right=lid_gap(RIGHT_LIDS), eye_open_left=lid_gap(LEFT_LIDS),
        brow_raise_right=brow_raise(RIGHT_BROW, RIGHT_EYE_CONTOUR),
        brow_raise_left=brow_raise(LEFT_BROW, LEFT_EYE_CONTOUR),
        brow_distance=float(np.hypot(*(f[list(RIGHT_BROW_INNER)].mean(0) - f[list(LEFT_BROW_INNER)].mean(0)))),
        mouth_width=float(np.hypot(*(f[MOUTH_RIGHT] - f[MOUTH_LEFT]))),
        mouth_open=float(f[LIP_UPPER_INNER, 1] - f[LIP_LOWER_INNER, 1]),
        mouth_corner_lift=float(corners_y - lips_y),
        iris_right=iris_r, iris_left=iris_l, roll_degrees=roll, interocular_px=iod)


def describe(g: FaceGeometry) -> list[str]:
    """A few words a student can read beside the model's probabilities. The thresholds are rough
    guides read off real photos (skimage's LFW faces: corner lift median 0.02, 90th percentile 0.06;
    the smiling astronaut 0.13), not a classifier."""
    words = []
    if g.mouth_corner_lift > 0.06:
        words.append("mouth corners up")
    elif g.mouth_corner_lift < -0.03:
        words.append("mouth corners down")
    if g.mouth_open > 0.10:
        words.append("mouth open")
    if min(g.eye_open_right, g.eye_open_left) > 0.20:
        words.append("eyes wide")
    elif max(g.eye_open_right, g.eye_open_left) < 0.05:
        words.append("eyes closed")
    if min(g.brow_raise_right, g.brow_raise_left) > 0.42:
        words.append("brows raised")
    if g.brow_distance < 0.40:
        words.append("brows drawn together")
    return words


def reading(g: FaceGeometry, model_label: str) -> str:
    """What the face does next to what the model says, e.g. "mouth corners up; the model says sad"."""
    return f"{', '.join(describe(g)) or 'nothing marked'}; the model says {model_label}"


def feature_line(g: FaceGeometry) -> str:
    """The numbers behind ``describe``, short enough for one line under the probabilities."""
    return (f"eyes {g.eye_open_right:.2f}/{g.eye_open_left:.2f}, brows {g.brow_raise_right:.2f}/"
            f"{g.brow_raise_left:.2f} apart {g.brow_distance:.2f}, mouth width {g.mouth_width:.2f} "
            f"open {g.mouth_open:.2f}, corner lift {g.mouth_corner_lift:+.3f}, iris "
            f"{g.iris_right:+.2f}/{g.iris_left:+.2f} (right/left; ÷ eye distance, roll {g.roll_degrees:.0f}°)")
