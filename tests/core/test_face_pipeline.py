"""The core on real faces: real MediaPipe detection, real LiteRT classification."""
from __future__ import annotations

import numpy as np
import pytest

from desktop_app.core.media.frame_sources import VideoFileSource
from desktop_app.core.pipeline import ExpressionPipeline
from support.media import write_video


@pytest.fixture(scope="module")
def pipeline():
    with ExpressionPipeline(smoothing=0.0) as p:
        yield p


def test_astronaut_one_happy_face_with_box_on_the_face(pipeline, astronaut):
    result = pipeline.process(astronaut)
    assert len(result.faces) == 1
    face = result.faces[0]
    x, y, w, h = face.box
    # The face in skimage's astronaut photo lies around x 180–270, y 80–180 (looked at by eye).
    assert 150 < x + w / 2 < 300 and 80 < y + h / 2 < 200
    assert 60 < w < 160
    assert face.label == "happy" and face.confidence > 0.8
    assert face.keypoints.shape == (6, 2)
    assert np.isclose(face.probabilities.sum(), 1.0, atol=1e-4)
    assert set(result.timings_ms) == {"decode", "detect", "crop", "classify", "track"}


def test_four_faces_keep_four_stable_ids_over_a_written_video(tmp_path, four_faces):
    video = write_video(tmp_path / "four.avi", four_faces)
    ids_per_frame = []
    with ExpressionPipeline(detector="full") as pipeline, VideoFileSource(video) as source:
        for frame in source:
            result = pipeline.process(frame)
            ids_per_frame.append(sorted(f.face_id for f in result.faces))
            assert all(f.label == "happy" for f in result.faces)
    assert len(ids_per_frame) == len(four_faces)
    assert all(ids == [1, 2, 3, 4] for ids in ids_per_frame), ids_per_frame


def test_frames_without_a_face_give_no_faces(pipeline):
    for shape in [(480, 640, 3), (720, 1280, 3)]:
        assert pipeline.process(np.full(shape, 90, np.uint8)).faces == []


@pytest.mark.parametrize("convert", ["gray", "rgba", "tiny"])
def test_gray_rgba_and_tiny_images_are_handled(pipeline, astronaut, convert):
    import cv2

    if convert == "gray":
        image = cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY)
    elif convert == "rgba":
        image = cv2.cvtColor(astronaut, cv2.COLOR_BGR2BGRA)
    else:
        image = cv2.resize(astronaut, (6, 6))
    result = pipeline.process(image)
    if convert == "tiny":
        assert result.faces == [] and result.frame_size == (6, 6)
    else:
        assert len(result.faces) == 1


def test_detector_and_classifier_import_neither_qt_nor_tensorflow():
    import subprocess
    import sys

    code = ("import sys; from desktop_app.core.pipeline import ExpressionPipeline\n"
            "with ExpressionPipeline() as p: pass\n"
            "bad = [m for m in ('PySide6', 'pyqtgraph', 'tensorflow') if m in sys.modules]\n"
            "assert not bad, bad")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_demo_face_keeps_one_id_through_zoom_and_a_moment_out_of_view():
    """The demo clip (20 s), with the face hidden for 20 frames twice while it moves on: one id."""
    from desktop_app.core.media.frame_sources import DemoSource

    ids = set()
    with ExpressionPipeline() as pipeline:
        for frame in DemoSource(frames=600):
            image = frame.image
            if 200 <= frame.index < 220 or 400 <= frame.index < 420:
                image = np.full_like(image, 60)
            ids.update(face.face_id for face in pipeline.process(image).faces)
    assert ids == {1}
