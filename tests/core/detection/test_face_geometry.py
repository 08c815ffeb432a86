"""Face landmarks (LiteRT, bundled face_landmark.tflite) and the geometry features, on real photos."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage.data import astronaut

from desktop_app.core.detection.face_detection import FaceDetector
from desktop_app.core.detection.face_geometry import (
    EXPRESSION_FEATURES,
    LEFT_EYE_CORNERS,
    RIGHT_EYE_CONTOUR,
    RIGHT_EYE_CORNERS,
    describe,
    face_geometry,
    iris_offset,
)
from desktop_app.core.detection.face_landmarks import FaceLandmarker
from desktop_app.core.detection.landmark_model import NUM_LANDMARKS

SHAPE_FEATURES = EXPRESSION_FEATURES[:8]  # the landmark features (iris is read from pixels)


@pytest.fixture(scope="module")
def models():
    with FaceDetector("full") as detector, FaceLandmarker() as landmarker:
        yield detector, landmarker


def photo(scale: float = 1.0, angle: float = 0.0, mirror: bool = False) -> np.ndarray:
    image = np.ascontiguousarray(astronaut()[:, :, ::-1])
    if mirror:
        image = np.ascontiguousarray(image[:, ::-1])
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def landmarks_of(models, image):
    detector, landmarker = models
    faces = detector.detect(image)
    assert faces, "the detector finds the astronaut"
    face = max(faces, key=lambda d: d.box[2] * d.box[3])
    return face, landmarker.in_frame(image, face.box, face.keypoints)


def test_landmarks_land_on_the_face_in_frame_pixels(models):
    image = photo()
    face, marks = landmarks_of(models, image)
    assert marks.points.shape == (NUM_LANDMARKS, 3) and marks.is_face and marks.presence > 0.9
    x, y, w, h = face.box
    inside = ((marks.xy[:, 0] > x - 0.3 * w) & (marks.xy[:, 0] < x + 1.3 * w)
              & (marks.xy[:, 1] > y - 0.3 * h) & (marks.xy[:, 1] < y + 1.3 * h))
    assert inside.all()
    # the eye corners bracket the detector's eye keypoints (right eye first: the image-left one)
    for corners, keypoint in ((RIGHT_EYE_CORNERS, face.keypoints[0]), (LEFT_EYE_CORNERS, face.keypoints[1])):
        centre = marks.xy[list(corners)].mean(0)
        assert np.hypot(*(centre - keypoint)) < 0.15 * w


def test_crop_landmarks_match_frame_landmarks_and_no_face_is_reported(models):
    _, landmarker = models
    image = photo()
    face, in_frame = landmarks_of(models, image)
    x, y, w, h = (int(v) for v in face.box)
    side = int(max(w, h) * 1.5)
    x0, y0 = x + w // 2 - side // 2, y + h // 2 - side // 2
    in_crop = landmarker.in_crop(image[y0:y0 + side, x0:x0 + side])
    assert in_crop.is_face
    assert np.median(np.hypot(*(in_crop.xy + [x0, y0] - in_frame.xy).T)) < 0.03 * side
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 3), np.uint8)
    assert landmarker.in_crop(noise).presence < 0.5


def test_geometry_is_exactly_invariant_to_scale_roll_and_position(models):
    _, marks = landmarks_of(models, photo())
    base = face_geometry(marks.points)
    angle = np.radians(25.0)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    moved = face_geometry(marks.xy @ rot.T * 0.37 + [40.0, -12.0])
    for name in SHAPE_FEATURES:
        assert getattr(moved, name) == pytest.approx(getattr(base, name), abs=1e-9)
    assert moved.interocular_px == pytest.approx(base.interocular_px * 0.37)
    assert moved.roll_degrees == pytest.approx(base.roll_degrees + 25.0)


def test_one_face_at_two_sizes_and_tilted_gives_the_same_numbers(models):
    reference = face_geometry(landmarks_of(models, photo())[1].points)
    for scale, angle in ((0.6, 15.0), (1.4, -10.0)):
        other = face_geometry(landmarks_of(models, photo(scale, angle))[1].points)
        assert other.interocular_px == pytest.approx(reference.interocular_px * scale, rel=0.05)
        for name in SHAPE_FEATURES:
            assert getattr(other, name) == pytest.approx(getattr(reference, name), abs=0.05), name


def test_the_astronauts_smile_and_mirror_symmetry(models):
    g = face_geometry(landmarks_of(models, photo())[1].points)
    assert g.mouth_corner_lift > 0.05 and g.mouth_open > 0.05  # she smiles, teeth showing
    assert 0.05 < g.eye_open_right < 0.25 and 0.2 < g.brow_raise_left < 0.5 and 0.8 < g.mouth_width < 1.3
    mirrored = face_geometry(landmarks_of(models, photo(mirror=True))[1].points)
    assert mirrored.eye_open_right == pytest.approx(g.eye_open_left, abs=0.05)
    assert mirrored.brow_raise_left == pytest.approx(g.brow_raise_right, abs=0.05)


def test_iris_follows_a_dark_disc_along_the_eye(models):
    image = photo()
    _, marks = landmarks_of(models, image)
    assert np.isnan(face_geometry(marks.points).iris_right)  # no pixels, no iris
    a, b = marks.xy[RIGHT_EYE_CORNERS[0]], marks.xy[RIGHT_EYE_CORNERS[1]]
    radius = max(2, int(np.hypot(*(b - a)) / 6))
    offsets = []
    for t in (0.25, 0.75):  # paint a pupil a quarter and three quarters of the way along the eye
        painted = image.copy()
        centre = a + t * (b - a)
        cv2.circle(painted, (int(round(centre[0])), int(round(centre[1]))), radius, (0, 0, 0), -1)
        offsets.append(iris_offset(cv2.cvtColor(painted, cv2.COLOR_BGR2GRAY), marks.xy.astype(np.float64),
                                   RIGHT_EYE_CONTOUR,
                                   RIGHT_EYE_CORNERS))
    assert offsets[0] < -0.2 and offsets[1] > 0.2
    g = face_geometry(marks.points, image)
    assert -1.0 <= g.iris_right <= 1.0 and -1.0 <= g.iris_left <= 1.0


def test_description_of_the_smiling_astronaut(models):
    words = describe(face_geometry(landmarks_of(models, photo())[1].points))
    assert "mouth corners up" in words and "mouth open" in words
    assert "mouth corners down" not in words and "eyes closed" not in words
