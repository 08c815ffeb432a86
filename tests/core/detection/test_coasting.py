"""The default on a steady video (coasting.py): every other frame's faces are predicted from the last
two detections, about as close to the real face as a detection of that frame, and never across a
cut, a seek, a still image, a crowd, or with a named detector."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from desktop_app.core.detection.face_detection import FaceDetector
from desktop_app.core.media.demo_media import group_frame
from desktop_app.core.media.frame_sources import DemoSource, Frame, ImageSource
from desktop_app.core.media.room_media import table_frame
from desktop_app.core.pipeline import ExpressionPipeline
from desktop_app.core.tracking import iou

COUNT = 150


def _face_in_photo() -> tuple[float, float, float, float]:
    """The astronaut's face box as a fraction of the demo's photo, found by ``short`` on a large copy."""
    big = DemoSource(800, 800)
    with FaceDetector("short") as short:
        (face,) = short.detect(big.render(0))
    x, y, side = big.placement(0)
    return (face.box[0] - x) / side, (face.box[1] - y) / side, face.box[2] / side, face.box[3] / side


@pytest.fixture(scope="module")
def moving():
    """The demo at 640×360 moving three times as fast as in the window (fps=10 renders 0.1 s a frame),
    its frames and the face's true box on each."""
    fx, fy, fw, fh = _face_in_photo()
    source = DemoSource(640, 360, fps=10.0, frames=COUNT)
    frames = [frame.image for frame in source]
    truth = [(x + fx * side, y + fy * side, fw * side, fh * side) for x, y, side in map(source.placement, range(COUNT))]
    return frames, truth


def _run(frames, indexed: bool, kind: str = "auto", coast: bool = True):
    """Each frame's detections and whether they were predicted (``coast`` False: the same video detected on
    every frame)."""
    found, predicted = [], []
    with FaceDetector(kind) as detector:
        detector.coast = coast
        for i, frame in enumerate(frames):
            found.append(detector.detect(frame, i if indexed else None))
            predicted.append(detector.predicted)
    return found, predicted


def test_a_steady_video_skips_the_detector_on_every_other_frame(moving):
    frames, _ = moving
    found, predicted = _run(frames, indexed=True)
    assert sum(predicted) >= 0.3 * COUNT
    assert not any(a and b for a, b in zip(predicted, predicted[1:]))  # the frame after a prediction detects
    assert all(len(faces) == 1 for faces, p in zip(found, predicted) if p)
    with FaceDetector() as detector:  # the status line says so while it lasts
        said = []
        for i, frame in enumerate(frames):
            detector.detect(frame, i)
            said.append(detector.activity.endswith(", every 2nd frame"))
        assert sum(said) >= 2 * sum(predicted) - 10
        detector.detect(frames[0])  # a still
        detector.detect(frames[1])
        assert not detector.activity.endswith(", every 2nd frame")


def test_predicted_boxes_are_about_as_close_to_the_face_as_detections(moving):
    frames, truth = moving
    found, predicted = _run(frames, indexed=True)
    every, _ = _run(frames, indexed=True, coast=False)  # the same detector on the same video, detecting every frame
    both = [i for i in range(COUNT) if predicted[i] and every[i]]
    ours = np.array([iou(found[i][0].box, truth[i]) for i in both])
    detected = np.array([iou(every[i][0].box, truth[i]) for i in both])
    # Measured 0.89 against 0.91 (holding the last box instead of extrapolating: 0.87; docs/detection.md).
    assert np.median(ours) >= np.median(detected) - 0.04
    assert np.percentile(ours, 10) >= np.percentile(detected, 10) - 0.08
    # Keypoints move with the box: the eyes stay within a tenth of the face of where detection puts them.
    errors = [np.linalg.norm(found[i][0].keypoints[:2] - every[i][0].keypoints[:2], axis=1).max() / every[i][0].box[2]
              for i in both]
    assert np.median(errors) < 0.1


