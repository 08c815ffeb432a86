"""Face labels a room can read (issue 19): on the real class and table scenes, with the faces the real
BlazeFace finds in LiteRT, no two labels overlap, each touches its own face and no other face is as near,
and a frame too crowded to label every face says how many it left out. No Qt: the window's own text sizes
are restated below from presentation mode at 1920×1080."""
from __future__ import annotations

import itertools
import re

import cv2
import numpy as np
import pytest

from desktop_app.core.annotate import draw_results, text_size
from desktop_app.core.detection.face_detection import FaceDetector
from desktop_app.core.label_placement import (
    HIDDEN,
    LABEL_GAP,
    OWNER_MARGIN,
    LabelLayout,
    label_texts,
    layout_labels,
    overlaps,
    place_labels,
    rect_gap,
)
from desktop_app.core.media.demo_media import group_frame
from desktop_app.core.media.room_media import table_frame
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import ExpressionPipeline

# Presentation mode at 1920×1080 (desktop_app/ui/presentation.py): the video gets 55 % of the width and a
# label is a bold word of a 45-px em, 57 px high with its margins (33+ px for the word itself).
VIDEO_PX = 0.55 * 1920
LABEL_PX = 57.0


def presentation_size(frame_width: int):
    """A text's size in image units as presentation mode shows it: OpenCV's Hershey Duplex at the label's
    height, about as wide as the window's bold sans-serif."""
    units = frame_width / VIDEO_PX
    scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_DUPLEX, int(LABEL_PX * 0.6), 3)

    def size(text: str) -> tuple[float, float]:
        (w, _h), _baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, 3)
        return (w + 4) * units, LABEL_PX * units

    return size


def assert_readable(layout: LabelLayout, boxes, texts, measure, bounds) -> list[tuple[float, float, float, float]]:
    """The rules of ``label_placement``: returns the placed labels' rectangles."""
    rects = []
    for i, place in enumerate(layout.placements):
        if place.variant == HIDDEN:
            continue
        rect = (place.x, place.y, *measure(texts[i][place.variant]))
        assert 0 <= rect[0] and 0 <= rect[1] and rect[0] + rect[2] <= bounds[0] and rect[1] + rect[3] <= bounds[1]
        assert rect_gap(rect, boxes[i]) == 0.0, (i, rect, boxes[i])  # touches its own face
        nearest_other = min((rect_gap(rect, b) for j, b in enumerate(boxes) if j != i), default=np.inf)
        assert nearest_other > OWNER_MARGIN * rect[3], (i, rect, nearest_other)  # no other face as near
        rects.append(rect)
    if layout.note is not None:
        rects.append(layout.note_rect)
    for a, b in itertools.combinations(rects, 2):
        assert not overlaps(a, b), (a, b)
    hidden = sum(p.variant == HIDDEN for p in layout.placements)
    if hidden:
        assert layout.note is not None and re.fullmatch(rf"\+{hidden}( faces unlabelled.*)?", layout.note), layout.note
    else:
        assert layout.note is None
    return rects


@pytest.fixture(scope="module")
def detector():
    with FaceDetector() as detector:  # the default (auto), as the window and analyze use it
        yield detector


def detected(detector, frame) -> list[tuple[float, float, float, float]]:
    detector.reset()
    return [tuple(float(v) for v in d.box) for d in detector.detect(frame)]


@pytest.mark.parametrize(("scene", "make"), [
    ("class of 54, 1920×1080", lambda: group_frame(seed=0)[0]),
    ("table of six, 1920×1080", lambda: table_frame(1920, 1080, seed=3)[0]),
    ("table of six, 1280×720", lambda: table_frame(1280, 720, seed=0)[0]),
])
def test_presentation_labels_on_real_rooms_are_readable(detector, scene, make):
    frame = make()
    boxes = detected(detector, frame)
    bounds = (frame.shape[1], frame.shape[0])
    texts = [label_texts(i + 1, "surprise", 0.87) for i in range(len(boxes))]  # the widest word of the seven
    measure = presentation_size(frame.shape[1])
    largest = int(np.argmax([w * h for _x, _y, w, h in boxes]))
    layout = layout_labels(boxes, texts, measure, bounds, first=largest)
    rects = assert_readable(layout, boxes, texts, measure, bounds)
    assert layout.placements[largest].variant != HIDDEN  # the selected face is labelled
    if len(boxes) <= 6:
        assert len(boxes) == 6 and layout.note is None  # a table: every face labelled
    else:
        assert len(boxes) >= 49 and layout.unlabelled < len(boxes) - 10  # a class: many labelled, the rest counted
        assert len(rects) >= 11


