"""What to try when no face has been found for a while: a line the window's status line shows as it is.

"faces 0" alone leaves a teacher guessing (is it the light, the distance, the detector?). After
``HINT_AFTER_S`` seconds of a source without a face, the pipeline's result carries a hint that names
what usually helps with the detector in use; it clears on the first face.
"""
from __future__ import annotations

HINT_AFTER_S = 3.0
NOMINAL_FPS = 30.0  # counts frames as time where a source gives none (a photo processed again and again)

HINTS = {
    "auto": "no face for {s:.0f} s: light the faces from the front and face the camera; faces under ~25 px "
            "(a 1080p room seen from far back) are too small: move the camera closer or zoom in",
    "group": "no face for {s:.0f} s: light the faces from the front and face the camera; faces under ~25 px "
             "are too small: move the camera closer or zoom in",
    "short": "no face for {s:.0f} s: short range sees faces within ~2 m; for a room or a far face choose "
             "the auto detector (--detector auto)",
    "full": "no face for {s:.0f} s: full range misses small faces in a large frame; for a room choose the "
            "auto detector (--detector auto)",
}


class NoFaceWatch:
    """Time since the last face of this source; ``update`` returns the hint ("" while faces are seen)."""

    def __init__(self, detector: str) -> None:
        self.template = HINTS.get(detector, HINTS["auto"])
        self.reset()

    def reset(self) -> None:
        self._since: float | None = None  # time_s of the first frame without a face
        self._frames = 0

    def update(self, frame, faces: int) -> str:
        """``frame``: anything with ``time_s`` (a Frame)."""
        if faces:
            self._since, self._frames = None, 0
            return ""
        if self._since is None:
            self._since = frame.time_s
        self._frames += 1
        seconds = max(frame.time_s - self._since, (self._frames - 1) / NOMINAL_FPS)
        return self.template.format(s=seconds) if seconds >= HINT_AFTER_S else ""