def test_stills_named_detectors_seeks_and_crowds_are_always_detected(moving):
    frames, _ = moving
    assert not any(_run(frames[:12], indexed=False)[1])  # no frame index: a still image
    assert not any(_run(frames[:12], indexed=True, kind="short")[1])
    with FaceDetector() as detector:
        predicted = []
        for i in [*range(8), 60, 61]:  # a seek from frame 7 to 60
            detector.detect(frames[i], i)
            predicted.append(detector.predicted)
        assert any(predicted[:8]) and predicted[8:] == [False, False]
        table, _ = table_frame(1280, 720)
        detector.reset()
        counts = []
        for i in range(8):  # six faces: more than a few, so tiling's own schedule, no prediction
            counts.append(len(detector.detect(table, i)))
            assert not detector.predicted
        assert counts[-1] == 6


def _first_predicted(frames) -> int:
    """The index of the first frame the default predicts, on a fresh detector."""
    _, predicted = _run(frames, indexed=True)
    return predicted.index(True, 3)


def test_a_looping_video_is_followed_again_after_it_starts_over(moving):
    """A file on loop goes back to frame 0 without a reset: the frames after the loop are predicted too."""
    frames, _ = moving
    with FaceDetector() as detector:
        rounds = []
        for _ in range(2):
            predicted = []
            for i in range(24):
                detector.detect(frames[i], i)
                predicted.append(detector.predicted)
            rounds.append(sum(predicted))
    assert rounds[0] >= 6 and rounds[1] >= rounds[0] - 1


def test_a_cut_to_a_class_is_detected_on_the_frame_that_would_be_predicted(moving):
    frames, _ = moving
    room, boxes = group_frame(seed=2)
    cut = _first_predicted(frames)
    with FaceDetector() as detector:
        for i in range(cut):
            detector.detect(frames[i], i)
        found = detector.detect(room, cut)
        assert not detector.predicted
        assert sum(any(iou(b, f.box) > 0.3 for f in found) for b in boxes) >= 0.9 * len(boxes)


def test_a_face_that_jumps_is_shown_in_its_old_place_for_one_frame_at_most(moving):
    frames, truth = moving
    jump = _first_predicted(frames)
    with FaceDetector() as detector:
        for i in range(jump):
            detector.detect(frames[i], i)
        after = [detector.detect(cv2.flip(frames[jump + k], 1), jump + k) for k in range(3)]  # to the other side
        for k in (1, 2):  # the frame after the jump detects it in its new place, and so does the next
            x, y, w, h = truth[jump + k]
            assert iou(after[k][0].box, (640 - x - w, y, w, h)) > 0.5


def test_photos_of_a_folder_are_each_detected(tmp_path):
    """A folder of photos is not a video: the pipeline detects each photo, even when they differ little."""
    demo = DemoSource(640, 360)
    truth = []
    for index in range(8):  # a burst: as a video these would be followed, not detected
        cv2.imwrite(str(tmp_path / f"{index}.png"), demo.render(index))
        truth.append(demo.placement(index))
    with ExpressionPipeline() as pipeline:
        for frame, (x, y, side) in zip(ImageSource([tmp_path]), truth):
            assert frame.still
            result = pipeline.process(frame)
            assert not pipeline.detector.predicted
            (face,) = result.faces
            centre = (face.box[0] + face.box[2] / 2, face.box[1] + face.box[3] / 2)
            assert x < centre[0] < x + side and y < centre[1] < y + side


def test_the_pipeline_marks_predicted_faces(moving):
    """A result says which faces were predicted (the inspector tells the student), and only on a video."""
    frames, _ = moving
    with ExpressionPipeline() as pipeline:
        marks = [[f.predicted for f in pipeline.process(Frame(i, i / 30, image)).faces] for i, image in
                 enumerate(frames[:20])]
        stills = [[f.predicted for f in pipeline.process(image).faces] for image in frames[:6]]
    assert [True] in marks and [False] in marks
    assert not any(any(m) for m in stills)
