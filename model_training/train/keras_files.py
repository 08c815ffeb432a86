"""A ``.keras`` file that rebuilds to the same bytes, so a checksum can pin it (the bundled models' SHA256SUMS).

A ``.keras`` file is a zip. Keras stamps the save time into ``metadata.json`` and into the zip entries,
and names objects shared between layers in ``config.json`` by their Python ``id()``, a memory address
that changes from run to run. All three are fixed here; the model loads exactly as before.
"""
from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the zip epoch: same bytes on every rebuild
# What a damaged or foreign .keras raises on loading (a .keras is a zip: a bad CRC or a missing member).
LOAD_ERRORS = (ValueError, OSError, TypeError, KeyError, zipfile.BadZipFile)


def save_reproducible(keras_model, path: Path) -> bytes:
    """Save ``keras_model`` to ``path`` with no save time and no memory address in it; returns the bytes."""
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / path.name
        keras_model.save(raw)
        buffer = io.BytesIO()
        with zipfile.ZipFile(raw) as src, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "metadata.json":
                    meta = json.loads(data)
                    meta.pop("date_saved", None)
                    data = json.dumps(meta, sort_keys=True).encode("utf-8")
                elif info.filename == "config.json":
                    data = json.dumps(renumber_shared_objects(json.loads(data))).encode("utf-8")
                entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                dst.writestr(entry, data)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def renumber_shared_objects(config):
    """``shared_object_id``s numbered 1, 2, ... in order of appearance (the links between layers stay)."""
    numbers: dict[int, int] = {}

    def walk(node):
        if isinstance(node, dict):
            return {key: (numbers.setdefault(value, len(numbers) + 1) if key == "shared_object_id" else walk(value))
                    for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(config)
