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
import zlib
from pathlib import Path

from desktop_app.core.samples.durable_files import replace_file, replacing

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the zip epoch: same bytes on every rebuild
# What a damaged or foreign .keras raises on loading (a .keras is a zip: a bad CRC or a missing member;
# a config nested too deeply for Python's JSON parser: RecursionError).
LOAD_ERRORS = (ValueError, OSError, TypeError, KeyError, zipfile.BadZipFile, RecursionError)
# Inflated sizes checked before Keras reads a .keras: its config.json is read whole into memory and parsed
# (a 1.5 GB one took 3.9 GB). The bundled mini-Xception's config is 60 KB, EfficientNet-B0's ~300 KB.
MAX_CONFIG_BYTES = 32 * 2**20
MAX_INFLATED_BYTES = 4 * 2**30


def check_keras_file(path: Path, what: str = "") -> None:
    """Refuse (DataError, naming ``what`` the file is, e.g. ``--resume``) a ``.keras`` that is not a whole
    zip (cut by a kill or a full disk, a member's CRC wrong) or whose members would inflate past the limits
    above, reading only the zip: no Keras, no TensorFlow. Damage inside the members is left for
    ``keras.models.load_model`` to report (``LOAD_ERRORS``)."""
    from model_training.data.labels import DataError

    path = Path(path)
    if path.suffix != ".keras":
        return
    named = f"{what + ': ' if what else ''}{path}"
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            config = sum(m.file_size for m in members if m.filename == "config.json")
            total = sum(m.file_size for m in members)
            if config > MAX_CONFIG_BYTES or total > MAX_INFLATED_BYTES:
                raise DataError(f"{named} would inflate to {total / 2**20:.0f} MB (config.json "
                                f"{config / 2**20:.0f} MB; at most {MAX_CONFIG_BYTES // 2**20} MB and "
                                f"{MAX_INFLATED_BYTES // 2**30} GB): refusing to load it")
            damaged = archive.testzip()  # reads every member once: a .keras is megabytes
    except FileNotFoundError:
        return  # for the caller to say what is missing
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, zlib.error) as exc:
        raise DataError(f"{named} does not load in Keras: not a whole .keras (zip) file ({exc})") from None
    if damaged is not None:
        raise DataError(f"{named} does not load in Keras: {damaged} inside it is damaged (bad CRC)")


def load_keras(path: Path, compile: bool = False, what: str = ""):
    """``keras.models.load_model`` after ``check_keras_file``; DataError naming the file (and ``what`` it
    is, e.g. ``--init-from X``) when it is cut, damaged, hostile or foreign."""
    import keras

    from model_training.data.labels import DataError

    check_keras_file(path, what)
    try:
        return keras.models.load_model(path, compile=compile)
    except LOAD_ERRORS as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise DataError(f"{what + ': ' if what else ''}{path} does not load in Keras: {first}") from None


def save_model(model, path: Path) -> None:
    """``model.save`` whole or not at all (Keras writes a ``.keras`` in place: a kill or a full disk
    mid-write left a cut file under the final name)."""
    with replacing(path) as temp:
        model.save(temp)


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
    replace_file(path, buffer.getvalue())
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
