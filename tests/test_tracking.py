"""Tracking: ids by IoU, smoothing per track. Pure logic, no models."""
import numpy as np
import pytest

from desktop_app.core.tracking import FaceTracker, iou


def test_iou():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (20, 20, 5, 5)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_ids_stay_with_moving_boxes_and_new_faces_get_new_ids():
    tracker = FaceTracker(smoothing=0.0)
    p = np.eye(2, dtype=np.float32)
    ids, _ = tracker.update([(0, 0, 50, 50), (200, 0, 50, 50)], p)
    assert ids == [1, 2]
    ids, _ = tracker.update([(205, 2, 50, 50), (3, 1, 50, 50)], p)  # order swapped, moved a bit
    assert ids == [2, 1]
    ids, _ = tracker.update([(400, 400, 50, 50)], p[:1])
    assert ids == [3]


def test_smoothing_blends_with_the_past_and_zero_turns_it_off():
    tracker = FaceTracker(smoothing=0.5)
    box = [(0, 0, 50, 50)]
    tracker.update(box, np.array([[1.0, 0.0]], np.float32))
    _, smoothed = tracker.update(box, np.array([[0.0, 1.0]], np.float32))
    assert smoothed[0] == pytest.approx([0.5, 0.5])
    raw = FaceTracker(smoothing=0.0)
    raw.update(box, np.array([[1.0, 0.0]], np.float32))
    _, same = raw.update(box, np.array([[0.0, 1.0]], np.float32))
    assert same[0] == pytest.approx([0.0, 1.0])


def test_lost_tracks_expire():
    tracker = FaceTracker(max_missing=1)
    p = np.ones((1, 2), np.float32) / 2
    tracker.update([(0, 0, 10, 10)], p)
    tracker.update([], p[:0])
    tracker.update([], p[:0])
    ids, _ = tracker.update([(0, 0, 10, 10)], p)
    assert ids == [2]
