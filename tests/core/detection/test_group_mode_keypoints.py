"""Group mode maps what each tile found back into the frame: boxes (tests/core/detection/test_group_mode.py)
and the six keypoints too, which the crop uses to level the eyes. On the 1080p class of 54 real faces of
~50 px, every face found from a tile has its eyes, nose and mouth inside its box, eyes above the mouth."""
from __future__ import annotations

from desktop_app.core.detection.face_detection import FaceDetector
from desktop_app.core.media.demo_media import group_frame


def test_tile_keypoints_land_on_their_face_in_frame_pixels():
    frame, truth = group_frame(seed=0)
    with FaceDetector("group") as group:
        faces = group.detect(frame)
    assert len(faces) >= 0.9 * len(truth)
    for face in faces:
        x, y, w, h = face.box
        inner = face.keypoints[:4]  # right eye, left eye, nose, mouth
        assert ((inner[:, 0] > x) & (inner[:, 0] < x + w) & (inner[:, 1] > y) & (inner[:, 1] < y + h)).all(), face
        assert inner[:2, 1].max() < inner[3, 1]  # eyes above the mouth: upright, not flipped by the mapping
