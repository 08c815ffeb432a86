"""The inspector draws the 468 landmarks over the face and reads the geometry beside the probabilities."""
from __future__ import annotations

import numpy as np
from skimage.data import astronaut

from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.pipeline import ExpressionPipeline
from desktop_app.ui.inspect.inspector import InspectorDialog


def test_inspector_shows_landmarks_and_what_the_face_does(qtbot):
    frame = np.ascontiguousarray(astronaut()[:, :, ::-1])
    with ExpressionPipeline(DEFAULT_MODEL, "short") as pipeline:
        face = pipeline.process(frame).faces[0]
    dialog = InspectorDialog()
    qtbot.addWidget(dialog)
    dialog.inspect(frame, face, str(DEFAULT_MODEL))
    assert dialog.landmarks is not None and dialog.landmarks.is_face and dialog.landmarks.points.shape == (468, 3)
    text = dialog.details.text()
    assert "Face geometry: mouth corners up" in text and f"the model says {face.label}" in text
    assert "corner lift +" in text
    view = dialog.keypoints.pixmap().toImage()
    green = 0
    for y in range(0, view.height(), 2):  # landmark dots: bright green pixels over the face
        for x in range(0, view.width(), 2):
            c = view.pixelColor(x, y)
            green += c.green() > 180 and c.red() < 140 and c.blue() < 140
    assert green > 50
    dialog.close()
