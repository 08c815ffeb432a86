"""Group mode: a 1080p class of 54 real faces of ~50 px (the astronaut photo, varied) is found by tiling."""
from __future__ import annotations

import math

import numpy as np
import pytest

from desktop_app.core.detection.face_detection import FaceDetector
from desktop_app.core.detection.tiling import ROUNDS, tile_origins
from desktop_app.core.media.demo_media import group_frame
from desktop_app.core.pipeline import ExpressionPipeline
from desktop_app.core.tracking import iou


def _found(boxes, detections) -> int:
    return sum(any(iou(truth, d.box) > 0.3 for d in detections) for truth in boxes)


def _extra(boxes, detections) -> int:
    return sum(not any(iou(truth, d.box) > 0.3 for truth in boxes) for d in detections)


@pytest.fixture(scope="module")
def group():
    with FaceDetector("group") as detector:
        yield detector


def test_tiles_cover_the_frame_with_the_overlap_asked():
    starts = tile_origins(768, 128, 0.25)
    assert starts[0] == 0 and starts[-1] == 768 - 128
    assert all(b - a <= 96 for a, b in zip(starts, starts[1:]))
    assert tile_origins(100, 128, 0.25) == [0]


@pytest.mark.parametrize("seed", [0, 1])
def test_group_mode_finds_nine_in_ten_faces_of_a_class_and_no_duplicates(group, seed):
    frame, boxes = group_frame(seed=seed)
    group.reset()
    detections = group.detect(frame)
    assert _found(boxes, detections) >= 0.9 * len(boxes)
    assert _extra(boxes, detections) == 0  # one box per face: tiles' copies merged, nothing false


def test_the_plain_detectors_miss_that_class():
    """What group mode is for: the short range model, seeing 1080p at 128 px, finds almost nobody."""
    frame, boxes = group_frame(seed=0)
    with FaceDetector("short") as detector:
        assert _found(boxes, detector.detect(frame)) < 0.2 * len(boxes)


def test_video_keeps_every_face_while_tiles_take_turns(group, monkeypatch):
    """Each video frame runs the whole view and one round's share of the tiles (counted at the model's
    one batched invoke), every tile runs within ROUNDS frames, and a new scene runs them all at once."""
    model = group._tiler.model
    batches: list[int] = []
    real_run = model.run

    def counted_run(views):
        batches.append(len(views))
        return real_run(views)

    monkeypatch.setattr(model, "run", counted_run)
    frame, boxes = group_frame(seed=2)
    group.reset()
    rng = np.random.default_rng(0)
    for _ in range(ROUNDS + 2):  # the same room, camera noise: tiles run in turns, all faces stay
        noisy = np.clip(frame.astype(np.int16) + rng.integers(-4, 5, frame.shape), 0, 255).astype(np.uint8)
        assert _found(boxes, group.detect(noisy)) >= 0.9 * len(boxes)
    views = batches[0]  # the first frame: the whole view and every tile
    tiles = views - 1
    assert tiles >= 2 * ROUNDS
    assert all(n <= 1 + math.ceil(tiles / ROUNDS) for n in batches[1:]), batches  # one round's share
    assert sum(n - 1 for n in batches[1:ROUNDS + 1]) == tiles  # every tile once in ROUNDS frames
    other, other_boxes = group_frame(seed=3)  # a new scene: every tile runs at once, no stale face
    detections = group.detect(other)
    assert batches[-1] == views
    assert _found(other_boxes, detections) >= 0.9 * len(other_boxes) and _extra(other_boxes, detections) == 0


def test_group_pipeline_classifies_every_face_in_one_frame():
    frame, boxes = group_frame(seed=0)
    with ExpressionPipeline(detector="group") as pipeline:
        result = pipeline.process(frame)
    assert len(result.faces) >= 0.9 * len(boxes)
    assert len({f.face_id for f in result.faces}) == len(result.faces)
    assert sum(f.label == "happy" for f in result.faces) >= 0.8 * len(result.faces)


def test_group_mode_on_small_and_panoramic_frames(group):
    import cv2
    import skimage.data

    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    panorama = np.full((300, 2000, 3), 60, np.uint8)  # thinner than one tile's worth of rows
    panorama[10:290, 900:1180] = cv2.resize(astronaut[20:300, 120:400], (280, 280))
    group.reset()
    (face,) = group.detect(panorama)
    assert 950 < face.box[0] + face.box[2] / 2 < 1130 and 60 < face.box[1] + face.box[3] / 2 < 240
    group.reset()
    assert group.detect(cv2.resize(astronaut, (6, 6))) == []
    group.reset()
    assert len(group.detect(astronaut)) == 1  # a large face seen by the whole view and cut by tiles: one box
