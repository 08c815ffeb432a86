"""Group mode and the default (auto): a 1080p class of 54 real faces of ~50 px (the astronaut photo,
varied, or a group photo of six tiled 3×3) is found by tiling; the default also finds a table of six at
720p and 1080p and a close face, and follows a scene from one face to a room and back."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR, FaceDetector
from desktop_app.core.detection.room_scan import PROBE_EVERY, PROBE_ROUNDS, ROOM_LINGER
from desktop_app.core.detection.tiling import ROUNDS, tile_origins
from desktop_app.core.media.demo_media import group_frame
from desktop_app.core.media.room_media import table_frame, tiled_group_frame
from desktop_app.core.paths import DEMO_FACE
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


# The default detector (auto): no choice to make for a close face, a table or a class.

@pytest.fixture(scope="module")
def default():
    with FaceDetector() as detector:
        assert detector.kind == DEFAULT_DETECTOR == "auto"
        yield detector


@pytest.mark.parametrize(("width", "height", "seed"), [(1280, 720, 0), (1280, 720, 5), (1920, 1080, 0),
                                                       (1920, 1080, 3)])
def test_the_default_finds_a_table_of_six(default, width, height, seed):
    frame, boxes = table_frame(width, height, seed=seed)
    default.reset()
    detections = default.detect(frame)
    assert _found(boxes, detections) == 6 and _extra(boxes, detections) == 0
    assert default.activity.startswith("auto: room")


@pytest.mark.parametrize("make", [lambda: group_frame(seed=0), lambda: tiled_group_frame(seed=0),
                                  lambda: tiled_group_frame(seed=1)], ids=["class", "tiled photo", "tiled photo 2"])
def test_the_default_finds_nine_in_ten_faces_of_a_class(default, make):
    frame, boxes = make()
    default.reset()
    detections = default.detect(frame)
    assert _found(boxes, detections) >= 0.9 * len(boxes) and _extra(boxes, detections) == 0


def test_the_default_finds_a_close_face_with_the_whole_view_alone(default, astronaut):
    default.reset()
    assert len(default.detect(astronaut)) == 1  # the first frame scans every tile too: still one box
    for _ in range(PROBE_EVERY * PROBE_ROUNDS):  # a steady close-up: whole view, tiles only in probes
        (face,) = default.detect(astronaut)
        assert 150 < face.box[0] + face.box[2] / 2 < 300
    assert default.activity.startswith("auto: close-up")


def test_the_default_follows_the_scene_from_a_face_to_a_room_and_back(default, astronaut):
    rng = np.random.default_rng(0)

    def noisy(image):
        return np.clip(image.astype(np.int16) + rng.integers(-4, 5, image.shape), 0, 255).astype(np.uint8)

    close = cv2.resize(astronaut, (1920, 1080))
    room, boxes = group_frame(seed=4)
    default.reset()
    for _ in range(10):
        assert len(default.detect(noisy(close))) == 1
    # A cut to the class: found on its first frame (a scene cut rescans every tile), kept while tiles
    # take turns.
    for _ in range(2 * ROOM_LINGER):
        detections = default.detect(noisy(room))
        assert _found(boxes, detections) >= 0.9 * len(boxes) and _extra(boxes, detections) == 0
        assert default.activity.startswith("auto: room")
    # Back to one face: tiles stop after ROOM_LINGER frames without a face only they see.
    for _ in range(ROOM_LINGER + 2):
        assert len(default.detect(noisy(close))) == 1
    assert default.activity.startswith("auto: close-up")


def test_a_room_that_fills_in_without_a_cut_is_found_by_the_probes(default, astronaut):
    """No scene cut (the same frame, people sit down one by one): the probes find them within a sweep."""
    frame, boxes = group_frame(seed=5)
    empty = cv2.resize(cv2.imread(str(DEMO_FACE))[330:, :], (1920, 1080))
    default.reset()
    assert default.detect(empty) == []
    partial = empty.copy()
    first = boxes[:3]
    for x, y, w, h in first:  # three people appear: a small change, no cut
        x0, y0, x1, y1 = int(x - w / 2), int(y - h / 2), int(x + 1.5 * w), int(y + 1.5 * h)
        partial[y0:y1, x0:x1] = frame[y0:y1, x0:x1]
    seen = [_found(first, default.detect(partial)) for _ in range(PROBE_EVERY * PROBE_ROUNDS + PROBE_EVERY)]
    assert seen[-1] == 3 and default.activity.startswith("auto: room")


def test_the_default_on_frames_too_small_for_tiles(default, astronaut):
    """A frame no larger than one tile has no tiles: the whole view alone, on probe frames too."""
    small = cv2.resize(astronaut, (300, 300))
    default.reset()
    counts = [len(default.detect(small)) for _ in range(2 * PROBE_EVERY)]
    assert counts == [1] * len(counts)
    assert default.detect(cv2.resize(astronaut, (6, 6))) == []
