"""``decode`` and ``weighted_nms`` on raw outputs written by hand, against MediaPipe's decoding rules
restated here (TensorsToDetectionsCalculator: centre = anchor + offset / input size, width and height
from the regressors, keypoints offset from the anchor, score = sigmoid(logit) kept when ≥ min_score;
NonMaxSuppression WEIGHTED). The oracle test compares with MediaPipe on photos at a minimum score of
0.5; these cover what photos at 0.5 do not reach: scores under 0.5, a score exactly at the minimum,
boxes that are not square, a box of negative size, and boxes of no area."""
from __future__ import annotations

import numpy as np

from desktop_app.core.detection.blazeface_decoding import SHORT_RANGE, decode, ssd_anchor_centres, weighted_nms

ANCHORS = ssd_anchor_centres(SHORT_RANGE)
SIZE = SHORT_RANGE.input_size


def raw_outputs(faces: dict[int, tuple[float, float, float, float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """anchor index → (dx, dy, w, h in input pixels, logit); every other anchor far below any threshold."""
    regressors = np.zeros((len(ANCHORS), 16), np.float32)
    logits = np.full(len(ANCHORS), -50.0, np.float32)
    for i, (dx, dy, w, h, logit) in faces.items():
        regressors[i, :4] = dx, dy, w, h
        regressors[i, 4:] = np.arange(12, dtype=np.float32) - 6  # six keypoints around the centre
        logits[i] = logit
    return regressors, logits


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + np.exp(-np.float64(np.float32(x))))


def test_boxes_keypoints_and_scores_follow_mediapipes_rules_below_a_score_of_one_half():
    faces = {100: (4.0, -2.0, 20.0, 40.0, np.log(0.4 / 0.6)), 500: (0.0, 0.0, 30.0, 30.0, 2.0),
             700: (0.0, 0.0, 30.0, 30.0, np.log(0.2 / 0.8))}
    boxes, keypoints, scores = decode(*raw_outputs(faces), ANCHORS, SIZE, min_score=0.3)
    assert len(boxes) == 2  # 0.4 and 0.88 kept at 0.3, 0.2 not
    order = [100, 500]
    for (i, box), kp, score in zip(zip(order, boxes, strict=True), keypoints, scores, strict=True):
        dx, dy, w, h, logit = faces[i]
        cx, cy = ANCHORS[i] + np.array([dx, dy]) / SIZE
        np.testing.assert_allclose(box, [cx - w / SIZE / 2, cy - h / SIZE / 2, cx + w / SIZE / 2, cy + h / SIZE / 2],
                                   atol=1e-6)
        expected = ANCHORS[i] + (np.arange(12, dtype=np.float32) - 6).reshape(6, 2) / SIZE
        np.testing.assert_allclose(kp, expected, atol=1e-6)
        assert abs(score - sigmoid(logit)) < 1e-6
    assert boxes[0, 2] - boxes[0, 0] != boxes[0, 3] - boxes[0, 1]  # 20 × 40 px stays 20 × 40


def test_a_score_exactly_at_the_minimum_is_kept_and_a_box_of_negative_size_is_not():
    at = sigmoid(0.5)
    _, _, scores = decode(*raw_outputs({200: (0.0, 0.0, 16.0, 16.0, 0.5)}), ANCHORS, SIZE, min_score=at)
    assert list(scores) == [np.float32(at)]
    boxes, _, _ = decode(*raw_outputs({200: (0.0, 0.0, -10.0, 16.0, 3.0), 300: (0.0, 0.0, 16.0, -10.0, 3.0),
                                       400: (0.0, 0.0, 0.0, 16.0, 3.0), 600: (0.0, 0.0, 16.0, 0.0, 3.0)}),
                      ANCHORS, SIZE, min_score=0.5)
    assert len(boxes) == 2  # only the zero-width and zero-height ones: empty boxes, not negative ones
    assert boxes[0, 0] == boxes[0, 2] and boxes[1, 1] == boxes[1, 3]


def test_weighted_nms_merges_overlaps_and_keeps_boxes_of_no_area_apart():
    boxes = np.array([[0.1, 0.1, 0.3, 0.3], [0.12, 0.1, 0.32, 0.3], [0.6, 0.6, 0.8, 0.8],
                      [0.5, 0.1, 0.5, 0.1], [0.9, 0.9, 0.9, 0.9]], np.float32)
    keypoints = np.repeat(boxes[:, None, :2], 6, axis=1)
    scores = np.array([0.9, 0.6, 0.7, 0.8, 0.75], np.float32)
    out_boxes, _, out_scores = weighted_nms(boxes, keypoints, scores)
    np.testing.assert_allclose(out_scores, [0.9, 0.8, 0.75, 0.7])  # best first; the 0.6 one absorbed
    np.testing.assert_allclose(out_boxes[0], (0.9 * boxes[0] + 0.6 * boxes[1]) / 1.5, atol=1e-6)
    np.testing.assert_allclose(out_boxes[1:], boxes[[3, 4, 2]])  # the two empty boxes stay two faces
    empty = weighted_nms(boxes[:0], keypoints[:0], scores[:0])
    assert [a.shape for a in empty] == [(0, 4), (0, 6, 2), (0,)]


def test_anchor_centres_are_laid_out_as_ssd_anchors_calculator_lays_them():
    """Short range: strides 8, 16, 16, 16, two anchors per layer; layers of one stride share a grid, their
    anchors interleaved cell by cell: 16×16 cells × 2, then 8×8 cells × 6 (896). Full range: 48×48 × 1.
    Photos at one scale exercise few of these, so the layout is restated here in plain loops."""
    def expected(grids):
        return np.array([((x + 0.5) / cells, (y + 0.5) / cells)
                         for cells, per_cell in grids for y in range(cells) for x in range(cells)
                         for _ in range(per_cell)], np.float32)

    np.testing.assert_array_equal(ANCHORS, expected([(16, 2), (8, 6)]))
    from desktop_app.core.detection.blazeface_decoding import FULL_RANGE

    np.testing.assert_array_equal(ssd_anchor_centres(FULL_RANGE), expected([(48, 1)]))


def test_the_ends_of_min_score_that_the_clis_accept():
    """``--min-score`` takes 0 to 1 inclusive: 0 keeps every anchor, 1 only a logit at the clipping limit."""
    regressors, logits = raw_outputs({100: (0.0, 0.0, 16.0, 16.0, 200.0), 200: (0.0, 0.0, 16.0, 16.0, 5.0)})
    assert len(decode(regressors, logits, ANCHORS, SIZE, min_score=0.0)[2]) == len(ANCHORS)
    assert list(decode(regressors, logits, ANCHORS, SIZE, min_score=1.0)[2]) == [1.0]