def test_the_note_goes_to_a_spare_band_when_there_is_one(detector):
    frame = group_frame(seed=0)[0]
    boxes = detected(detector, frame)
    texts = [label_texts(i + 1, "happy", 0.99) for i in range(len(boxes))]
    measure = presentation_size(frame.shape[1])
    band = (0.0, 1080.0, 1920.0, 400.0)  # the letterbox under the frame
    layout = layout_labels(boxes, texts, measure, (1920, 1080), spare=band)
    assert layout.note is not None and layout.note_rect[1] == 1080.0
    assert not any(overlaps(layout.note_rect, b) for b in boxes)
    assert layout.note.startswith(f"+{layout.unlabelled} faces unlabelled")


def test_annotated_video_frames_follow_the_same_rules(detector):
    frame = group_frame(seed=0)[0]
    with ExpressionPipeline(DEFAULT_MODEL) as pipeline:
        result = pipeline.process(frame)
    canvas = frame.copy()
    layout = draw_results(canvas, result)
    boxes = [face.box for face in result.faces]
    texts = [label_texts(face.face_id, face.label, face.confidence) for face in result.faces]
    assert_readable(layout, boxes, texts, lambda t: text_size(t, canvas.shape[1]), (canvas.shape[1], canvas.shape[0]))
    assert layout.note is not None and not any(overlaps(layout.note_rect, b) for b in boxes)  # on no face
    x, y, w, h = (int(v) for v in layout.note_rect)  # written in white on black where the layout put it
    note = canvas[y:y + h, x:x + w]
    assert (note.min(axis=2) > 200).mean() > 0.03 and (note.max(axis=2) < 30).mean() > 0.5


def test_crowded_faces_get_shorter_labels_then_none_and_never_overlap():
    boxes = [(40 + x * 110.0, 40 + y * 90.0, 40.0, 40.0) for x in range(6) for y in range(4)]  # 24 faces
    sizes = [[(150.0, 20.0), (80.0, 20.0), (50.0, 20.0)] for _ in boxes]
    texts = [["long", "mid", "short"] for _ in boxes]
    layout = layout_labels(boxes, texts, lambda t: sizes[0][["long", "mid", "short"].index(t)], (700.0, 400.0),
                           first=7)
    assert layout.placements[7].variant == 0  # the selected face keeps its whole label
    assert_readable(layout, boxes, texts, lambda t: sizes[0][["long", "mid", "short"].index(t)], (700.0, 400.0))
    assert {p.variant for p in layout.placements} - {0}  # some had to be shortened
    roomy = place_labels(boxes[:2], sizes[:2], (700.0, 400.0))
    assert [p.variant for p in roomy] == [0, 0]  # with room, the whole text


def test_a_label_never_covers_another_face():
    boxes = [(100.0, 20.0, 100.0, 100.0), (150.0, 125.0, 40.0, 40.0)]  # a small face just below a large one
    sizes = [[(90.0, 20.0)], [(90.0, 20.0)]]
    large, small = ((p.x, p.y, 90.0, 20.0) for p in place_labels(boxes, sizes, (400.0, 400.0)))
    assert not overlaps(large, boxes[1]) and rect_gap(large, boxes[0]) == 0  # above the large face
    assert not overlaps(small, boxes[0]) and rect_gap(small, boxes[1]) == 0  # below the small face, not above
    assert small[1] >= 165.0


def test_the_manual_states_the_rules_constants():
    from support.manual import promise

    assert float(promise(r"two labels keep at least ([\d.]+) label heights apart").group(1)) == LABEL_GAP
    assert float(promise(r"every other face is at least ([\d.]+) label heights farther").group(1)) == OWNER_MARGIN
