"""The one crop function: eyes level, square with margin, padded at borders."""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from desktop_app.core.detection.face_crop import LEFT_EYE, RIGHT_EYE, crop_face, crop_transform, eye_angle_degrees
from desktop_app.core.detection.face_detection import FaceDetector
from desktop_app.core.expression.model_spec import load_spec
from desktop_app.core.expression.preprocessing import batch_to_images, prepare_batch
from desktop_app.core.paths import DEFAULT_MODEL


def test_tilted_face_is_levelled(astronaut):
    tilted = cv2.warpAffine(astronaut, cv2.getRotationMatrix2D((256, 256), 20, 1.0), (512, 512))
    with FaceDetector("short") as detector:
        (det,) = detector.detect(tilted)
    assert abs(eye_angle_degrees(det.keypoints)) > 10  # the detector sees the tilt
    matrix = crop_transform(det.box, det.keypoints, 128, 0.2, align=True)
    eyes = cv2.transform(det.keypoints[None, [RIGHT_EYE, LEFT_EYE]], matrix)[0]
    assert abs(eyes[0, 1] - eyes[1, 1]) < 2.0  # same row after alignment
    assert eyes[0, 0] < eyes[1, 0]


def test_crop_is_square_and_padded_at_frame_border(astronaut):
    """Outside the frame the edge pixels are repeated (what the model saw in training), not black bars
    and not a mirror image: the crop equals cropping a frame padded by hand with numpy's "edge" mode."""
    box, size, margin = (-40, -40, 100, 100), 64, 0.2
    crop = crop_face(astronaut, box, None, size, margin, align=False)
    assert crop.shape == (size, size, 3)
    pad = 80  # more than the crop reaches outside the frame (60 px above and left)
    padded = np.pad(astronaut, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    by_hand = crop_face(padded, (box[0] + pad, box[1] + pad, box[2], box[3]), None, size, margin, align=False)
    assert np.abs(crop.astype(int) - by_hand).max() <= 1


def test_crop_frames_the_box_centre_with_the_margin_on_each_side(astronaut):
    """At scale 1 the crop is exactly a slice of the frame: the box's centre, its longer side grown by the
    margin on each side. Keypoints are ignored when not aligning, and used by default."""
    box, margin = (150.0, 120.0, 60.0, 80.0), 0.25  # side 80 × 1.5 = 120 around the centre (180, 160)
    keypoints = np.array([[160.0, 140.0], [200.0, 150.0], [180, 160], [180, 180], [150, 150], [210, 150]])
    crop = crop_face(astronaut, box, keypoints, 120, margin, align=False)
    np.testing.assert_array_equal(crop, astronaut[100:220, 120:240])
    assert eye_angle_degrees(keypoints[:2]) == pytest.approx(np.degrees(np.arctan2(10, 40)))
    assert eye_angle_degrees(keypoints[:1]) == eye_angle_degrees(None) == 0.0
    levelled = crop_face(astronaut, box, keypoints, 120, margin, align=True)
    np.testing.assert_array_equal(crop_face(astronaut, box, keypoints, 120, margin), levelled)
    assert np.abs(levelled.astype(int) - crop).mean() > 5  # the default turns the eyes level


@pytest.mark.parametrize("color, mean, std", [("gray", 0.0, 255.0), ("rgb", 127.5, 127.5), ("bgr", 0.0, 1.0)])
def test_preprocessing_round_trips_to_what_the_model_saw(astronaut, color, mean, std):
    """What the inspector shows (batch_to_images) is the crop as the model received it: resized to the
    input size and recoloured, every pixel within one grey level of doing that by hand."""
    spec = replace(load_spec(DEFAULT_MODEL), color=color, mean=mean, std=std)
    crop = astronaut[80:200, 170:290]
    batch = prepare_batch([crop], spec)
    assert batch.shape == (1, spec.input_height, spec.input_width, spec.channels)
    resized = cv2.resize(crop, (spec.input_width, spec.input_height), interpolation=cv2.INTER_AREA)
    by_hand = {"gray": cv2.cvtColor(cv2.cvtColor(resized, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR),
               "rgb": resized, "bgr": resized}[color]
    np.testing.assert_allclose(batch.min(), (by_hand.min() - mean) / std, atol=1e-5)
    seen = batch_to_images(batch, spec)
    assert seen.shape == (1, spec.input_height, spec.input_width, 3) and seen.dtype == np.uint8
    assert np.abs(seen[0].astype(int) - by_hand).max() <= 1
    if color == "rgb":  # the channel order survives the trip: the crop's blue stays blue
        assert seen[0][..., 0].mean() == pytest.approx(resized[..., 0].mean(), abs=0.5)


@pytest.mark.parametrize("color", ["gray", "rgb", "bgr"])
def test_prepare_batch_normalises_exactly_as_the_spec_says(astronaut, color):
    """The table lookup gives (pixel − mean) / std in float32 to the last bit, for any mean and std."""
    spec = replace(load_spec(DEFAULT_MODEL), color=color, mean=0.3, std=1.7)
    crops = [cv2.resize(astronaut[80:200, 170:290], (spec.input_width, spec.input_height)), astronaut[0:50, 0:70]]
    batch = prepare_batch(crops, spec)
    for crop, got in zip(crops, batch):
        crop = cv2.resize(crop, (spec.input_width, spec.input_height), interpolation=cv2.INTER_AREA)
        pixels = {"gray": cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)[..., None], "rgb": crop[..., ::-1], "bgr": crop}[color]
        assert np.array_equal(got, (pixels.astype(np.float32) - np.float32(0.3)) / np.float32(1.7))
