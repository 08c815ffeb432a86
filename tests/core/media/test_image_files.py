"""Reading images safely: sizes from headers before decoding, cut-off files, the pixel limit."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from desktop_app.core.media.image_files import ImageFileError, header_size, read_image_file


@pytest.mark.parametrize("suffix, params", [(".png", []), (".jpg", []), (".jpg", [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]),
                                            (".bmp", []), (".webp", []), (".webp", [cv2.IMWRITE_WEBP_QUALITY, 101]),
                                            (".tif", [])])
def test_header_size_matches_the_decoded_size(astronaut, suffix, params):
    image = cv2.resize(astronaut, (457, 123))
    ok, data = cv2.imencode(suffix, image, params)
    assert ok
    assert header_size(data.tobytes()) == (457, 123)


def test_unknown_or_garbage_headers_give_none():
    assert header_size(b"") is None and header_size(b"GIF89a....") is None
    assert header_size(b"\xff\xd8\xff\xe0" + b"\x00" * 4) is None


def test_pixel_limit_and_cut_off_file(tmp_path, astronaut):
    path = tmp_path / "a.jpg"
    cv2.imwrite(str(path), astronaut)
    image, warning = read_image_file(path)
    assert image.shape == astronaut.shape and warning is None
    with pytest.raises(ImageFileError, match="512×512 pixels"):
        read_image_file(path, max_pixels=512 * 511)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    image, warning = read_image_file(path)
    assert image.shape == astronaut.shape and "cut off" in warning
    np.testing.assert_array_equal(image[:50], cv2.imread(str(tmp_path / "a.jpg"))[:50])
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.raises(ImageFileError, match="not a readable image"):
        read_image_file(path)
