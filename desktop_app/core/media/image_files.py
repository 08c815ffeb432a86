"""Reading image files safely: the size is read from the header BEFORE decoding, so a small file
claiming 40000×40000 pixels is refused instead of taking gigabytes (or a cv2 exception), and a
file cut off mid-way (no end marker) decodes with a warning instead of a silent grey half.
"""
from __future__ import annotations

import struct
from pathlib import Path

import cv2
import numpy as np

from desktop_app.core.errors import UserError
from desktop_app.core.media.images import to_bgr

# Every reader of image files (sources, training datasets, the fine-tune check) takes these, OpenCV reads them.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
MAX_IMAGE_PIXELS = 100_000_000  # 100 megapixels (~300 MB decoded as BGR): larger images are refused


class ImageFileError(UserError, ValueError):
    """An image that cannot or must not be decoded; the message names the file and the reason."""


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, JPEG, BMP, WebP or TIFF; None if unknown."""
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
            return struct.unpack(">II", data[16:24])
        if data.startswith(b"\xff\xd8"):
            return _jpeg_size(data)
        if data.startswith(b"BM") and len(data) >= 26:
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
            return _webp_size(data)
        if data[:4] in (b"II*\x00", b"MM\x00*"):
            return _tiff_size(data)
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame segment
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    order = "<" if data[:2] == b"II" else ">"
    offset = struct.unpack(order + "I", data[4:8])[0]
    count = struct.unpack(order + "H", data[offset:offset + 2])[0]
    found = {}
    for n in range(count):
        entry = data[offset + 2 + 12 * n: offset + 14 + 12 * n]
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag in (256, 257):
            short = kind == 3
            found[tag] = struct.unpack(order + ("H" if short else "I"), entry[8:10] if short else entry[8:12])[0]
    return (found[256], found[257]) if len(found) == 2 else None


def cut_off(data: bytes) -> bool:
    """A JPEG without its end marker or a PNG without its IEND chunk: the file was cut short."""
    tail = data[-32:]
    if data.startswith(b"\xff\xd8"):
        return b"\xff\xd9" not in tail
    if data.startswith(b"\x89PNG"):
        return b"IEND" not in tail
    return False


def read_image_file(path: Path | str, max_pixels: int = MAX_IMAGE_PIXELS) -> tuple[np.ndarray, str | None]:
    """(uint8 BGR image, warning or None). ImageFileError for an unreadable, unsupported or too large
    file. The file is read once; the pixel count is checked from its header before decoding."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    size = header_size(data[:65536])
    if size is not None and size[0] * size[1] > max_pixels:
        raise ImageFileError(f"image too large to decode safely: {path} is {size[0]}×{size[1]} pixels "
                             f"(the limit is {max_pixels // 1_000_000} megapixels)")
    truncated = cut_off(data)
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        if image is None and truncated:  # decoding from memory gives up; the file decoder keeps the top part
            image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    except cv2.error as exc:  # e.g. OpenCV's own pixel limit on a format whose header we do not read
        raise ImageFileError(f"not a readable image: {path} ({str(exc).strip().splitlines()[-1][:120]})") from None
    if image is None:
        raise ImageFileError(f"not a readable image: {path}" + (" (the file is cut off)" if truncated else ""))
    try:
        image = to_bgr(image)
    except ValueError as exc:
        raise ImageFileError(f"unsupported image {path}: {exc}") from None
    warning = f"{path} is cut off (the file ends early); using the part that decoded" if truncated else None
    return image, warning
