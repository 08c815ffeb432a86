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


def _probs(n: int) -> np.ndarray:
    return np.full((n, 2), 0.5, np.float32)


def test_a_face_that_vanishes_for_a_moment_while_moving_keeps_its_id():
    tracker = FaceTracker(smoothing=0.0)
    for i in range(10):  # moving right 12 px a frame
        ids, _ = tracker.update([(100 + 12 * i, 100, 60, 60)], _probs(1))
    for _ in range(8):  # missed for 8 frames while it goes on moving
        tracker.update([], _probs(0))
    ids, _ = tracker.update([(100 + 12 * 18, 104, 60, 60)], _probs(1))  # back, 100 px from where it was lost
    assert ids == [1]


def test_a_face_that_shrinks_fast_keeps_its_id():
    tracker = FaceTracker(smoothing=0.0)
    side = 200.0
    for _ in range(12):  # 12 % smaller each frame, anchored at its top-left: IoU with the last box ~0.77
        ids, _ = tracker.update([(50, 50, side, side)], _probs(1))
        assert ids == [1]
        side *= 0.88
    tracker.update([], _probs(0))
    ids, _ = tracker.update([(50, 50, side * 0.8, side * 0.8)], _probs(1))  # missed once, smaller again
    assert ids == [1]


def test_neighbours_in_a_class_do_not_swap_ids_when_one_is_missed():
    tracker = FaceTracker(smoothing=0.0)
    row = [(x, 300, 50, 50) for x in range(0, 1800, 120)]
    first, _ = tracker.update(row, _probs(len(row)))
    tracker.update(row[:5] + row[6:], _probs(len(row) - 1))  # face 6 missed for one frame
    again, _ = tracker.update(row, _probs(len(row)))
    assert again == first
    far, _ = tracker.update([(900, 900, 50, 50)], _probs(1))  # a face nowhere near any track is new
    assert far == [len(row) + 1]


def test_the_few_faces_path_pairs_exactly_as_the_class_path():
    """One face takes a plain-Python path (numpy's per-call cost is most of a tracker update there);
    it must agree with the vectorised one, pair for pair and in order."""
    rng = np.random.default_rng(0)
    for _ in range(300):
        tracker = FaceTracker(smoothing=0.0)
        old = [tuple(rng.uniform([0, 0, 20, 20], [300, 300, 120, 120])) for _ in range(rng.integers(1, 5))]
        tracker.update(old, _probs(len(old)))
        if rng.random() < 0.3:
            tracker.update([], _probs(0))  # a missed frame widens the gate
        new = [(x + rng.normal(0, 25), y + rng.normal(0, 25), w * rng.uniform(0.6, 1.6), h * rng.uniform(0.6, 1.6))
               for x, y, w, h in old[:rng.integers(1, 5)]]
        assert tracker._few_pairs(new) == tracker._many_pairs(new)


def test_a_face_not_classified_on_a_frame_carries_its_probabilities():
    tracker = FaceTracker(smoothing=0.5)
    boxes = [(0, 0, 50, 50), (200, 0, 50, 50)]
    ids, due = tracker.assign(boxes)
    assert ids == [1, 2] and np.isinf(due).all()  # new faces: never classified
    first = tracker.record(np.arange(2), np.array([[1.0, 0.0], [0.0, 1.0]], np.float32))
    ids, due = tracker.assign([(2, 0, 50, 50), (201, 0, 50, 50), (400, 0, 50, 50)])
    assert ids == [1, 2, 3] and list(due[:2]) == [1, 1] and np.isinf(due[2])
    smoothed = tracker.record(np.array([1, 2]), np.array([[1.0, 0.0], [0.5, 0.5]], np.float32))
    assert smoothed[0] == pytest.approx(first[0])  # face 1 not classified: carried
    assert smoothed[1] == pytest.approx([0.5, 0.5]) and smoothed[2] == pytest.approx([0.5, 0.5])
    assert tracker.raw()[0] == pytest.approx([1.0, 0.0])
    _, due = tracker.assign([(2, 0, 50, 50)])
    assert list(due) == [2]  # two frames since face 1 was last classified
