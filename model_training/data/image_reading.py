"""Decoding a dataset's image for training, evaluation, audit and cropping with the app's rules: the pixel
count is read from the header before decoding (``MAX_IMAGE_PIXELS``, the limit ``analyze`` uses), and a
file that vanished (deleted or relabelled in the gallery meanwhile) is a reason to skip, not a crash."""
from __future__ import annotations

import cv2
import numpy as np

from desktop_app.core.media.image_files import MAX_IMAGE_PIXELS, header_size

VANISHED, TOO_LARGE, UNREADABLE = "vanished during the run", "too large to decode", "unreadable image"


def pixels_allowed(head: bytes) -> bool:
    """Whether an image whose first bytes are ``head`` is within the app's pixel limit (unknown: yes,
    OpenCV's own limit then applies)."""
    size = header_size(head)
    return size is None or size[0] * size[1] <= MAX_IMAGE_PIXELS


def decode_image(path: str, flag: int = cv2.IMREAD_COLOR) -> tuple[np.ndarray | None, str | None]:
    """(image, None), or (None, why it was skipped: VANISHED, TOO_LARGE or UNREADABLE)."""
    try:
        data = np.fromfile(path, np.uint8)
    except FileNotFoundError:
        return None, VANISHED
    except OSError:
        return None, UNREADABLE
    if not pixels_allowed(data[:65536].tobytes()):
        return None, TOO_LARGE
    try:
        image = cv2.imdecode(data, flag)
    except cv2.error:
        return None, UNREADABLE
    return (None, UNREADABLE) if image is None else (image, None)
