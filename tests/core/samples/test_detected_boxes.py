"""A predicted box is detected again before it is saved (detected_boxes.py): each shown box gets the
detection of the same face, and a box where no face is any more gets none."""
from __future__ import annotations

from desktop_app.core.detection.face_detection import FaceDetector
from desktop_app.core.media.demo_media import four_face_frames
from desktop_app.core.samples.detected_boxes import detect_again
from desktop_app.core.tracking import iou


def test_each_shown_box_gets_the_detection_of_its_own_face():
    frame = four_face_frames(1)[0]
    with FaceDetector() as detector:
        found = detector.detect(frame)
        assert len(found) == 4
        # Shown boxes as a prediction would place them: a few pixels off, in another order, plus one box
        # on the empty background between the faces (a face that left in this frame).
        shown = [(x + 6, y - 4, w, h) for x, y, w, h in (d.box for d in reversed(found))]
        shown.insert(2, (560.0, 330.0, 120.0, 120.0))
        again = detect_again(detector, frame, shown)
    assert again[2] is None
    kept = [d for d in again if d is not None]
    assert [d.box for d in kept] == [d.box for d in reversed(found)]  # each its own face, each once
    assert all(iou(box, d.box) > 0.8 for box, d in zip(shown[:2] + shown[3:], kept))


def test_nothing_found_gives_none_for_every_box():
    frame = four_face_frames(1)[0] * 0  # black: no face
    with FaceDetector() as detector:
        assert detect_again(detector, frame, [(10.0, 10.0, 50.0, 50.0), (100.0, 10.0, 50.0, 50.0)]) == [None, None]
