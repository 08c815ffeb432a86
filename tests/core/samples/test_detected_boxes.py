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


def test_a_detector_used_before_still_detects_the_frame_whole():
    """The window keeps one detector for its saves: a close-up saved first must not leave it looking at the
    whole view only, so that the small faces of a later frame are found (they were dropped as "moved")."""
    from desktop_app.core.media.frame_sources import DemoSource
    from desktop_app.core.media.room_media import table_frame

    close_up = DemoSource(1280, 720).render(0)
    table, seats = table_frame(1280, 720)
    later = close_up.copy()  # the same scene, and three people sat down in the free corners
    corners = [(20, 20), (1100, 20), (1100, 560)]
    placed = []
    for (x, y, w, h), (cx, cy) in zip(seats, corners):
        x, y, w, h = int(x), int(y), int(w), int(h)
        later[cy:cy + h, cx:cx + w] = table[y:y + h, x:x + w]
        placed.append((float(cx), float(cy), float(w), float(h)))
    with FaceDetector() as fresh:
        shown = [d.box for d in fresh.detect(close_up)]
    with FaceDetector() as fresh:
        assert len(fresh.detect(later)) == 4  # a fresh detector finds the newcomers
    with FaceDetector() as detector:
        assert detect_again(detector, close_up, shown)[0] is not None
        again = detect_again(detector, later, placed)
    assert all(d is not None for d in again), again
