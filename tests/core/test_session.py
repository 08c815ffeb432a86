"""The window's state and colours without Qt (plain data, real pipeline results); label placement is in
test_label_placement.py."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from desktop_app.core.expression.expression_colors import OKABE_ITO, expression_colors
from desktop_app.core.media.frame_sources import DEMO_FACE_REGION
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import ExpressionPipeline
from desktop_app.core.session import MediaClock, Session


def faces_of_three_sizes(astronaut) -> np.ndarray:
    """The real face three times, the largest in the middle (not first in any scan order)."""
    x0, y0, w0, h0 = DEMO_FACE_REGION
    face = astronaut[y0:y0 + h0, x0:x0 + w0]
    frame = np.full((480, 640, 3), 60, np.uint8)
    for (x, y), side in (((10, 120), 200), ((220, 40), 260), ((490, 120), 140)):
        frame[y:y + side, x:x + side] = cv2.resize(face, (side, side))
    return frame


@pytest.fixture(scope="module")
def three_faces(astronaut):
    frame = faces_of_three_sizes(astronaut)
    with ExpressionPipeline(DEFAULT_MODEL, "full") as pipeline:
        first = pipeline.process(frame)
        pipeline.reset_tracks()
        second = pipeline.process(frame)
    assert len(first.faces) == 3
    return frame, first, second


def test_a_result_knows_its_model_and_epoch(three_faces):
    _, first, second = three_faces
    assert first.model_path == str(DEFAULT_MODEL) and first.model_name and first.model_name != first.model_path
    assert (first.tracks_epoch, second.tracks_epoch) == (0, 1)


def test_the_largest_face_is_selected_and_stale_results_are_dropped(three_faces):
    frame, first, second = three_faces
    session = Session("old.avi")
    assert session.take_result(frame, first) is True
    largest = max(first.faces, key=lambda f: f.box[2] * f.box[3])
    assert session.selected_face() is not None and session.selected_id == largest.face_id
    session.switch_source("new.avi")  # epoch 1: ids restart
    assert session.selected_id is None and session.result is None
    assert session.take_result(frame, first) is None  # still in flight from the old source
    assert session.result is None and session.selected_id is None
    assert session.take_result(frame, second) is True
    assert session.selected_face().box == largest.box


def test_room_shares_count_faces_per_label(three_faces):
    frame, first, _ = three_faces
    session = Session()
    session.set_model(str(DEFAULT_MODEL), first.model_name, first.labels)
    session.take_result(frame, first)
    shares = session.room_shares()
    assert shares.sum() == pytest.approx(1.0)
    assert shares[session.labels.index("happy")] == pytest.approx(1.0)


def test_media_clock_runs_forward_across_a_loop():
    clock = MediaClock()
    times = [clock.time_of(t) for t in (0.0, 0.5, 1.0, 0.0, 0.5)]
    assert times[:3] == [0.0, 0.5, 1.0]
    assert all(b > a for a, b in zip(times, times[1:]))
    assert times[4] - times[3] == pytest.approx(0.5)


def test_one_colour_per_expression_across_models():
    fer = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
    affectnet = ("Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt")
    by_fer, by_affectnet = dict(zip(fer, expression_colors(fer))), dict(zip(affectnet, expression_colors(affectnet)))
    assert len(set(by_affectnet.values())) == 8 and set(by_affectnet.values()) <= set(OKABE_ITO.values())
    for name in ("happy", "sad", "fear", "disgust", "surprise", "neutral"):
        assert by_fer[name] == by_affectnet[name.capitalize()]
    assert by_fer["angry"] == by_affectnet["Anger"]
    assert len(set(expression_colors(("a", "b", "c")))) == 3  # unknown labels still differ


def test_annotated_frames_use_the_expression_colours(three_faces):
    from desktop_app.core.annotate import draw_results

    frame, first, _ = three_faces
    canvas = frame.copy()
    draw_results(canvas, first)
    happy_bgr = expression_colors(first.labels)[first.labels.index("happy")][::-1]
    for face in first.faces:  # every face here is happy: its box's left edge is drawn in orange
        x, y, _w, h = (int(round(v)) for v in face.box)
        assert tuple(int(c) for c in canvas[y + h // 2, x]) == happy_bgr
